"""The relay core recovering: one worker per chat during a replay, the action server down, a
delivery that fails half-way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot import texts
from bot.gateway import Gateway
from bot.inbox import DONE, PENDING
from bot.messages import DeliveryDeferred
from tests.unit.gateway.fake_rasa import FakeActionServer, FakeRasa, reply_to
from tests.unit.gateway.recording import MakeGateway, RecordingChannel, message, until


def chats_with_workers(gateway: Gateway) -> list[str]:
    return [f"{chat.channel}:{chat.chat_id}" for chat in gateway._chats.values() if chat.worker is not None]


async def test_a_chat_that_drains_and_returns_during_a_replay_has_one_worker(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(busy_after=30)
    await rasa.stop()
    await gateway.receive(message("P", "p1", "探路"))
    await gateway.receive(message("X", "x1", "一"))
    await rasa.start()

    # The replay lists P and X and waits for its probe, P, which Rasa holds.
    rasa.gates["探路"] = asyncio.Event()
    replay = asyncio.create_task(gateway.replay_once())
    await until(lambda: rasa.arrived == ["探路"])
    # Meanwhile X gets a message: X's worker relays both of X's messages, and X is idle again ...
    await gateway.receive(message("X", "x2", "二"))
    await until(lambda: ("test", "X") not in gateway._chats)
    # ... and then another, which Rasa holds: X has a worker again, a new one.
    rasa.gates["三"] = asyncio.Event()
    third = asyncio.create_task(gateway.receive(message("X", "x3", "三")))
    await until(lambda: rasa.arrived[-1:] == ["三"])

    rasa.gates["探路"].set()
    await replay  # the probe answered: the replay starts the other chats it listed, X among them
    await asyncio.sleep(0.2)  # a second worker for X would now ask the tracker and send 三 again

    assert rasa.arrived.count("三") == 1
    assert chats_with_workers(gateway) == ["test:X"]
    rasa.gates["三"].set()
    await third
    await gateway.wait_idle()

    assert rasa.texts("t:X") == ["一", "二", "三"]
    assert channel.texts("X") == [texts.BUSY, reply_to("一"), reply_to("二"), reply_to("三")]
    assert channel.texts("P") == [texts.BUSY, reply_to("探路")]
    assert gateway._chats == {}


@pytest.fixture
async def actions(rasa: FakeRasa) -> AsyncIterator[FakeActionServer]:
    server = FakeActionServer()
    await server.start()
    rasa.actions = server
    yield server
    await server.stop()


@pytest.mark.parametrize("outage", ["stopped", "unhealthy"])
async def test_messages_wait_while_the_action_server_is_down(
    make_gateway: MakeGateway,
    rasa: FakeRasa,
    actions: FakeActionServer,
    channel: RecordingChannel,
    outage: str,
) -> None:
    gateway = await make_gateway(actions_health_url=actions.health_url)
    if outage == "stopped":
        await actions.stop()
    else:
        actions.healthy = False
    await gateway.receive(message("1", "1", "井盖丢了"))
    await gateway.receive(message("1", "2", "在建设路"))

    assert channel.texts("1") == [texts.BUSY]  # told once, not answered with nothing
    assert rasa.arrived == []  # Rasa would have answered 200 without the action's replies
    rows = await gateway.inbox.rows()
    assert [row.status for row in rows] == [PENDING, PENDING]
    assert [row.maybe_sent for row in rows] == [False, False]
    assert (rows[0].last_error or "").startswith("action server unreachable")

    await gateway.start()
    await asyncio.sleep(0.3)  # the replay keeps trying; nothing reaches Rasa meanwhile
    assert rasa.arrived == []
    if outage == "stopped":
        await actions.start()
    else:
        actions.healthy = True
    await channel.wait_for(lambda: len(channel.texts("1")) == 3)
    await gateway.wait_idle()
    await gateway.replay_once()
    await gateway.wait_idle()

    assert channel.texts("1") == [texts.BUSY, reply_to("井盖丢了"), reply_to("在建设路")]
    assert rasa.arrived == ["井盖丢了", "在建设路"]
    assert actions.failed == []
    assert [row.status for row in await gateway.inbox.rows()] == [DONE, DONE]


async def test_concurrent_chats_share_one_action_server_check(
    make_gateway: MakeGateway, rasa: FakeRasa, actions: FakeActionServer, channel: RecordingChannel
) -> None:
    gateway = await make_gateway(actions_health_url=actions.health_url)
    await asyncio.gather(*(gateway.receive(message(str(n), f"{n}:1", f"消息{n}")) for n in range(30)))

    assert all(channel.texts(str(n)) == [reply_to(f"消息{n}")] for n in range(30))
    assert actions.health_requests == 1


@pytest.mark.parametrize(
    "failure", [RuntimeError("network glitch"), DeliveryDeferred(0.05, "flood control")], ids=repr
)
async def test_a_delivery_failing_half_way_goes_on_from_the_first_reply_not_delivered(
    make_gateway: MakeGateway, rasa: FakeRasa, channel: RecordingChannel, failure: Exception
) -> None:
    gateway = await make_gateway(start=True)
    gateway.delivery_retry_seconds = 0.05
    replies = [f"{reply_to('three replies')} {n}" for n in (1, 2, 3)]
    channel.fail_once_at = {replies[1]: failure}
    await gateway.receive(message("1", "1", "three replies"))

    await channel.wait_for(lambda: len(channel.texts("1")) >= 3)
    await gateway.wait_idle()
    await gateway.replay_once()
    await gateway.wait_idle()

    assert channel.texts("1") == replies
    assert rasa.texts() == ["three replies"]
    [row] = await gateway.inbox.rows()
    assert (row.status, row.delivery_attempts, row.delivered_count) == (DONE, 1, 3)
