"""The relay core against a fake Rasa REST server: ordering, outages, slow answers, restarts."""

from __future__ import annotations

import asyncio

import pytest

from bot import texts
from bot.gateway import Gateway
from bot.inbox import DONE, PENDING
from bot.relay import BotReply, Button
from tests.unit.gateway.fake_rasa import FakeRasa, reply_to
from tests.unit.gateway.recording import MakeGateway, RecordingChannel, eventually, message, until


async def count_rows(gateway: Gateway, expected: int) -> bool:
    return len(await gateway.inbox.rows()) == expected


async def pending(gateway: Gateway, expected: int) -> bool:
    return await gateway.pending() == expected


async def test_a_message_is_relayed_with_its_metadata_and_answered(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    await gateway.receive(message("42", "42:1", "五邑路井盖不见了"))

    assert channel.texts("42") == [reply_to("五邑路井盖不见了")]
    [body] = rasa.received
    assert body["sender"] == "t:42"
    assert body["metadata"] == {
        "channel": "test",
        "chat_id": "42",
        "name": "张三",
        "gateway_message_id": "test:42:1",
    }
    [row] = await gateway.inbox.rows()
    assert row.status == DONE
    assert gateway.sender_id("test", "42") == "t:42"
    assert await gateway.pending() == 0


async def test_one_chat_keeps_its_order(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(busy_after=30)
    rasa.gates["一"] = asyncio.Event()
    first = asyncio.create_task(gateway.receive(message("1", "a", "一")))
    await until(lambda: rasa.arrived == ["一"])
    later = [
        asyncio.create_task(gateway.receive(message("1", key, text)))
        for key, text in (("b", "二"), ("c", "三"))
    ]
    await eventually(lambda: count_rows(gateway, 3))  # kept, waiting behind the first

    assert rasa.arrived == ["一"]
    rasa.gates["一"].set()
    await asyncio.gather(first, *later)
    await gateway.wait_idle()

    assert rasa.texts("t:1") == ["一", "二", "三"]
    assert channel.texts("1") == [reply_to("一"), reply_to("二"), reply_to("三")]


async def test_chats_do_not_wait_for_each_other(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(busy_after=30)
    rasa.gates["慢"] = asyncio.Event()
    slow = asyncio.create_task(gateway.receive(message("A", "a1", "慢")))
    await until(lambda: rasa.arrived == ["慢"])

    await gateway.receive(message("B", "b1", "快"))

    assert channel.texts("B") == [reply_to("快")]
    assert channel.texts("A") == []
    rasa.gates["慢"].set()
    await slow
    assert channel.texts("A") == [reply_to("慢")]


async def test_busy_once_per_outage_then_each_reply_once_in_order(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    await rasa.stop()
    for key, text in (("1", "第一条"), ("2", "第二条"), ("3", "第三条")):
        await gateway.receive(message("1", key, text))
    await gateway.receive(message("2", "x", "另一位居民"))

    assert channel.texts("1") == [texts.BUSY]
    assert channel.texts("2") == [texts.BUSY]
    assert [row.status for row in await gateway.inbox.rows()] == [PENDING] * 4
    assert await gateway.pending() == 4

    await rasa.start()
    await gateway.start()
    await channel.wait_for(lambda: len(channel.texts("1")) == 4 and len(channel.texts("2")) == 2)
    await gateway.wait_idle()
    await gateway.replay_once()
    await gateway.wait_idle()

    assert channel.texts("1") == [texts.BUSY, reply_to("第一条"), reply_to("第二条"), reply_to("第三条")]
    assert channel.texts("2") == [texts.BUSY, reply_to("另一位居民")]
    assert rasa.texts("t:1") == ["第一条", "第二条", "第三条"]
    assert await gateway.pending() == 0

    await rasa.stop()  # a second outage is announced again
    await gateway.receive(message("1", "4", "第四条"))
    assert channel.texts("1")[-1] == texts.BUSY
    assert channel.texts("1").count(texts.BUSY) == 2


async def test_rasa_failing_with_500_keeps_the_message(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    rasa.failing = True
    await gateway.receive(message("7", "1", "路灯不亮"))
    await gateway.receive(message("7", "2", "在江海路"))

    assert channel.texts("7") == [texts.BUSY]
    [first, second] = await gateway.inbox.rows()
    assert first.status == PENDING
    assert first.maybe_sent
    assert first.last_error == "Rasa answered 500"
    assert second.status == PENDING

    rasa.failing = False
    await gateway.start()
    await channel.wait_for(lambda: len(channel.texts("7")) == 3)
    await gateway.wait_idle()

    assert channel.texts("7") == [texts.BUSY, reply_to("路灯不亮"), reply_to("在江海路")]
    assert rasa.texts() == ["路灯不亮", "在江海路"]
    assert rasa.tracker_requests >= 1  # a 5xx may have been processed: asked before sending again


async def test_a_message_rasa_keeps_failing_does_not_hold_up_other_chats(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    rasa.failing_texts = {"坏消息"}
    await gateway.receive(message("P", "p1", "坏消息"))
    await rasa.stop()
    for n in range(3):
        await gateway.receive(message(f"Q{n}", f"q{n}", f"好消息{n}"))
    await rasa.start()

    await gateway.start()
    await channel.wait_for(lambda: all(len(channel.texts(f"Q{n}")) == 2 for n in range(3)))

    assert channel.texts("P") == [texts.BUSY]
    assert [channel.texts(f"Q{n}") for n in range(3)] == [
        [texts.BUSY, reply_to(f"好消息{n}")] for n in range(3)
    ]
    assert len(rasa.failed) >= 2  # the failing message is still being retried
    await eventually(lambda: pending(gateway, 1))  # the Q rows are done once their reply went out


async def test_a_slow_answer_is_delivered_once(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(busy_after=0.2, timeout=5.0, start=True)
    rasa.answer_delay = 1.0
    await gateway.receive(message("9", "1", "有人占道经营"))
    assert channel.texts("9") == [texts.BUSY]

    await channel.wait_for(lambda: len(channel.texts("9")) == 2)
    await gateway.wait_idle()
    await gateway.replay_once()
    await gateway.wait_idle()

    assert channel.texts("9") == [texts.BUSY, reply_to("有人占道经营")]
    assert rasa.texts() == ["有人占道经营"]
    assert rasa.tracker_requests == 0


async def test_a_lost_answer_is_taken_from_the_tracker_not_sent_twice(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(busy_after=0.2, timeout=0.5, start=True)
    rasa.answer_delay = 3.0  # Rasa processes at once but answers after the relay gave up
    await gateway.receive(message("5", "1", "buttons"))

    await channel.wait_for(lambda: len(channel.replies("5")) == 2)
    await gateway.wait_idle()
    await gateway.replay_once()
    await gateway.wait_idle()

    assert channel.replies("5") == [
        BotReply(text=texts.BUSY),
        BotReply(text="请选择", buttons=(Button("井盖问题", '/report_issue{"issue_category": "manhole"}'),)),
    ]
    assert rasa.texts() == ["buttons"]
    assert rasa.tracker_requests >= 1
    [row] = await gateway.inbox.rows()
    assert row.status == DONE


async def test_an_attempt_that_never_reached_rasa_is_sent_again(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    row = await gateway.inbox.add(message("3", "1", "噪音扰民"), {"gateway_message_id": "test:1"})
    assert row is not None
    await gateway.inbox.attempt(row.id)
    await gateway.inbox.keep(row.id, "ReadTimeout", maybe_sent=True)

    await gateway.replay_once()
    await gateway.wait_idle()

    assert rasa.tracker_requests == 1
    assert rasa.texts() == ["噪音扰民"]
    assert channel.texts("3") == [reply_to("噪音扰民")]


async def test_duplicates_are_ignored(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    await gateway.receive(message("8", "8:100", "垃圾没人收"))
    await gateway.receive(message("8", "8:100", "垃圾没人收"))
    await asyncio.gather(*(gateway.receive(message("8", "8:101", "第二条")) for _ in range(3)))
    await gateway.wait_idle()

    assert rasa.texts() == ["垃圾没人收", "第二条"]
    assert channel.texts("8") == [reply_to("垃圾没人收"), reply_to("第二条")]


async def test_a_new_gateway_replays_what_the_old_one_kept(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    old = await make_gateway()
    await rasa.stop()
    await old.receive(message("6", "1", "井盖缺失"))
    await old.receive(message("6", "2", "在建设路"))
    await old.stop()
    assert channel.texts("6") == [texts.BUSY]

    await rasa.start()
    after_restart = RecordingChannel()
    new = await make_gateway(to=after_restart, start=True)
    await after_restart.wait_for(lambda: len(after_restart.texts("6")) == 2)
    await new.wait_idle()

    assert after_restart.texts("6") == [reply_to("井盖缺失"), reply_to("在建设路")]
    assert rasa.texts() == ["井盖缺失", "在建设路"]
    assert channel.texts("6") == [texts.BUSY]


async def test_a_message_in_flight_at_shutdown_is_not_processed_twice(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    old = await make_gateway(busy_after=30)
    rasa.gates["油烟太大"] = asyncio.Event()
    receiving = asyncio.create_task(old.receive(message("4", "1", "油烟太大")))
    await until(lambda: rasa.arrived == ["油烟太大"])
    await old.stop()
    await receiving
    rasa.gates["油烟太大"].set()  # Rasa finishes the message although the gateway went away
    await until(lambda: rasa.texts() == ["油烟太大"])

    after_restart = RecordingChannel()
    new = await make_gateway(to=after_restart, start=True)
    await after_restart.wait_for(lambda: len(after_restart.texts("4")) == 1)
    await new.wait_idle()

    assert after_restart.texts("4") == [reply_to("油烟太大")]
    assert rasa.texts() == ["油烟太大"]
    assert channel.texts("4") == []


async def test_a_5000_character_text_is_relayed(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    text = ("小区门口垃圾堆积，" * 600)[:5000]
    await gateway.receive(message("2", "1", text))

    assert rasa.texts() == [text]
    assert channel.texts("2") == [reply_to(text)]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("", texts.EMPTY_TEXT),
        ("  \n\t ", texts.EMPTY_TEXT),
        ("长" * 5001, texts.too_long(5001, 5000)),
    ],
)
async def test_empty_and_too_long_texts_are_answered_not_relayed(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel, text: str, answer: str
) -> None:
    gateway = await make_gateway()
    await gateway.receive(message("2", "1", text))

    assert channel.texts("2") == [answer]
    assert rasa.arrived == []
    assert await gateway.inbox.rows() == []


async def test_a_failed_delivery_is_retried_without_asking_rasa_again(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(start=True)
    gateway.delivery_retry_seconds = 0.05
    channel.failures = 1
    channel.deferrals = [0.1]
    await gateway.receive(message("1", "1", "路面塌陷"))

    await channel.wait_for(lambda: len(channel.texts("1")) == 1)
    await gateway.wait_idle()
    assert channel.texts("1") == [reply_to("路面塌陷")]
    assert rasa.texts() == ["路面塌陷"]
    [row] = await gateway.inbox.rows()
    assert row.status == DONE
    assert row.delivery_attempts == 2


async def test_receive_never_raises(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    await rasa.stop()
    channel.always_fail = True
    await gateway.receive(message("1", "1", "你好"))
    await gateway.receive(message("1", "2", ""))
    await gateway.receive(message("1", "3", "来自未知渠道", channel="fax"))

    [row] = await gateway.inbox.rows()
    assert row.status == PENDING
    assert row.busy_notified


async def test_forget_drops_the_chats_kept_messages(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway()
    await rasa.stop()
    await gateway.receive(message("1", "1:1", "我的电话是13800000000"))
    await gateway.receive(message("2", "2:1", "别人的消息"))
    await gateway.forget("test", "1")

    assert [(row.chat_id, row.text) for row in await gateway.inbox.rows()] == [("2", "别人的消息")]
    await rasa.start()
    await gateway.replay_once()
    await gateway.wait_idle()
    assert rasa.texts() == ["别人的消息"]
