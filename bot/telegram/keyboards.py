"""Inline keyboards and their callback data, which Telegram limits to 64 bytes.

Callback data is one of:
- a Rasa button payload, verbatim, when it fits and does not start with "~";
- `~<action>:<argument>`, a button the adapter handles itself (community, tips, /delete_me);
- `~k:<key>`, either of the above when too long, kept in a small SQLite table next to the gateway
  inbox so the buttons work after a restart;
- `desk:<question id>:<category key|skip>`, a volunteer-desk button: the platform's outbox sends
  these with a desk question, and the adapter answers them itself (bot/telegram/desk.py).
A keyboard is answered once: the first press of any of its buttons is recorded per message, and a
later press of the same (stale) keyboard is refused politely.

The same file keeps the volunteers' pending notes: after answering a desk question, a volunteer's
next text (within a few minutes) is a note to the answer, which must survive a restart.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.relay import Button

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_CALLBACK_BYTES = 64
RESERVED = "~"
STORED = "~k:"
KEEP_DAYS = 180
# Buttons per row: a row holds at most this many, and titles adding up to at most ROW_CHARS characters.
ROW_BUTTONS = 3
ROW_CHARS = 14
DESK = re.compile(r"^desk:([1-9][0-9]{0,17}):([a-z_]{1,20})$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS callback_payloads (
    key TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('relay', 'action')),
    value TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS callback_payloads_chat ON callback_payloads (chat_id);
CREATE TABLE IF NOT EXISTS answered_keyboards (
    chat_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE TABLE IF NOT EXISTS desk_notes (
    chat_id TEXT PRIMARY KEY,
    question_id INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Pressed:
    """What a button stands for: a payload for Rasa, an adapter action with its argument, or a
    volunteer's answer to a desk question (value: the question id, argument: the category key)."""

    kind: str  # "relay" | "action" | "desk"
    value: str  # the payload, the action name, or the question id
    argument: str = ""


def fits(data: str) -> bool:
    return 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


class KeyboardStore:
    """Long callback payloads and answered keyboards, in `telegram-keyboards.sqlite3`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        cutoff = time.time() - KEEP_DAYS * 86400
        self._db.execute("DELETE FROM callback_payloads WHERE created_at < ?", (cutoff,))
        self._db.execute("DELETE FROM answered_keyboards WHERE answered_at < ?", (cutoff,))
        self._db.execute("DELETE FROM desk_notes WHERE expires_at < ?", (time.time(),))

    async def _run(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        def run() -> sqlite3.Cursor:
            with self._lock:
                return self._db.execute(sql, args)

        return await asyncio.to_thread(run)

    async def _stored(self, chat_id: str, kind: str, value: str) -> str:
        key = secrets.token_urlsafe(12)
        await self._run(
            "INSERT INTO callback_payloads (key, chat_id, kind, value, created_at) VALUES (?, ?, ?, ?, ?)",
            (key, chat_id, kind, value, time.time()),
        )
        return STORED + key

    async def relay_data(self, chat_id: str, payload: str) -> str:
        """Callback data for a Rasa payload: verbatim when it fits, else a stored key."""
        if fits(payload) and not payload.startswith(RESERVED):
            return payload
        return await self._stored(chat_id, "relay", payload)

    async def action_data(self, chat_id: str, action: str, argument: str = "") -> str:
        data = f"{RESERVED}{action}:{argument}"
        return data if fits(data) else await self._stored(chat_id, "action", data)

    async def decode(self, data: str) -> Pressed | None:
        """What pressed callback data means; None for a stored key we no longer have."""
        if data.startswith(STORED):
            cursor = await self._run(
                "SELECT kind, value FROM callback_payloads WHERE key = ?", (data.removeprefix(STORED),)
            )
            row = cursor.fetchone()
            if row is None:
                return None
            kind, value = str(row[0]), str(row[1])
            return Pressed("relay", value) if kind == "relay" else decode_action(value)
        if data.startswith(RESERVED):
            return decode_action(data)
        if desk := DESK.match(data):
            return Pressed("desk", desk.group(1), desk.group(2))
        return Pressed("relay", data)

    async def answered(self, chat_id: str, message_id: int) -> bool:
        cursor = await self._run(
            "SELECT 1 FROM answered_keyboards WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return cursor.fetchone() is not None

    async def answer(self, chat_id: str, message_id: int) -> bool:
        """Record the keyboard as answered; False when it already was (a second press)."""
        cursor = await self._run(
            "INSERT OR IGNORE INTO answered_keyboards (chat_id, message_id, answered_at) VALUES (?, ?, ?)",
            (chat_id, message_id, time.time()),
        )
        return cursor.rowcount == 1

    async def forget(self, chat_id: str) -> None:
        """Drop what we keep about a chat (/delete_me)."""
        await self._run("DELETE FROM callback_payloads WHERE chat_id = ?", (chat_id,))
        await self._run("DELETE FROM answered_keyboards WHERE chat_id = ?", (chat_id,))
        await self._run("DELETE FROM desk_notes WHERE chat_id = ?", (chat_id,))

    # -- volunteers' pending notes (one per chat: the last first answer)

    async def expect_note(self, chat_id: str, question_id: int, expires_at: float) -> None:
        await self._run(
            "INSERT OR REPLACE INTO desk_notes (chat_id, question_id, expires_at) VALUES (?, ?, ?)",
            (chat_id, question_id, expires_at),
        )

    async def pending_note(self, chat_id: str, now: float) -> int | None:
        """The question whose note the chat's next text is, unless that has expired (then dropped)."""
        cursor = await self._run(
            "SELECT question_id, expires_at FROM desk_notes WHERE chat_id = ?", (chat_id,)
        )
        row = cursor.fetchone()
        if row is None:
            return None
        if float(row[1]) <= now:
            await self.drop_note(chat_id)
            return None
        return int(row[0])

    async def drop_note(self, chat_id: str, question_id: int | None = None) -> None:
        """No note expected any more (of that question only, when given)."""
        if question_id is None:
            await self._run("DELETE FROM desk_notes WHERE chat_id = ?", (chat_id,))
        else:
            await self._run(
                "DELETE FROM desk_notes WHERE chat_id = ? AND question_id = ?", (chat_id, question_id)
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- keyboards

    async def markup(self, chat_id: str, buttons: Sequence[Button]) -> InlineKeyboardMarkup:
        """An inline keyboard for Rasa's buttons (their payloads are relayed when pressed)."""
        pairs = [
            (b.title or b.payload, await self.relay_data(chat_id, b.payload or b.title)) for b in buttons
        ]
        return layout(pairs)


def decode_action(data: str) -> Pressed:
    action, _, argument = data.removeprefix(RESERVED).partition(":")
    return Pressed("action", action, argument)


def layout(pairs: Sequence[tuple[str, str]], per_row: int = ROW_BUTTONS) -> InlineKeyboardMarkup:
    """Buttons (title, callback data) in rows: short titles side by side, long ones alone."""
    rows: list[list[InlineKeyboardButton]] = []
    width = 0
    for title, data in pairs:
        if rows and len(rows[-1]) < per_row and width + len(title) <= ROW_CHARS:
            rows[-1].append(InlineKeyboardButton(title, callback_data=data))
            width += len(title)
        else:
            rows.append([InlineKeyboardButton(title, callback_data=data)])
            width = len(title)
    return InlineKeyboardMarkup(rows)


def title_of(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The title of the button with this callback data."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
