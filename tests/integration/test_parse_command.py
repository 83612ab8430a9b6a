"""The `citysteward nlu parse` contract of ARCHITECTURE.md, run as a command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from citysteward import paths

pytestmark = pytest.mark.integration
COMMAND = [str(Path(sys.executable).parent / "citysteward"), "nlu", "parse"]
KEYS = {"text", "intent", "entities", "issue_category", "waste_item", "fallback"}


def run(args: list[str], stdin: str | None = None) -> list[dict[str, Any]]:
    done = subprocess.run(
        COMMAND + args,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        check=True,
        timeout=300,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_arguments_give_one_json_line_each() -> None:
    first, second = run(["小区门口的井盖被人偷了，晚上看不见很危险", "用完的充电宝扔哪个桶"])
    assert set(first) == KEYS
    assert first["intent"]["name"] == "report_issue"
    assert first["issue_category"] == "manhole"
    assert 0.0 < first["intent"]["confidence"] <= 1.0
    assert second["intent"]["name"] == "ask_waste_sorting"
    assert second["waste_item"] == "充电宝"
    assert second["issue_category"] is None


def test_stdin_lines_give_one_json_line_each_in_order() -> None:
    lines = ["你好", "", "JM20261123-0007办到哪一步了", "建设路那边的路灯一到晚上就不亮"]
    results = run([], "\n".join(lines) + "\n")
    assert [r["text"] for r in results] == lines
    assert results[1]["intent"]["name"] is None
    assert results[2]["intent"]["name"] == "check_case_status"
    assert {"entity": "case_ref", "value": "JM20261123-0007"}.items() <= results[2]["entities"][0].items()
    assert results[3]["issue_category"] == "street_light"
