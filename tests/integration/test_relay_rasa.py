"""RasaRelay against a real Rasa 3.6 server: a message's replies are found again in the tracker by
the gateway's message id, and a conversation can be erased (HTTP API plus the SQL tracker store,
which on its own only ever appends)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.relay import RasaRelay, RasaUnavailable
from citysteward.stack import StackConfig

pytestmark = pytest.mark.integration


@pytest.fixture
async def relay(stack_config: StackConfig, rasa_server: subprocess.Popen[bytes]) -> AsyncIterator[RasaRelay]:
    client = RasaRelay(
        stack_config.rasa_url,
        timeout=60,
        auth_token=stack_config.rasa_auth_token,
        tracker_store_url=f"sqlite:///{stack_config.rasa_tracker_db}",
    )
    yield client
    await client.aclose()


def sender() -> str:
    return f"web:{uuid.uuid4().hex[:8]}"


def metadata(who: str, message_id: str) -> dict[str, Any]:
    chat_id = who.split(":", 1)[1]
    return {
        "channel": "web",
        "chat_id": chat_id,
        "chat_type": "web",
        "name": "测试居民",
        "gateway_message_id": message_id,
    }


async def tracker_events(config: StackConfig, who: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=config.rasa_url, timeout=30) as http:
        response = await http.get(
            f"/conversations/{who}/tracker", params={"token": config.rasa_auth_token, "include_events": "ALL"}
        )
        response.raise_for_status()
        events: list[dict[str, Any]] = response.json()["events"]
        return events


async def test_processed_returns_the_replies_rasa_sent(relay: RasaRelay) -> None:
    who = sender()
    greeting = await relay.send(who, "你好", metadata(who, "web:m1"))
    complaint = await relay.send(who, "五邑路有个井盖不见了，晚上很危险", metadata(who, "web:m2"))
    assert any(reply.buttons for reply in greeting)  # the greeting offers buttons
    assert complaint  # replies from Rasa and the action server

    assert await relay.processed(who, "web:m1") == greeting
    assert await relay.processed(who, "web:m2") == complaint


async def test_an_unknown_message_id_was_not_processed(relay: RasaRelay) -> None:
    who = sender()
    await relay.send(who, "你好", metadata(who, "web:known"))

    assert await relay.processed(who, "web:unknown") is None
    assert await relay.processed(sender(), "web:known") is None


async def test_the_tracker_needs_the_token(
    stack_config: StackConfig, rasa_server: subprocess.Popen[bytes]
) -> None:
    wrong = RasaRelay(stack_config.rasa_url, timeout=30, auth_token="not-the-token")
    try:
        with pytest.raises(RasaUnavailable, match="401"):
            await wrong.processed(sender(), "web:m1")
    finally:
        await wrong.aclose()


async def test_erase_conversation_empties_the_tracker(relay: RasaRelay, stack_config: StackConfig) -> None:
    who, other = sender(), sender()
    await relay.send(who, "我的电话是13800000000，井盖丢了", metadata(who, "web:e1"))
    await relay.send(other, "你好", metadata(other, "web:o1"))
    assert any(event["event"] == "user" for event in await tracker_events(stack_config, who))

    await relay.erase_conversation(who)

    events = await tracker_events(stack_config, who)
    assert [event for event in events if event["event"] in ("user", "bot", "slot")] == []
    assert "13800000000" not in str(events)
    assert await relay.processed(who, "web:e1") is None
    assert await relay.processed(other, "web:o1") is not None
    assert await relay.send(who, "你好", metadata(who, "web:e2"))  # the conversation starts afresh
