"""The durable queue of confirmed reports: nothing a resident confirmed is lost when the platform is not.

- Write-ahead: the submit action stores the report with its idempotency key *before* it calls the
  platform, and removes it once the platform answered 200/201. A crash of the action server in
  between leaves the report here; the retry files it.
- Exactly once: every retry sends the same `Idempotency-Key`, so the platform answers a report it
  already filed with that first filing instead of opening a second case.
- Telling the resident: a report filed by a retry is sent with `notify_reporter: true`, so the
  platform puts a message with its case code in its outbox for the gateway to deliver; the
  resident left the conversation with "saved, will be filed automatically".
- Retries: a daemon thread, started when the action server imports the actions, drains the queue
  every `$ACTIONS_RETRY_SECONDS` (default 30; 0 disables it, as the tests do); each action that talks
  to the platform nudges it to drain at once (opportunistic drain). Unreachable platform or 5xx:
  the report stays and is retried later. Other 4xx answers (an address nobody can place, an unknown
  category): the report is marked failed with the reason and logged, never retried forever.

SQLite file `$ACTIONS_QUEUE_PATH` (default `var/pending-reports.sqlite3`), WAL journal, stdlib only.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from actions.platform_client import (
    TIMEOUT,
    Filing,
    PlatformClient,
    PlatformError,
    PlatformUnavailable,
)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUEUE_PATH = REPO_ROOT / "var" / "pending-reports.sqlite3"
DEFAULT_RETRY_SECONDS = 30.0
# A report being filed right now is not retried until its own call had time to finish.
IN_FLIGHT_SECONDS = sum(TIMEOUT) + 8.0
# 4xx answers that say "not now" rather than "never": wrong token (fixable by the operator),
# request timeout, rate limiting.
RETRYABLE_STATUSES = frozenset({401, 408, 425, 429})

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_reports (
    idempotency_key TEXT PRIMARY KEY,
    sender_id TEXT NOT NULL,
    report TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    next_attempt_at REAL NOT NULL
)
"""


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PendingReport:
    key: str
    sender_id: str
    report: dict[str, Any]
    status: str
    attempts: int
    last_error: str | None
    created_at: str


class PendingReports:
    """The queue table in one SQLite file; every method opens its own short connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
            db.execute(
                "CREATE INDEX IF NOT EXISTS pending_reports_due ON pending_reports (status, next_attempt_at)"
            )

    @classmethod
    def from_environment(cls) -> PendingReports:
        path = Path(os.environ.get("ACTIONS_QUEUE_PATH") or DEFAULT_QUEUE_PATH)
        return cls(path if path.is_absolute() else REPO_ROOT / path)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            yield db
        finally:
            db.close()

    def add(self, key: str, sender_id: str, report: dict[str, Any], hold_seconds: float = 0.0) -> bool:
        """Store a report (write-ahead); False if its key is queued already (a repeated confirm)."""
        now = _utc_now()
        with self._connection() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO pending_reports "
                "(idempotency_key, sender_id, report, created_at, updated_at, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    sender_id,
                    json.dumps(report, ensure_ascii=False),
                    now,
                    now,
                    time.time() + hold_seconds,
                ),
            )
            return cursor.rowcount == 1

    def remove(self, key: str) -> None:
        """Forget a report the platform has filed (answered 200/201)."""
        with self._connection() as db:
            db.execute("DELETE FROM pending_reports WHERE idempotency_key = ?", (key,))

    def postpone(self, key: str, error: str, seconds: float) -> None:
        """Count a failed attempt that is worth retrying after `seconds`."""
        with self._connection() as db:
            db.execute(
                "UPDATE pending_reports SET attempts = attempts + 1, last_error = ?, updated_at = ?, "
                "next_attempt_at = ? WHERE idempotency_key = ?",
                (error[:1000], _utc_now(), time.time() + seconds, key),
            )

    def fail(self, key: str, reason: str) -> None:
        """The platform refused the report for good: keep it, with the reason, out of the retries."""
        with self._connection() as db:
            db.execute(
                "UPDATE pending_reports SET status = 'failed', attempts = attempts + 1, last_error = ?, "
                "updated_at = ? WHERE idempotency_key = ?",
                (reason[:1000], _utc_now(), key),
            )

    def due(self, now: float | None = None, limit: int = 100) -> list[PendingReport]:
        """Pending reports whose next attempt is due, oldest first."""
        moment = time.time() if now is None else now
        return self._select(
            "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY created_at, rowid LIMIT ?",
            (moment, limit),
        )

    def get(self, key: str) -> PendingReport | None:
        found = self._select("WHERE idempotency_key = ?", (key,))
        return found[0] if found else None

    def all(self) -> list[PendingReport]:
        return self._select("ORDER BY created_at, rowid", ())

    def pending_for(self, sender_id: str) -> int:
        """How many of this resident's reports still wait to be filed."""
        with self._connection() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM pending_reports WHERE sender_id = ? AND status = 'pending'",
                (sender_id,),
            ).fetchone()
        return int(row[0])

    def _select(self, where: str, parameters: tuple[Any, ...]) -> list[PendingReport]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT idempotency_key, sender_id, report, status, attempts, last_error, created_at "
                f"FROM pending_reports {where}",
                parameters,
            ).fetchall()
        return [
            PendingReport(
                key=row[0],
                sender_id=row[1],
                report=json.loads(row[2]),
                status=row[3],
                attempts=int(row[4]),
                last_error=row[5],
                created_at=row[6],
            )
            for row in rows
        ]


