"""The durable inbox: intake, duplicates, per-chat order, flags that outlive a restart, pruning."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.inbox import DONE, DROPPED, PENDING, SENT, Inbox
from bot.relay import BotReply, Button
from tests.unit.gateway.recording import message

DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inbox(tmp_path: Path, clock: Clock) -> Iterator[Inbox]:
    box = Inbox(tmp_path / "var" / "inbox.sqlite3", clock=clock)
    yield box
    box.close()


def test_the_file_is_sqlite_in_wal_mode(inbox: Inbox) -> None:
    with sqlite3.connect(inbox.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_message_is_kept_with_its_metadata(inbox: Inbox) -> None:
    row = await inbox.add(
        message("42", "42:1", "井盖没了"), {"gateway_message_id": "test:42:1", "name": "张三"}
    )

    assert row is not None
    assert (row.channel, row.chat_id, row.message_key, row.text) == ("test", "42", "42:1", "井盖没了")
    assert row.metadata == {"gateway_message_id": "test:42:1", "name": "张三"}
    assert (row.status, row.attempts, row.maybe_sent, row.busy_notified) == (PENDING, 0, False, False)
    assert row.gateway_message_id == "test:42:1"
    assert row.received_at.tzinfo is not None


async def test_a_duplicate_key_is_refused_per_channel(inbox: Inbox) -> None:
    assert await inbox.add(message("1", "k", "一")) is not None
    assert await inbox.add(message("1", "k", "一")) is None
    assert await inbox.add(message("1", "k", "一", channel="web")) is not None
    assert await inbox.waiting_count() == 2


async def test_the_oldest_waiting_message_of_a_chat_comes_first(inbox: Inbox) -> None:
    first = await inbox.add(message("1", "a", "一"))
    await inbox.add(message("2", "b", "别的对话"))
    second = await inbox.add(message("1", "c", "二"))
    assert first is not None
    assert second is not None

    assert (await inbox.next_for_chat("test", "1")) == first
    await inbox.answered(first.id, [BotReply(text="好的")])
    sent = await inbox.next_for_chat("test", "1")
    assert sent is not None
    assert sent.id == first.id
    assert sent.status == SENT
    await inbox.done(first.id)
    assert await inbox.next_for_chat("test", "1") == second
    await inbox.drop(second.id, "given up")
    assert await inbox.next_for_chat("test", "1") is None


async def test_replies_survive_the_round_trip(inbox: Inbox) -> None:
    row = await inbox.add(message("1", "a", "一"))
    assert row is not None
    replies = [
        BotReply(text="请选择", buttons=(Button("井盖问题", '/report_issue{"issue_category": "manhole"}'),)),
        BotReply(image="https://example.org/a.png", custom={"kind": "map"}),
    ]
    await inbox.answered(row.id, replies)

    kept = await inbox.get(row.id)
    assert kept is not None
    assert kept.replies == replies


async def test_delivery_progress_is_kept_with_the_replies(tmp_path: Path) -> None:
    first = Inbox(tmp_path / "inbox.sqlite3")
    row = await first.add(message("1", "a", "一"))
    assert row is not None
    assert row.delivered_count == 0
    await first.answered(row.id, [BotReply(text="一"), BotReply(text="二"), BotReply(text="三")])
    await first.delivered(row.id, 1)
    await first.delivery_failed(row.id, "RuntimeError('network glitch')", retry_after=0)
    first.close()

    second = Inbox(tmp_path / "inbox.sqlite3")
    try:
        kept = await second.next_for_chat("test", "1")
        assert kept is not None
        assert (kept.status, kept.delivered_count, kept.delivery_attempts) == (SENT, 1, 1)
    finally:
        second.close()


async def test_attempts_and_flags_outlive_a_restart(tmp_path: Path) -> None:
    first = Inbox(tmp_path / "inbox.sqlite3")
    row = await first.add(message("1", "a", "一"))
    assert row is not None
    await first.attempt(row.id)
    await first.keep(row.id, "ReadTimeout", maybe_sent=True)
    await first.mark_busy_notified(row.id)
    first.close()

    second = Inbox(tmp_path / "inbox.sqlite3")
    try:
        kept = await second.get(row.id)
        assert kept is not None
        assert (kept.status, kept.attempts, kept.maybe_sent, kept.last_error) == (
            PENDING,
            1,
            True,
            "ReadTimeout",
        )
        assert await second.busy_notified("test", "1")
        assert await second.waiting_chats() == [("test", "1")]
    finally:
        second.close()


async def test_busy_flag_counts_only_while_the_chat_waits(inbox: Inbox) -> None:
    row = await inbox.add(message("1", "a", "一"))
    assert row is not None
    await inbox.mark_busy_notified(row.id)
    assert await inbox.busy_notified("test", "1")
    assert not await inbox.busy_notified("test", "2")

    await inbox.done(row.id)
    assert not await inbox.busy_notified("test", "1")


async def test_waiting_chats_skip_deferred_deliveries(inbox: Inbox, clock: Clock) -> None:
    a = await inbox.add(message("A", "a", "一"))
    await inbox.add(message("B", "b", "二"))
    await inbox.add(message("A", "c", "三"))
    assert a is not None
    await inbox.answered(a.id, [BotReply(text="好的")])
    await inbox.delivery_failed(a.id, "429", retry_after=30)

    assert await inbox.waiting_chats() == [("test", "B")]
    clock.now += 31
    assert await inbox.waiting_chats() == [("test", "A"), ("test", "B")]
    kept = await inbox.get(a.id)
    assert kept is not None
    assert (kept.delivery_attempts, kept.last_error) == (1, "429")


async def test_forget_removes_one_chat_only(inbox: Inbox) -> None:
    await inbox.add(message("1", "a", "我的手机号"))
    await inbox.add(message("1", "b", "我的住址"))
    await inbox.add(message("2", "c", "别人的"))

    assert await inbox.forget("test", "1") == 2
    assert [row.text for row in await inbox.rows()] == ["别人的"]


async def test_prune_keeps_a_week_of_finished_rows_and_everything_waiting(inbox: Inbox, clock: Clock) -> None:
    old_done = await inbox.add(message("1", "a", "旧"))
    old_dropped = await inbox.add(message("1", "b", "旧的丢弃"))
    old_pending = await inbox.add(message("1", "c", "还在等"))
    assert old_done is not None
    assert old_dropped is not None
    assert old_pending is not None
    await inbox.done(old_done.id)
    await inbox.drop(old_dropped.id, "too many delivery failures")
    clock.now += 8 * DAY
    recent = await inbox.add(message("1", "d", "新"))
    assert recent is not None
    await inbox.done(recent.id)

    assert await inbox.prune() == 2
    assert [(row.text, row.status) for row in await inbox.rows()] == [("还在等", PENDING), ("新", DONE)]
    assert DROPPED not in {row.status for row in await inbox.rows("test", "1")}


async def test_concurrent_chats_add_safely(inbox: Inbox) -> None:
    results = await asyncio.gather(
        *(inbox.add(message(str(chat), f"{chat}:{n}", f"消息{n}")) for chat in range(10) for n in range(20))
    )

    assert all(row is not None for row in results)
    assert len({row.id for row in results if row is not None}) == 200
    assert await inbox.waiting_count() == 200
    assert len(await inbox.waiting_chats()) == 10
