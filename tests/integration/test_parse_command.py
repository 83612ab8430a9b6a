"""The `citysteward nlu parse` contract of ARCHITECTURE.md, run as a command: once against a
running Rasa server (what `make run` gives) and once loading the model locally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from citysteward import paths
from citysteward.stack import StackConfig, free_port

pytestmark = pytest.mark.integration
COMMAND = [str(Path(sys.executable).parent / "citysteward"), "nlu", "parse"]
KEYS = {"text", "intent", "entities", "issue_category", "waste_item", "fallback"}


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> list[dict[str, Any]]:
    done = subprocess.run(
        COMMAND + args,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        check=True,
        timeout=400,
        env={**os.environ, **env},
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.usefixtures("rasa_server")
def test_arguments_give_one_json_line_each_from_the_running_server(stack_config: StackConfig) -> None:
    env = {"RASA_URL": stack_config.rasa_url, "RASA_AUTH_TOKEN": stack_config.rasa_auth_token}
    first, second, empty = run(["小区门口的井盖被人偷了，晚上看不见很危险", "用完的充电宝扔哪个桶", ""], env)
    assert set(first) == KEYS
    assert first["intent"]["name"] == "report_issue"
    assert first["issue_category"] == "manhole"
    assert 0.0 < first["intent"]["confidence"] <= 1.0
    assert second["intent"]["name"] == "ask_waste_sorting"
    assert second["waste_item"] == "充电宝"
    assert second["issue_category"] is None
    assert empty["intent"] == {"name": None, "confidence": 0.0}


def test_stdin_lines_give_one_json_line_each_in_order_with_a_local_model() -> None:
    lines = ["你好", "", "JM20261123-0007办到哪一步了", "建设路那边的路灯一到晚上就不亮"]
    # --local, and RASA_URL on a closed port, so a developer's running stack is not used
    results = run(["--local"], {"RASA_URL": f"http://127.0.0.1:{free_port()}"}, "\n".join(lines) + "\n")
    assert [r["text"] for r in results] == lines
    assert results[0]["intent"]["name"] == "greet"
    assert results[1]["intent"]["name"] is None
    assert results[2]["intent"]["name"] == "check_case_status"
    assert {"entity": "case_ref", "value": "JM20261123-0007"}.items() <= results[2]["entities"][0].items()
    assert results[3]["issue_category"] == "street_light"
