"""RasaRelay: how Rasa's answers, tracker events and failures are read (against the fake Rasa)."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.relay import (
    BotReply,
    Button,
    RasaRelay,
    RasaUnavailable,
    delete_tracker_rows,
    redact,
    replies_after,
    replies_from_bot_event,
)
from tests.unit.gateway.fake_rasa import FakeActionServer, FakeRasa, reply_to


@pytest.fixture
async def relay(rasa: FakeRasa) -> AsyncIterator[RasaRelay]:
    client = RasaRelay(rasa.url, timeout=5.0, auth_token=rasa.token)
    yield client
    await client.aclose()


def bot(text: str | None, **data: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": data, "metadata": {"utter_action": "utter_x"}}


def user(text: str, message_id: str | None) -> dict[str, Any]:
    metadata = {"gateway_message_id": message_id} if message_id else {}
    return {"event": "user", "text": text, "metadata": metadata}


def test_a_bot_event_becomes_the_messages_the_rest_channel_sent() -> None:
    # CollectingOutputChannel splits plain text at blank lines, but not text with buttons.
    assert replies_from_bot_event(bot("第一段\n\n第二段")) == [BotReply("第一段"), BotReply("第二段")]
    buttons = [{"title": "确认提交", "payload": "/affirm"}, {"title": "修改", "payload": "/deny"}]
    assert replies_from_bot_event(bot("请核对\n\n没问题请确认", buttons=buttons)) == [
        BotReply("请核对\n\n没问题请确认", buttons=(Button("确认提交", "/affirm"), Button("修改", "/deny")))
    ]
    assert replies_from_bot_event(bot("选一个", quick_replies=buttons[:1])) == [
        BotReply("选一个", buttons=(Button("确认提交", "/affirm"),))
    ]
    assert replies_from_bot_event(bot("位置如下", image="https://example.org/map.png", custom={"k": 1})) == [
        BotReply("位置如下"),
        BotReply(custom={"k": 1}),
        BotReply(image="https://example.org/map.png"),
    ]
    assert replies_from_bot_event(bot(None)) == []


def test_the_replies_after_a_message_end_at_the_next_user_message() -> None:
    events = [
        {"event": "session_started"},
        user("你好", "web:1"),
        {"event": "action", "name": "utter_greet"},
        bot("您好"),
        user("井盖没了", "web:2"),
        {"event": "action", "name": "report_form"},
        bot("收到"),
        {"event": "slot", "name": "description", "value": "井盖没了"},
        bot("在哪里？"),
        user("建设路", None),
        bot("好的"),
    ]
    assert replies_after(events, "web:1") == [BotReply("您好")]
    assert replies_after(events, "web:2") == [BotReply("收到"), BotReply("在哪里？")]
    assert replies_after(events, "web:3") is None
    assert replies_after([user("在吗", "web:9")], "web:9") == []


async def test_send_returns_typed_replies(rasa: FakeRasa, relay: RasaRelay) -> None:
    assert await relay.send("tg:1", "你好", {"name": "张三"}) == [BotReply(reply_to("你好"))]
    assert rasa.received == [{"sender": "tg:1", "message": "你好", "metadata": {"name": "张三"}}]


async def test_refused_connection_never_reached_rasa(rasa: FakeRasa, relay: RasaRelay) -> None:
    await rasa.stop()
    with pytest.raises(RasaUnavailable) as caught:
        await relay.send("tg:1", "你好")
    assert not caught.value.maybe_processed
    with pytest.raises(RasaUnavailable):
        await relay.processed("tg:1", "telegram:1:1")


async def test_a_500_or_a_timeout_may_have_been_processed(rasa: FakeRasa) -> None:
    relay = RasaRelay(rasa.url, timeout=0.3, auth_token=rasa.token)
    try:
        rasa.failing = True
        with pytest.raises(RasaUnavailable) as failed:
            await relay.send("tg:1", "你好")
        assert failed.value.maybe_processed
        assert str(failed.value) == "Rasa answered 500"

        rasa.failing = False
        rasa.answer_delay = 2.0
        with pytest.raises(RasaUnavailable) as slow:
            await relay.send("tg:1", "慢")
        assert slow.value.maybe_processed
    finally:
        await relay.aclose()


async def test_processed_finds_a_message_by_its_gateway_id(rasa: FakeRasa, relay: RasaRelay) -> None:
    replies = await relay.send("web:ab12", "buttons", {"gateway_message_id": "web:m1"})
    await relay.send("web:ab12", "下一条", {"gateway_message_id": "web:m2"})

    assert await relay.processed("web:ab12", "web:m1") == replies
    assert await relay.processed("web:ab12", "web:m2") == [BotReply(reply_to("下一条"))]
    assert await relay.processed("web:ab12", "web:m3") is None
    assert await relay.processed("web:other", "web:m1") is None


async def test_a_wrong_token_cannot_read_the_tracker(rasa: FakeRasa) -> None:
    relay = RasaRelay(rasa.url, auth_token="wrong")
    try:
        with pytest.raises(RasaUnavailable, match="401"):
            await relay.processed("tg:1", "telegram:1:1")
    finally:
        await relay.aclose()


async def test_erase_conversation_empties_the_tracker(rasa: FakeRasa, relay: RasaRelay) -> None:
    await relay.send("tg:5", "我的电话是13800000000", {"gateway_message_id": "telegram:5:1"})
    await relay.send("tg:6", "别人的对话", {"gateway_message_id": "telegram:6:1"})

    await relay.erase_conversation("tg:5")

    assert rasa.events["tg:5"] == []
    assert await relay.processed("tg:5", "telegram:5:1") is None
    assert await relay.processed("tg:6", "telegram:6:1") == [BotReply(reply_to("别人的对话"))]


def rasa_sql_store(path: Path, events: list[tuple[str, str]]) -> str:
    """A SQLite file shaped like Rasa 3.6's SQL tracker store (table `events`)."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
                " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
                " action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender, kind in events:
            connection.execute(
                sa.text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, :t, '{}')"),
                {"s": sender, "t": kind},
            )
    engine.dispose()
    return url


