"""A resident's side of a Telegram chat in the tests: what they send, and the bot's messages they see."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import httpx

from citysteward.stack import StackConfig
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.updates import JSON

REPLY_SECONDS = 90.0  # a Rasa turn takes a second or two; the first after a start much longer
_chat_ids = itertools.count(int(time.time() * 1000) % 10**9)


def new_chat_id() -> int:
    """A fresh private chat (ids are unique across modules and test runs sharing a tracker)."""
    return next(_chat_ids) * 7 + 1000


def text_of(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")


def button_titles(message: JSON) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


class Resident:
    """One chat: `expect` waits for the next bot message containing a text, past what was seen."""

    def __init__(self, fake: FakeBotApi, chat_id: int | None = None) -> None:
        self.fake = fake
        self.chat_id = chat_id if chat_id is not None else new_chat_id()
        self.seen = 0

    def says(self, text: str) -> JSON:
        return self.fake.push_text(self.chat_id, text)

    def messages(self) -> list[JSON]:
        return self.fake.messages(self.chat_id)

    def unseen(self) -> list[JSON]:
        return self.messages()[self.seen :]

    async def expect(self, needle: str, timeout: float = REPLY_SECONDS) -> JSON:
        """The first unseen bot message containing `needle`; it and those before it become seen."""

        def found() -> tuple[int, JSON] | None:
            for index, message in enumerate(self.messages()[self.seen :], start=self.seen):
                if needle in text_of(message):
                    return index, message
            return None

        try:
            index, message = await self.fake.wait_for(found, timeout)
        except TimeoutError:
            texts = [text_of(m)[:80] for m in self.unseen()]
            raise AssertionError(
                f"chat {self.chat_id}: no message with {needle!r}; unseen: {texts}"
            ) from None
        self.seen = index + 1
        return message

    def current(self, message: JSON) -> JSON:
        """The message as the chat shows it now (after edits)."""
        for now in self.messages():
            if now["message_id"] == message["message_id"]:
                return now
        raise LookupError(message["message_id"])


async def rasa_events(config: StackConfig, sender: str) -> list[dict[str, Any]]:
    """The conversation's events in Rasa's tracker (through the HTTP API)."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(
            f"{config.rasa_url}/conversations/{sender}/tracker",
            params={"token": config.rasa_auth_token, "include_events": "ALL"},
        )
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json().get("events") or []
    return events


async def user_texts(config: StackConfig, chat_id: int) -> list[str]:
    """What Rasa received from the chat, in order."""
    events = await rasa_events(config, f"tg:{chat_id}")
    return [str(e.get("text")) for e in events if e.get("event") == "user"]


async def wait_for_user_texts(
    config: StackConfig, chat_id: int, count: int, timeout: float = REPLY_SECONDS
) -> list[str]:
    """Poll Rasa's tracker until it holds at least `count` messages of the chat."""
    deadline = time.monotonic() + timeout
    while len(found := await user_texts(config, chat_id)) < count:
        assert time.monotonic() < deadline, f"Rasa got {found} from chat {chat_id}, expected {count} messages"
        await asyncio.sleep(0.2)
    return found
