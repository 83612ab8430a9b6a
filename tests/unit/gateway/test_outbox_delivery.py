"""Outbox delivery against the real platform (uvicorn on a free port, SQLite) with a real rate
limiter; the channel is a recording stand-in for the messenger."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.messages import DeliveryDeferred
from bot.outbox import OutboxDelivery
from bot.platform import PlatformClient
from bot.ratelimit import RateLimiter
from bot.relay import BotReply, Button
from citysteward.stack import free_port
from tests.unit.gateway.platform_server import RunningPlatform, serve_platform

POLL = 0.05
Trouble = Callable[[str, str, int], Awaitable[None]]


@dataclass
class RecordingChannel:
    """Records what it delivers; `trouble(chat_id, text, try)` may raise or wait first."""

    name: str = "telegram"
    sender_prefix: str = "tg"
    trouble: Trouble | None = None
    delivered: list[tuple[str, BotReply, float]] = field(default_factory=list)
    tries: list[tuple[str, float]] = field(default_factory=list)
    busy: int = 0
    most_busy: int = 0

    async def deliver(self, chat_id: str, replies: Sequence[BotReply]) -> None:
        [reply] = replies
        loop = asyncio.get_running_loop()
        self.tries.append((reply.text, loop.time()))
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        try:
            if self.trouble is not None:
                await self.trouble(chat_id, reply.text, self.tries_of(reply.text))
        finally:
            self.busy -= 1
        self.delivered.append((chat_id, reply, loop.time()))

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [reply.text for chat, reply, _ in self.delivered if chat_id in (None, chat)]

    def tries_of(self, text: str) -> int:
        return sum(1 for t, _ in self.tries if t == text)

    def times(self, text: str) -> list[float]:
        return [at for t, at in self.tries if t == text]


def flood_wait(seconds: float) -> DeliveryDeferred:
    """A bot-wide flood wait: the limiter holds every chat."""
    return DeliveryDeferred(seconds, everything=True)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for something the code under test makes true (polled; fails after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.01)


@dataclass
class Outbox:
    """The platform's outbox as the rest of the platform fills it and the staff see it."""

    http: httpx.AsyncClient

    async def queue(self, chat_id: str, text: str, chat_type: str = "private", **more: Any) -> int:
        body = {"channel": "telegram", "chat_id": chat_id, "chat_type": chat_type, "text": text, **more}
        response = await self.http.post("/outbox", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def rows(self) -> dict[int, dict[str, Any]]:
        response = await self.http.get("/outbox", params={"limit": 500})
        assert response.status_code == 200, response.text
        return {row["id"]: row for row in response.json()["items"]}

    async def settled(self, *statuses: str, timeout: float = 15.0) -> dict[int, dict[str, Any]]:
        """The rows once every one has one of `statuses`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            current = await self.rows()
            if all(row["status"] in statuses for row in current.values()):
                return current
            if loop.time() > deadline:
                raise TimeoutError(f"the outbox did not settle: {current}")
            await asyncio.sleep(POLL)


@asynccontextmanager
async def outbox_of(platform: RunningPlatform) -> AsyncIterator[Outbox]:
    async with platform.http() as http:
        yield Outbox(http)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[RunningPlatform]:
    with serve_platform(tmp_path) as running:
        yield running


@pytest.fixture
async def outbox(platform: RunningPlatform) -> AsyncIterator[Outbox]:
    async with outbox_of(platform) as outbox:
        yield outbox


Start = Callable[..., Awaitable[OutboxDelivery]]


def unhurried() -> RateLimiter:
    """Limits that never delay a test that is not about the limits."""
    return RateLimiter(overall_per_second=1000, private_per_second=1000, group_per_minute=1000)


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Start an OutboxDelivery for one channel; everything started is stopped at the test's end."""
    started: list[tuple[OutboxDelivery, PlatformClient]] = []

    async def run(platform_url: str, channel: RecordingChannel, **options: Any) -> OutboxDelivery:
        client = PlatformClient(platform_url, RunningPlatform(platform_url).token, timeout=2)
        limiter = options.pop("limiter", None) or unhurried()
        options.setdefault("poll_every", POLL)
        delivery = OutboxDelivery(client, {channel.name: channel}, limiter, **options)
        started.append((delivery, client))
        await delivery.start()
        return delivery

    yield run
    for delivery, client in started:
        await delivery.stop()
        await client.aclose()


async def more_polls(delivery: OutboxDelivery, count: int = 5) -> None:
    target = delivery.polls + count
    await until(lambda: delivery.polls >= target)


async def test_each_item_is_delivered_once_in_chat_order(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    chats = {"101": "private", "102": "private", "-500": "group", "-600": "supergroup"}
    for n in range(4):
        for chat, kind in chats.items():
            await outbox.queue(chat, f"{chat}/{n}", kind)
    await outbox.queue("101", "请您评价", buttons=[{"title": "满意", "payload": "/rate_service"}])
    channel = RecordingChannel()
    delivery = await start(platform.url, channel)

    final = await outbox.settled("sent")
    assert len(final) == 17
    assert channel.texts("101") == ["101/0", "101/1", "101/2", "101/3", "请您评价"]
    for chat in ("102", "-500", "-600"):
        assert channel.texts(chat) == [f"{chat}/{n}" for n in range(4)]
    [rating] = [reply for _, reply, _ in channel.delivered if reply.text == "请您评价"]
    assert rating.buttons == (Button("满意", "/rate_service"),)
    await more_polls(delivery)
    assert len(channel.delivered) == 17
    assert delivery.pending == 0


async def test_one_private_chat_gets_one_message_a_second(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    for n in range(3):
        await outbox.queue("7", f"7/{n}")
    await outbox.queue("8", "8/0")
    channel = RecordingChannel()
    await start(platform.url, channel, limiter=RateLimiter())

    await outbox.settled("sent")
    first, second, third = (at for chat, _, at in channel.delivered if chat == "7")
    assert second - first >= 0.99
    assert third - second >= 0.99
    # Another chat is not held up by chat 7's pace.
    assert channel.texts().index("8/0") < channel.texts().index("7/1")


async def test_a_deferred_item_is_retried_after_the_delay_and_keeps_its_place(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    for n in range(3):
        await outbox.queue("1", f"1/{n}")
    first = min(await outbox.rows())

    async def retry_after_once(chat_id: str, text: str, attempt: int) -> None:
        if text == "1/0" and attempt == 1:
            raise DeliveryDeferred(0.6, "Too Many Requests: retry after 0.6")

    channel = RecordingChannel(trouble=retry_after_once)
    delivery = await start(platform.url, channel)
    await until(lambda: channel.tries_of("1/0") == 1)
    await outbox.queue("2", "2/0")
    delivery.wake()

    final = await outbox.settled("sent")
    assert channel.texts("1") == ["1/0", "1/1", "1/2"]
    tried, retried = channel.times("1/0")
    assert retried - tried >= 0.6
    # Only chat 1 was held: chat 2 did not wait for the hold to end.
    assert channel.texts("2") == ["2/0"]
    assert channel.times("2/0")[0] - tried < 0.6
    assert (final[first]["attempts"], final[first]["status"]) == (1, "sent")
    assert "retry after 0.6" in final[first]["last_error"]


async def test_a_bot_wide_flood_wait_holds_every_chat(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    await outbox.queue("1", "1/0")

    async def flood_once(chat_id: str, text: str, attempt: int) -> None:
        if text == "1/0" and attempt == 1:
            raise flood_wait(0.8)

    channel = RecordingChannel(trouble=flood_once)
    delivery = await start(platform.url, channel)
    await until(lambda: channel.tries_of("1/0") == 1)
    await outbox.queue("2", "2/0")
    delivery.wake()

    await outbox.settled("sent")
    flooded_at, other_chat_at = channel.times("1/0")[0], channel.times("2/0")[0]
    assert other_chat_at - flooded_at >= 0.8


async def test_a_failing_channel_backs_off_then_the_item_fails(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    broken = await outbox.queue("9", "9/0")
    await outbox.queue("10", "10/0")

    async def broken_chat(chat_id: str, text: str, attempt: int) -> None:
        if chat_id == "9":
            raise RuntimeError("chat not found")

    channel = RecordingChannel(trouble=broken_chat)
    backoff = (0.05, 0.1, 0.2)
    delivery = await start(platform.url, channel, backoff=backoff)

    final = await outbox.settled("sent", "failed")
    assert final[broken]["status"] == "failed"
    assert final[broken]["attempts"] == 8
    assert "RuntimeError: chat not found" in final[broken]["last_error"]
    assert channel.texts() == ["10/0"]
    times = channel.times("9/0")
    assert len(times) == 8
    for n, (earlier, later) in enumerate(itertools.pairwise(times)):
        assert later - earlier >= backoff[min(n, len(backoff) - 1)]
    await more_polls(delivery)
    assert channel.tries_of("9/0") == 8


async def test_chats_are_delivered_concurrently_up_to_the_bound(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    gate = asyncio.Event()
    for chat in ("a", "b", "c"):
        await outbox.queue(chat, f"{chat}/0")
    await outbox.queue("a", "a/1")

    async def wait_for_gate(chat_id: str, text: str, attempt: int) -> None:
        await gate.wait()

    channel = RecordingChannel(trouble=wait_for_gate)
    delivery = await start(platform.url, channel, concurrency=2)
    await until(lambda: channel.busy == 2)
    await more_polls(delivery, 3)
    assert sorted(t for t, _ in channel.tries) == ["a/0", "b/0"]  # c waits for a free slot, a/1 for a/0
    gate.set()

    await outbox.settled("sent")
    assert channel.most_busy == 2
    assert channel.texts("a") == ["a/0", "a/1"]
    assert sorted(channel.texts()) == ["a/0", "a/1", "b/0", "c/0"]


async def test_a_slow_chat_does_not_hold_up_the_others(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    gate = asyncio.Event()
    await outbox.queue("slow", "slow/0")
    await outbox.queue("slow", "slow/1")
    for n in range(5):
        await outbox.queue(f"quick{n}", f"quick{n}/0")

    async def slow_chat(chat_id: str, text: str, attempt: int) -> None:
        if chat_id == "slow":
            await gate.wait()

    channel = RecordingChannel(trouble=slow_chat)
    await start(platform.url, channel)
    await until(lambda: len(channel.delivered) == 5)
    assert channel.tries_of("slow/1") == 0
    gate.set()
    await outbox.settled("sent")
    assert channel.texts("slow") == ["slow/0", "slow/1"]


async def test_delivery_waits_for_the_platform_and_then_delivers(tmp_path: Path, start: Start) -> None:
    port = free_port()
    channel = RecordingChannel()
    delivery = await start(f"http://127.0.0.1:{port}", channel, max_poll_every=0.2)
    await until(lambda: delivery.failed_polls >= 3)
    with serve_platform(tmp_path, port) as platform:
        async with outbox_of(platform) as outbox:
            await outbox.queue("3", "平台恢复后送达")
            await outbox.settled("sent")
    assert channel.texts() == ["平台恢复后送达"]


async def test_wake_polls_at_once(platform: RunningPlatform, outbox: Outbox, start: Start) -> None:
    channel = RecordingChannel()
    delivery = await start(platform.url, channel, poll_every=60)
    await until(lambda: delivery.polls == 1)
    await outbox.queue("4", "马上送达")
    delivery.wake()
    await until(lambda: channel.texts() == ["马上送达"], timeout=5)


async def test_stop_cancels_a_delivery_under_way(
    platform: RunningPlatform, outbox: Outbox, start: Start
) -> None:
    item = await outbox.queue("5", "发送中被停止")
    cancelled = asyncio.Event()

    async def hang(chat_id: str, text: str, attempt: int) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    channel = RecordingChannel(trouble=hang)
    delivery = await start(platform.url, channel)
    await until(lambda: channel.busy == 1)
    await asyncio.wait_for(delivery.stop(), timeout=2)
    assert cancelled.is_set()
    assert delivery.pending == 0
    assert (await outbox.rows())[item]["status"] == "sending"  # its lease brings it back later


async def test_a_delivery_the_platform_did_not_hear_of_is_confirmed_not_resent(
    tmp_path: Path, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    gate = asyncio.Event()

    async def wait_for_gate(chat_id: str, text: str, attempt: int) -> None:
        await gate.wait()

    channel = RecordingChannel(trouble=wait_for_gate)
    with serve_platform(tmp_path, port) as platform:
        async with outbox_of(platform) as outbox:
            item = await outbox.queue("6", "只送一次")
        await start(platform.url, channel, lease_seconds=1, report_pauses=(0.05, 0.05))
        await until(lambda: channel.busy == 1)
    # The platform is down when the delivery completes: the confirmation cannot be sent.
    gate.set()
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        await until(lambda: any("could not report sent" in r.getMessage() for r in caplog.records))
    with serve_platform(tmp_path, port) as platform:
        async with outbox_of(platform) as outbox:
            final = await outbox.settled("sent")
    assert channel.texts() == ["只送一次"]
    assert final[item]["attempts"] >= 1  # the lease ran out; the item was confirmed, not sent again
