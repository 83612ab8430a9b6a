"""The gateway's durable inbox: every accepted message is written here before it goes to Rasa.

One SQLite file (WAL). A row is `pending` until Rasa answered, `sent` while Rasa's replies (kept in
the row) wait to be delivered, then `done`; `dropped` when it was given up (logged with a reason).
`maybe_sent` records that an attempt may have reached Rasa (a timeout), so the message is not sent
twice before asking Rasa whether it was processed. `busy_notified` records that the chat was told
the system is busy, so it is told once per outage, across restarts too. `delivered_count` counts
the replies already delivered, so a delivery that failed half-way goes on where it stopped.

The calls run in a worker thread (`asyncio.to_thread`) behind one lock: they are short.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from bot.messages import Inbound
from bot.relay import BotReply, Button

logger = logging.getLogger(__name__)

T = TypeVar("T")

PENDING, SENT, DONE, DROPPED = "pending", "sent", "done", "dropped"
WAITING = (PENDING, SENT)
KEEP_DONE_DAYS = 7.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    message_key TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'done', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    maybe_sent INTEGER NOT NULL DEFAULT 0,
    busy_notified INTEGER NOT NULL DEFAULT 0,
    replies TEXT,
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    delivered_count INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    UNIQUE (channel, message_key)
);
CREATE INDEX IF NOT EXISTS inbox_chat ON inbox (channel, chat_id, status, id);
CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status, updated_at);
"""


def replies_to_json(replies: Sequence[BotReply]) -> str:
    return json.dumps(
        [
            {
                "text": r.text,
                "buttons": [{"title": b.title, "payload": b.payload} for b in r.buttons],
                "image": r.image,
                "custom": r.custom,
            }
            for r in replies
        ],
        ensure_ascii=False,
    )


def replies_from_json(raw: str) -> list[BotReply]:
    return [
        BotReply(
            text=item.get("text") or "",
            buttons=tuple(Button(b["title"], b["payload"]) for b in item.get("buttons") or []),
            image=item.get("image"),
            custom=dict(item.get("custom") or {}),
        )
        for item in json.loads(raw)
    ]


