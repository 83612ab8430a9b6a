"""The durable queue: write-ahead, retries, and exactly one case per report."""

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from actions.pending_reports import (
    PendingReports,
    RetryWorker,
    drain,
    retry_seconds_from_environment,
    start_retry_worker,
)
from actions.platform_client import PlatformClient
from tests.actions.conftest import RunningPlatform, free_port, report_body


@pytest.fixture
def queue(isolated_environment: Path) -> PendingReports:
    return PendingReports.from_environment()


def down() -> PlatformClient:
    return PlatformClient(f"http://127.0.0.1:{free_port()}", "token")


def notices(platform: RunningPlatform, code: str) -> list[dict[str, Any]]:
    """The platform's outbox messages that tell a reporter the code of a late filing."""
    answer = platform.call("GET", "/api/v1/outbox", params={"limit": 500})
    assert answer.status_code == 200, answer.text
    return [i for i in answer.json()["items"] if i["kind"] == "report_filed" and code in i["text"]]


def test_the_queue_is_a_wal_sqlite_file_from_the_environment(
    queue: PendingReports, isolated_environment: Path
) -> None:
    assert queue.path == isolated_environment
    with sqlite3.connect(isolated_environment) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_key_is_queued_once(queue: PendingReports) -> None:
    assert queue.add("k1", "tg:1", {"category": "manhole"}) is True
    assert queue.add("k1", "tg:1", {"category": "noise"}) is False
    [item] = queue.all()
    assert (item.key, item.sender_id, item.report, item.status, item.attempts) == (
        "k1",
        "tg:1",
        {"category": "manhole"},
        "pending",
        0,
    )
    assert queue.pending_for("tg:1") == 1
    assert queue.pending_for("tg:2") == 0


def test_a_report_in_flight_is_not_due_yet(queue: PendingReports) -> None:
    queue.add("held", "tg:1", {}, hold_seconds=30)
    queue.add("ready", "tg:1", {})
    assert [item.key for item in queue.due()] == ["ready"]
    assert [item.key for item in queue.due(now=time.time() + 31)] == ["held", "ready"]


def test_postponed_and_failed_reports(queue: PendingReports) -> None:
    queue.add("a", "tg:1", {})
    queue.add("b", "tg:1", {})
    queue.postpone("a", "connection refused", seconds=60)
    queue.fail("b", "422 unknown_category: …")
    assert queue.due() == []
    a, b = queue.get("a"), queue.get("b")
    assert a is not None
    assert (a.status, a.attempts, a.last_error) == ("pending", 1, "connection refused")
    assert b is not None
    assert (b.status, b.attempts, b.last_error) == ("failed", 1, "422 unknown_category: …")
    assert queue.pending_for("tg:1") == 1


def test_retry_interval_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_RETRY_SECONDS", "5")
    assert retry_seconds_from_environment() == 5.0
    monkeypatch.setenv("ACTIONS_RETRY_SECONDS", "soon")
    assert retry_seconds_from_environment() == 30.0
    monkeypatch.delenv("ACTIONS_RETRY_SECONDS")
    assert retry_seconds_from_environment() == 30.0


def test_platform_down_then_up_files_each_report_exactly_once(
    queue: PendingReports, platform: RunningPlatform
) -> None:
    queue.add("outage-1", "tg:1", report_body("street_light"))
    queue.add("outage-2", "tg:2", report_body("exposed_garbage"))
    before = platform.case_count()

    result = drain(queue, down(), retry_seconds=0)
    assert result.unavailable
    assert result.filed == []
    assert result.failed == []
    assert [(item.key, item.attempts) for item in queue.all()] == [("outage-1", 1), ("outage-2", 0)]

    up = PlatformClient(platform.url, platform.token)
    result = drain(queue, up, retry_seconds=0)
    assert [item.key for item, _ in result.filed] == ["outage-1", "outage-2"]
    assert all(filing.created for _, filing in result.filed)
    assert queue.all() == []
    assert platform.case_count() == before + 2
    # the residents left with "saved, will be filed": the platform tells each of them the code
    for _, filing in result.filed:
        [notice] = notices(platform, filing.case["code"])
        assert (notice["channel"], notice["chat_id"], notice["status"]) == (
            "telegram",
            "queue-test",
            "pending",
        )
        assert filing.case["unit"]["name"] in notice["text"]

    # a second drain has nothing left to file
    assert drain(queue, up, retry_seconds=0).filed == []
    assert platform.case_count() == before + 2


def test_a_crash_after_filing_is_replayed_not_filed_twice(
    queue: PendingReports, platform: RunningPlatform
) -> None:
    """The action server died after the platform filed the report but before removing it."""
    body = report_body("illegal_posting")
    up = PlatformClient(platform.url, platform.token)
    queue.add("crash-1", "tg:1", body)
    first = up.create_case(body, "crash-1")
    count = platform.case_count()

    assert notices(platform, first.case["code"]) == []  # a direct filing: the bot answered in the chat
    [(item, filing)] = drain(queue, up, retry_seconds=0).filed
    assert item.key == "crash-1"
    assert filing.case["code"] == first.case["code"]
    assert platform.case_count() == count
    assert queue.all() == []
    # nobody answered the resident then: the replay tells them, once
    assert len(notices(platform, first.case["code"])) == 1
    up.create_case(body, "crash-1", notify_reporter=True)
    assert len(notices(platform, first.case["code"])) == 1


def test_a_refused_report_is_kept_as_failed_and_not_retried(
    queue: PendingReports, platform: RunningPlatform
) -> None:
    queue.add("bad-1", "tg:1", report_body("no_such_category"))
    up = PlatformClient(platform.url, platform.token)
    result = drain(queue, up, retry_seconds=0)
    [(item, error)] = result.failed
    assert (item.key, error.status, error.code) == ("bad-1", 422, "unknown_category")
    failed = queue.get("bad-1")
    assert failed is not None
    assert failed.status == "failed"
    assert "unknown_category" in (failed.last_error or "")
    assert drain(queue, up, retry_seconds=0).failed == []


def test_a_wrong_token_waits_for_the_operator(queue: PendingReports, platform: RunningPlatform) -> None:
    queue.add("token-1", "tg:1", report_body("noise"))
    result = drain(queue, PlatformClient(platform.url, "wrong-token"), retry_seconds=0)
    assert result.unavailable
    assert result.failed == []
    item = queue.get("token-1")
    assert item is not None
    assert item.status == "pending"


def test_the_retry_thread_files_what_waits(queue: PendingReports, platform: RunningPlatform) -> None:
    queue.add("thread-1", "tg:1", report_body("dust"))
    worker = RetryWorker(
        60, queue_factory=lambda: queue, client_factory=lambda: PlatformClient(platform.url, platform.token)
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while queue.all() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.all() == []  # the first round runs at once
        queue.add("thread-2", "tg:1", report_body("dust"))
        worker.nudge()  # an action ran: drain now, not in 60 s
        while queue.all() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.all() == []
    finally:
        worker.stop()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_no_retry_thread_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_RETRY_SECONDS", "0")
    assert start_retry_worker() is None
