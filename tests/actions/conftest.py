"""Tracker fixtures in the style of RasaHQ/financial-demo: build a Tracker, run the action,
assert the exact events and messages.

Actions that call the platform run against a real one: `platform` starts
`citysteward serve platform` (app venv) on a free port for the session, with its own SQLite
database, media folder and token. Every test gets its own pending-reports queue, and by default
PLATFORM_URL points at a closed port, so nothing reaches a platform the test did not ask for.
"""

from __future__ import annotations

import os
import secrets
import socket
import struct
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

REPO_ROOT = Path(__file__).resolve().parents[2]
CITYSTEWARD = REPO_ROOT / ".venv" / "bin" / "citysteward"
TrackerFactory = Callable[..., Tracker]

# No background retry thread in tests (actions/__init__.py reads this when `actions` is imported,
# which happens after conftest): tests drain the queue themselves.
os.environ["ACTIONS_RETRY_SECONDS"] = "0"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh queue file per test, and no platform unless the test starts one."""
    queue_path = tmp_path / "pending-reports.sqlite3"
    monkeypatch.setenv("ACTIONS_QUEUE_PATH", str(queue_path))
    monkeypatch.setenv("PLATFORM_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("PLATFORM_API_TOKEN", "no-platform-here")
    return queue_path


@pytest.fixture
def tracker_with() -> TrackerFactory:
    def build(text: str, intent: str, confidence: float = 0.95, **parse: Any) -> Tracker:
        sender_id = parse.pop("sender_id", "test:1")
        slots = {"issue_category": None, "place": None, "waste_item": None, "case_ref": None}
        slots.update(parse.pop("slots", {}))
        latest_message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": parse.pop("entities", []),
            **parse,
        }
        return Tracker(
            sender_id=sender_id,
            slots=slots,
            latest_message=latest_message,
            events=[{"event": "user", "text": text, "parse_data": latest_message}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build


def user_event(
    text: str, intent: str, entities: list[dict[str, Any]] | None = None, **parse: Any
) -> dict[str, Any]:
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
        **parse,
    }
    return {"event": "user", "text": text, "parse_data": parse_data, "metadata": parse.get("metadata", {})}


def entity(name: str, value: Any) -> dict[str, Any]:
    return {"entity": name, "value": value}


def selector(*ranked: tuple[str, float]) -> dict[str, Any]:
    ranking = [{"intent_response_key": f"report_issue/{k}", "confidence": c} for k, c in ranked]
    return {"report_issue": {"response": ranking[0] if ranking else {}, "ranking": ranking}}


@pytest.fixture
def form_turn(domain: dict[str, Any]) -> TrackerFactory:
    """The tracker `validate_report_form` gets when the resident answers the question `step`.

    As Rasa builds it: the conversation so far, the user message, the slots Rasa extracted itself
    (`candidates`), the message's featurization marker, `requested_slot`, the form's execution
    marker, then the candidates again (what the form passes to its validation action).
    `step=None` is the form's activation; `resumed=True` is the form coming back after a rule
    answered an interruption.
    """

    def build(
        text: str,
        intent: str,
        *,
        step: str | None,
        slots: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        confidence: float = 0.95,
        response_selector: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
        candidates: dict[str, Any] | None = None,
        resumed: bool = False,
        sender_id: str = "tg:4242",
        metadata: dict[str, Any] | None = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "metadata": metadata or {},
        }
        if response_selector is not None:
            latest["response_selector"] = response_selector
        events = [*(history or []), {"event": "action", "name": "action_listen"}]
        events.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}})
        events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
        events.append({"event": "user_featurization", "use_text_for_featurization": False})
        if resumed:
            events += [
                {"event": "action_execution_rejected", "name": "report_form"},
                {"event": "action", "name": "utter_welcome_in_form"},
                {"event": "bot", "text": "不客气。"},
            ]
        if step is None:
            events.append({"event": "active_loop", "name": "report_form"})
        events += [
            {"event": "slot", "name": "requested_slot", "value": step},
            {"event": "action", "name": "report_form"},
        ]
        events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
        all_slots: dict[str, Any] = {name: None for name in domain["slots"]}
        all_slots.update(slots or {})
        all_slots.update(candidates or {})
        all_slots["requested_slot"] = step
        return Tracker(
            sender_id=sender_id,
            slots=all_slots,
            latest_message=latest,
            events=events,
            paused=False,
            followup_action=None,
            active_loop={"name": "report_form"},
            latest_action_name="report_form",
        )

    return build


# -- a real platform --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningPlatform:
    url: str
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def case_count(self) -> int:
        return int(self.call("GET", "/api/v1/cases", params={"limit": 1}).json()["total"])

    def upload_photo(self) -> str:
        answer = self.call("POST", "/api/v1/media", files={"file": ("photo.png", tiny_png(), "image/png")})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def move(self, code: str, *actions: str) -> dict[str, Any]:
        """Staff transitions, e.g. move(code, "file", "dispatch", "handle", "verify", "close")."""
        case: dict[str, Any] = {}
        for action in actions:
            body: dict[str, Any] = {"action": action, "actor": "dispatcher:test", "reason": "测试"}
            if action == "handle":
                body["photo_ids"] = [self.upload_photo()]
            answer = self.call("POST", f"/api/v1/cases/{code}/transitions", json=body)
            assert answer.status_code == 200, answer.text
            case = answer.json()
        return case


def tiny_png() -> bytes:
    """A valid 1x1 PNG, built with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    if not CITYSTEWARD.exists() or not (REPO_ROOT / "cityplatform" / "api").is_dir():
        pytest.skip("the platform (cityplatform/, `citysteward serve platform`) is not installed")
    root = tmp_path_factory.mktemp("platform")
    port, token = free_port(), secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{root / 'platform.sqlite3'}",
        "PLATFORM_API_TOKEN": token,
        "MEDIA_DIR": str(root / "media"),
    }
    with open(root / "platform.log", "wb") as log:
        process = subprocess.Popen(
            [str(CITYSTEWARD), "serve", "platform", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"platform exited with {process.returncode}: {root / 'platform.log'}")
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"platform did not answer /healthz: {root / 'platform.log'}")
            time.sleep(0.3)
        yield RunningPlatform(url, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def platform_up(platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch) -> RunningPlatform:
    """Point the actions at the running platform for this test."""
    monkeypatch.setenv("PLATFORM_URL", platform.url)
    monkeypatch.setenv("PLATFORM_API_TOKEN", platform.token)
    return platform


# Street points inside the city (knowledge/geo/gazetteer.yml). Each test files at its own spot:
# the session's platform treats the same category within 50 m as "me too".
_STREETS = [
    (22.5850, 113.0450),
    (22.5950, 113.0860),
    (22.6140, 113.0600),
    (22.5880, 113.1050),
    (22.5810, 113.0700),
    (22.5635, 113.0880),
    (22.5900, 113.1310),
]
_spots = iter(
    (round(lat + 0.0007 * i, 5), round(lon + 0.0007 * j, 5))
    for i in range(-2, 3)
    for j in range(-2, 3)
    for lat, lon in _STREETS
)


def spot() -> tuple[float, float]:
    """A point inside the city that no other test uses."""
    return next(_spots)


def report_body(category: str = "street_light", point: tuple[float, float] | None = None) -> dict[str, Any]:
    latitude, longitude = point or spot()
    return {
        "category": category,
        "description": "路灯晚上不亮，黑乎乎的",
        "latitude": latitude,
        "longitude": longitude,
        "photo_ids": [],
        "reporter": {"channel": "telegram", "user_id": "queue-test", "chat_id": "queue-test"},
        "source": "telegram",
    }