@dataclass
class DrainResult:
    filed: list[tuple[PendingReport, Filing]] = field(default_factory=list)
    failed: list[tuple[PendingReport, PlatformError]] = field(default_factory=list)
    # True when the platform could not be reached: the rest of the queue waits for the next round.
    unavailable: bool = False


def drain(
    queue: PendingReports,
    client: PlatformClient,
    retry_seconds: float = DEFAULT_RETRY_SECONDS,
    now: float | None = None,
) -> DrainResult:
    """File every due report once; stop at the first sign that the platform is unreachable."""
    result = DrainResult()
    for item in queue.due(now):
        try:
            # The resident was told "saved, will be filed": the platform tells them the code.
            filing = client.create_case(item.report, item.key, notify_reporter=True)
        except PlatformUnavailable as error:
            queue.postpone(item.key, str(error), retry_seconds)
            result.unavailable = True
            logger.warning("platform unreachable, queued reports wait for the next round: %s", error)
            break
        except PlatformError as error:
            if error.status in RETRYABLE_STATUSES:
                queue.postpone(item.key, str(error), retry_seconds)
                result.unavailable = True
                logger.error("queued report %s not filed, will retry: %s", item.key, error)
                break
            queue.fail(item.key, str(error))
            result.failed.append((item, error))
            logger.error("queued report %s refused by the platform, not retried: %s", item.key, error)
        else:
            queue.remove(item.key)
            result.filed.append((item, filing))
            logger.info(
                "queued report %s of %s filed as %s", item.key, item.sender_id, filing.case.get("code")
            )
    return result


def retry_seconds_from_environment() -> float:
    raw = os.environ.get("ACTIONS_RETRY_SECONDS", "").strip()
    try:
        return float(raw) if raw else DEFAULT_RETRY_SECONDS
    except ValueError:
        logger.error("ACTIONS_RETRY_SECONDS=%r is not a number; using %s", raw, DEFAULT_RETRY_SECONDS)
        return DEFAULT_RETRY_SECONDS


class RetryWorker(threading.Thread):
    """Drains the queue every `interval` seconds, or at once when nudged."""

    def __init__(
        self,
        interval: float,
        queue_factory: Callable[[], PendingReports] = PendingReports.from_environment,
        client_factory: Callable[[], PlatformClient] = PlatformClient.from_environment,
    ) -> None:
        super().__init__(name="pending-reports-retry", daemon=True)
        self.interval = interval
        self.queue_factory = queue_factory
        self.client_factory = client_factory
        self._wake = threading.Event()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                drain(self.queue_factory(), self.client_factory(), self.interval)
            except Exception:  # never let the thread die: the next round tries again
                logger.exception("draining the pending-reports queue failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()


_worker: RetryWorker | None = None
_worker_lock = threading.Lock()


def start_retry_worker() -> RetryWorker | None:
    """Start the background retry once per process; None when `$ACTIONS_RETRY_SECONDS` is 0."""
    global _worker
    interval = retry_seconds_from_environment()
    if interval <= 0:
        return None
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = RetryWorker(interval)
            _worker.start()
        return _worker


def nudge_retry() -> None:
    """Opportunistic drain: wake the retry thread (never blocks the resident's turn)."""
    worker = _worker
    if worker is not None:
        worker.nudge()
