"""`citysteward waste lookup` in a subprocess, on the fixture data, with a fake platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from citysteward.stack import free_port
from tests.unit.sorting.conftest import DATA

TOKEN = "test-token"


class FakePlatform(ThreadingHTTPServer):
    requests: list[tuple[str, str | None]]
    learned: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: FakePlatform

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"items": self.server.learned}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    server = FakePlatform(("127.0.0.1", 0), Handler)
    server.requests = []
    server.learned = [
        {
            "name": "猫砂",
            "category_key": "other",
            "subcategory": None,
            "advice": "装袋后投放",
            "reason": None,
            "source": "volunteers",
            "updated_at": "2026-11-29T10:00:00+08:00",
            "updated_by": "志愿者",
        }
    ]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run(
    args: list[str], stdin: str = "", platform_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CITYSTEWARD_WASTE_DIR": str(DATA),
        "PLATFORM_URL": platform_url or f"http://127.0.0.1:{free_port()}",
        "PLATFORM_API_TOKEN": TOKEN,
        "CITY": "jiangmen",
    }
    return subprocess.run(
        [sys.executable, "-m", "citysteward", "waste", "lookup", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_stdin_one_query_per_line_with_learned_items_fetched_once(platform: FakePlatform) -> None:
    url = f"http://127.0.0.1:{platform.server_address[1]}"
    result = run([], stdin="猫砂是什么垃圾\n电池\n\n塑料瓶和果皮\n", platform_url=url)
    cat_litter, battery, empty, several = lines(result)
    assert platform.requests == [("/api/v1/waste/learned", f"Bearer {TOKEN}")]
    assert cat_litter["query"] == "猫砂是什么垃圾"
    assert (cat_litter["item"], cat_litter["category"], cat_litter["match"]) == (
        "猫砂",
        "其他垃圾",
        "learned",
    )
    assert cat_litter["advice"] == "装袋后投放"
    assert (battery["match"], battery["item"], battery["ambiguous"]["term"]) == ("ambiguous", None, "电池")
    assert (empty["query"], empty["match"]) == ("", "none")
    assert [(i["item"], i["category_key"]) for i in several["items"]] == [
        ("塑料瓶", "recyclable"),
        ("果皮", "kitchen"),
    ]
    assert "\\u" not in result.stdout  # ensure_ascii=False


def test_local_skips_the_platform(platform: FakePlatform) -> None:
    url = f"http://127.0.0.1:{platform.server_address[1]}"
    (found,) = lines(run(["猫砂", "--local"], platform_url=url))
    assert platform.requests == []
    assert found["match"] == "none"


def test_arguments_and_a_city_without_a_platform() -> None:
    durian, bag = lines(run(["榴莲壳", "塑料袋", "--city", "沪"]))
    assert set(durian) >= {"query", "item", "category", "category_key", "match", "confidence", "advice"}
    assert (durian["category"], durian["category_key"], durian["items"][0]["city_rule"]) == (
        "湿垃圾",
        "kitchen",
        "测试来源乙",
    )
    assert (bag["category"], bag["items"][0]["bin"]) == ("干垃圾", "黑色")


def test_unknown_city_exits_2_with_a_clear_message() -> None:
    result = run(["电池", "--city", "火星"])
    assert result.returncode == 2
    assert result.stdout == ""
    assert "未知的城市「火星」" in result.stderr
    assert "Unknown city '火星'" in result.stderr