@dataclass(frozen=True)
class InboxRow:
    id: int
    channel: str
    chat_id: str
    message_key: str
    text: str
    metadata: dict[str, Any]
    received_at: datetime
    status: str
    attempts: int
    last_error: str | None
    maybe_sent: bool
    busy_notified: bool
    replies: list[BotReply] | None
    delivery_attempts: int
    delivered_count: int  # how many of `replies` the channel already took
    not_before: float

    @property
    def gateway_message_id(self) -> str:
        return f"{self.channel}:{self.message_key}"

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> InboxRow:
        return cls(
            id=row["id"],
            channel=row["channel"],
            chat_id=row["chat_id"],
            message_key=row["message_key"],
            text=row["text"],
            metadata=json.loads(row["metadata"]),
            received_at=datetime.fromisoformat(row["received_at"]),
            status=row["status"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            maybe_sent=bool(row["maybe_sent"]),
            busy_notified=bool(row["busy_notified"]),
            replies=replies_from_json(row["replies"]) if row["replies"] is not None else None,
            delivery_attempts=row["delivery_attempts"],
            delivered_count=row["delivered_count"],
            not_before=row["not_before"],
        )


class Inbox:
    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def now(self) -> float:
        """The inbox's clock (epoch seconds), which `not_before` is measured on."""
        return self._clock()

    # -- plumbing

    def _run(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    async def _call(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await asyncio.to_thread(self._run, sql, params)
        return cursor.rowcount

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[InboxRow]:
        def fetch() -> list[InboxRow]:
            with self._lock:
                return [InboxRow.from_sql(r) for r in self._db.execute(sql, params).fetchall()]

        return await asyncio.to_thread(fetch)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- intake

    async def add(self, message: Inbound, metadata: dict[str, Any] | None = None) -> InboxRow | None:
        """Keep the message; None when (channel, message_key) is already in the inbox."""

        def insert() -> int | None:
            with self._lock:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO inbox (channel, chat_id, message_key, text, metadata,"
                    " received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        message.channel,
                        message.chat_id,
                        message.message_key,
                        message.text,
                        json.dumps(message.metadata if metadata is None else metadata, ensure_ascii=False),
                        message.received_at.astimezone(timezone.utc).isoformat(),
                        self._clock(),
                    ),
                )
                return cursor.lastrowid if cursor.rowcount == 1 else None

        row_id = await asyncio.to_thread(insert)
        return None if row_id is None else await self.get(row_id)

    async def get(self, row_id: int) -> InboxRow | None:
        rows = await self._rows("SELECT * FROM inbox WHERE id = ?", (row_id,))
        return rows[0] if rows else None

    # -- what waits

    async def next_for_chat(self, channel: str, chat_id: str) -> InboxRow | None:
        """The chat's oldest message not done yet (ordering: nothing overtakes it)."""
        rows = await self._rows(
            "SELECT * FROM inbox WHERE channel = ? AND chat_id = ? AND status IN (?, ?) ORDER BY id LIMIT 1",
            (channel, chat_id, *WAITING),
        )
        return rows[0] if rows else None

    async def waiting_chats(self) -> list[tuple[str, str]]:
        """Chats with kept messages whose oldest one may be tried now, oldest first."""

        def fetch() -> list[tuple[str, str]]:
            with self._lock:
                rows = self._db.execute(
                    "SELECT channel, chat_id, not_before FROM inbox AS i WHERE status IN (?, ?) AND id = ("
                    " SELECT min(id) FROM inbox AS j WHERE j.channel = i.channel AND j.chat_id = i.chat_id"
                    " AND j.status IN (?, ?)) ORDER BY id",
                    (*WAITING, *WAITING),
                ).fetchall()
            now = self._clock()
            return [(r["channel"], r["chat_id"]) for r in rows if r["not_before"] <= now]

        return await asyncio.to_thread(fetch)

    async def waiting_count(self) -> int:
        def count() -> int:
            with self._lock:
                row = self._db.execute(
                    "SELECT count(*) FROM inbox WHERE status IN (?, ?)", WAITING
                ).fetchone()
            return int(row[0])

        return await asyncio.to_thread(count)

    async def busy_notified(self, channel: str, chat_id: str) -> bool:
        """Was the chat told "busy" for one of the messages it still waits on?"""
        rows = await self._rows(
            "SELECT * FROM inbox WHERE channel = ? AND chat_id = ? AND status IN (?, ?)"
            " AND busy_notified = 1 LIMIT 1",
            (channel, chat_id, *WAITING),
        )
        return bool(rows)

    async def rows(self, channel: str | None = None, chat_id: str | None = None) -> list[InboxRow]:
        """Every row (of one chat), in order: for tests and inspection."""
        if channel is None:
            return await self._rows("SELECT * FROM inbox ORDER BY id")
        return await self._rows(
            "SELECT * FROM inbox WHERE channel = ? AND chat_id = ? ORDER BY id", (channel, chat_id)
        )

    # -- state changes

    async def attempt(self, row_id: int) -> None:
        """About to send: from now on Rasa may have the message."""
        await self._call(
            "UPDATE inbox SET attempts = attempts + 1, maybe_sent = 1, updated_at = ? WHERE id = ?",
            (self._clock(), row_id),
        )

    async def keep(self, row_id: int, error: str, *, maybe_sent: bool) -> None:
        """Rasa did not answer; the message waits for the replay loop."""
        await self._call(
            "UPDATE inbox SET status = ?, last_error = ?, maybe_sent = ?, updated_at = ? WHERE id = ?",
            (PENDING, error, int(maybe_sent), self._clock(), row_id),
        )

    async def answered(self, row_id: int, replies: Sequence[BotReply]) -> None:
        """Rasa answered: keep its replies until they are delivered."""
        await self._call(
            "UPDATE inbox SET status = ?, replies = ?, last_error = NULL, updated_at = ? WHERE id = ?",
            (SENT, replies_to_json(replies), self._clock(), row_id),
        )

    async def delivered(self, row_id: int, count: int) -> None:
        """The first `count` replies reached the channel: a retry goes on from the next one."""
        await self._call(
            "UPDATE inbox SET delivered_count = ?, updated_at = ? WHERE id = ?",
            (count, self._clock(), row_id),
        )

    async def delivery_failed(self, row_id: int, error: str, retry_after: float) -> None:
        await self._call(
            "UPDATE inbox SET delivery_attempts = delivery_attempts + 1, last_error = ?,"
            " not_before = ?, updated_at = ? WHERE id = ?",
            (error, self._clock() + retry_after, self._clock(), row_id),
        )

    async def done(self, row_id: int, delivered: int | None = None) -> None:
        """Finished; `delivered`: every reply reached the channel, the last one just now."""
        await self._call(
            "UPDATE inbox SET status = ?, not_before = 0, delivered_count = coalesce(?, delivered_count),"
            " updated_at = ? WHERE id = ?",
            (DONE, delivered, self._clock(), row_id),
        )

    async def drop(self, row_id: int, error: str) -> None:
        await self._call(
            "UPDATE inbox SET status = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (DROPPED, error, self._clock(), row_id),
        )

    async def mark_busy_notified(self, row_id: int) -> None:
        await self._call("UPDATE inbox SET busy_notified = 1 WHERE id = ?", (row_id,))

    async def forget(self, channel: str, chat_id: str) -> int:
        """Delete every row of the chat (the resident asked to be forgotten)."""
        return await self._call("DELETE FROM inbox WHERE channel = ? AND chat_id = ?", (channel, chat_id))

    async def prune(self, keep_days: float = KEEP_DONE_DAYS) -> int:
        """Delete done and dropped rows older than `keep_days`."""
        removed = await self._call(
            "DELETE FROM inbox WHERE status IN (?, ?) AND updated_at < ?",
            (DONE, DROPPED, self._clock() - keep_days * 86400),
        )
        if removed:
            logger.info("pruned %d old inbox rows", removed)
        return removed
