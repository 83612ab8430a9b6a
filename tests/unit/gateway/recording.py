"""A Channel that records what the gateway delivers, and can fail or defer on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from bot.gateway import Gateway
from bot.messages import DeliveryDeferred, Inbound
from bot.relay import BotReply

MakeGateway = Callable[..., Coroutine[Any, Any, Gateway]]


class RecordingChannel:
    name = "test"
    sender_prefix = "t"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, list[BotReply]]] = []
        self.failures = 0  # the next n deliveries raise
        self.deferrals: list[float] = []  # the next deliveries raise DeliveryDeferred(retry_after)
        self.always_fail = False
        self.fail_once_at: dict[str, Exception] = {}  # reply text -> raised once, when it is its turn
        self.calls = 0
        self._changed = asyncio.Condition()

    async def deliver(self, chat_id: str, replies: Sequence[BotReply]) -> None:
        """Like Telegram: the replies are sent one after the other, so a failure can come half-way."""
        self.calls += 1
        if self.always_fail:
            raise RuntimeError("channel down")
        if self.failures:
            self.failures -= 1
            raise RuntimeError("network glitch")
        if self.deferrals:
            raise DeliveryDeferred(self.deferrals.pop(0), "flood control")
        try:
            for reply in replies:
                if error := self.fail_once_at.pop(reply.text, None):
                    raise error
                self.delivered.append((chat_id, [reply]))
        finally:
            async with self._changed:
                self._changed.notify_all()

    def replies(self, chat_id: str) -> list[BotReply]:
        return [reply for chat, replies in self.delivered if chat == chat_id for reply in replies]

    def texts(self, chat_id: str) -> list[str]:
        return [reply.text for reply in self.replies(chat_id)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)


def message(chat_id: str, key: str, text: str, channel: str = "test") -> Inbound:
    return Inbound(
        channel=channel,
        chat_id=chat_id,
        message_key=key,
        text=text,
        metadata={"channel": channel, "chat_id": chat_id, "name": "张三"},
    )


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until the predicate holds (for state changed by another task or server)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Poll an async check until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)