def remaining_senders(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        senders = [row[0] for row in connection.execute(sa.text("SELECT sender_id FROM events ORDER BY id"))]
    engine.dispose()
    return senders


def test_delete_tracker_rows_removes_one_conversation(tmp_path: Path) -> None:
    url = rasa_sql_store(tmp_path / "tracker.db", [("tg:5", "user"), ("tg:6", "user"), ("tg:5", "bot")])
    assert delete_tracker_rows(url, "tg:5") == 2
    assert remaining_senders(url) == ["tg:6"]


async def test_erase_conversation_also_deletes_from_a_sql_store(rasa: FakeRasa, tmp_path: Path) -> None:
    url = await asyncio.to_thread(
        rasa_sql_store, tmp_path / "tracker.db", [("tg:5", "user"), ("tg:6", "user")]
    )
    relay = RasaRelay(rasa.url, auth_token=rasa.token, tracker_store_url=url)
    try:
        await relay.erase_conversation("tg:5")
        assert await asyncio.to_thread(remaining_senders, url) == ["tg:6"]
        broken = RasaRelay(
            rasa.url, auth_token=rasa.token, tracker_store_url=f"sqlite:///{tmp_path / 'none.db'}"
        )
        with pytest.raises(RasaUnavailable, match="tracker store"):
            await broken.erase_conversation("tg:5")
        await broken.aclose()
    finally:
        await relay.aclose()


async def test_no_error_or_log_record_shows_the_token(
    rasa: FakeRasa, relay: RasaRelay, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rasa.tracker_failing = True
    errors: list[RasaUnavailable] = []
    for call in (relay.processed("tg:1", "telegram:1:1"), relay.erase_conversation("tg:1")):
        with pytest.raises(RasaUnavailable) as caught:
            await call
        errors.append(caught.value)
    await rasa.stop()
    for call in (relay.processed("tg:1", "telegram:1:1"), relay.erase_conversation("tg:1")):
        with pytest.raises(RasaUnavailable) as caught:
            await call
        errors.append(caught.value)

    assert [str(error) for error in errors] == [
        "Rasa answered 500 for the tracker of tg:1",
        "erasing tg:1: PUT /conversations/tg:1/tracker/events: Rasa answered 500",
        "tracker of tg:1: GET /conversations/tg:1/tracker: ConnectError: All connection attempts failed",
        "erasing tg:1: PUT /conversations/tg:1/tracker/events: ConnectError: All connection attempts failed",
    ]
    for error in errors:  # with whatever it was raised from
        assert rasa.token not in "".join(traceback.format_exception(error))
    logging.getLogger("bot").error("failed", exc_info=errors[1])
    assert any("token=***" in record.getMessage() for record in caplog.records)  # httpx's request log
    assert rasa.token not in caplog.text
    for record in caplog.records:
        assert rasa.token not in record.getMessage()


def test_redact_hides_every_token_parameter() -> None:
    assert redact("GET http://r:5005/t?token=abc&x=1 and /u?a=1&token=d-e_f") == (
        "GET http://r:5005/t?token=***&x=1 and /u?a=1&token=***"
    )


@pytest.fixture
async def actions() -> AsyncIterator[FakeActionServer]:
    server = FakeActionServer()
    await server.start()
    yield server
    await server.stop()


async def test_send_checks_the_action_server_first(rasa: FakeRasa, actions: FakeActionServer) -> None:
    relay = RasaRelay(rasa.url, auth_token=rasa.token, actions_health_url=actions.health_url)
    try:
        assert await relay.send("tg:1", "一") == [BotReply(reply_to("一"))]
        assert await relay.send("tg:1", "二") == [BotReply(reply_to("二"))]
        assert actions.health_requests == 1  # a good answer is trusted for a moment

        relay._actions_healthy_until = 0.0  # the moment has passed
        actions.healthy = False
        with pytest.raises(
            RasaUnavailable, match=r"action server unreachable \(health answered 503\)"
        ) as ill:
            await relay.send("tg:1", "三")
        assert not ill.value.maybe_processed
        await actions.stop()
        with pytest.raises(RasaUnavailable, match=r"action server unreachable \(ConnectError\)") as down:
            await relay.send("tg:1", "四")
        assert not down.value.maybe_processed
        assert rasa.arrived == ["一", "二"]  # Rasa was not asked while the action server was down

        actions.healthy = True
        await actions.start()
        assert await relay.send("tg:1", "五") == [BotReply(reply_to("五"))]
    finally:
        await relay.aclose()


async def test_without_a_health_url_the_action_server_is_not_checked(rasa: FakeRasa) -> None:
    relay = RasaRelay(rasa.url, auth_token=rasa.token)
    try:
        assert await relay.actions_down() is None
        assert await relay.send("tg:1", "一") == [BotReply(reply_to("一"))]
    finally:
        await relay.aclose()
