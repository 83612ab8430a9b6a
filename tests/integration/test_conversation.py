"""Conversations through Rasa's REST channel against a real Rasa server and action server,
using the gateway's relay core (bot.relay)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.relay import BotReply, RasaRelay
from citysteward.stack import StackConfig

pytestmark = pytest.mark.integration


@pytest.fixture
async def relay(stack_config: StackConfig, rasa_server: subprocess.Popen[bytes]) -> AsyncIterator[RasaRelay]:
    client = RasaRelay(stack_config.rasa_url, timeout=60)
    yield client
    await client.aclose()


def sender() -> str:
    return f"test:{uuid.uuid4().hex[:8]}"


def texts(replies: list[BotReply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_greeting_offers_the_main_services_as_buttons(relay: RasaRelay) -> None:
    replies = await relay.send(sender(), "你好")
    assert "城市管家" in texts(replies)
    payloads = [b.payload for r in replies for b in r.buttons]
    assert payloads[:3] == ["/report_issue", "/ask_waste_sorting", "/check_case_status"]


async def test_a_complaint_is_acknowledged_with_its_category_by_the_action_server(relay: RasaRelay) -> None:
    who = sender()
    await relay.send(who, "您好")
    replies = await relay.send(who, "五邑路128号门口好多流动摊贩摆摊卖水果，人行道都走不了")
    said = texts(replies)
    # utter_report_received comes from the action server (validate_report_form), so this proves it ran
    assert "您反映的是「占道经营」" in said
    assert "执法队员" in said  # the category's retrieval response
    replies = await relay.send(who, "好的谢谢")
    assert "不客气" in texts(replies)


async def test_pressing_a_category_button_settles_the_category(relay: RasaRelay) -> None:
    replies = await relay.send(sender(), '/report_issue{"issue_category": "manhole"}')
    assert "您反映的是「井盖问题」" in texts(replies)


async def test_emergencies_are_sent_to_110_and_other_matters_to_12345(relay: RasaRelay) -> None:
    assert "110" in texts(await relay.send(sender(), "我家楼下有人打架，还动了刀"))
    assert "12345" in texts(await relay.send(sender(), "我想问一下社保怎么转移到江门"))


@pytest.mark.parametrize(
    "message",
    [
        "",
        "😀😀😀",
        "井盖" * 2500,  # 5,000 characters
        "hello, the street light on 五邑路 is broken",
        "請問電池是什麼垃圾",
        "asdf qwer zxcv",
    ],
    ids=["empty", "emoji", "5000-chars", "mixed-english", "traditional", "gibberish"],
)
async def test_odd_messages_get_a_polite_answer(relay: RasaRelay, message: str) -> None:
    replies = await relay.send(sender(), message)
    assert replies, "the bot must answer every message"
    assert all(r.text.strip() for r in replies)


async def test_http_api_needs_the_token(
    stack_config: StackConfig, rasa_server: subprocess.Popen[bytes]
) -> None:
    async with httpx.AsyncClient(base_url=stack_config.rasa_url) as client:
        assert (await client.get("/status")).status_code == 401
        assert (await client.get("/status", params={"token": "wrong"})).status_code == 401
        ok = await client.get("/status", params={"token": stack_config.rasa_auth_token})
        assert ok.status_code == 200
        assert ok.json()["model_file"].endswith(".tar.gz")


async def test_conversation_is_kept_in_the_sql_tracker_store(
    relay: RasaRelay, stack_config: StackConfig
) -> None:
    who = sender()
    await relay.send(who, "你好")
    async with httpx.AsyncClient(base_url=stack_config.rasa_url) as client:
        tracker = await client.get(
            f"/conversations/{who}/tracker", params={"token": stack_config.rasa_auth_token}
        )
    assert [e["text"] for e in tracker.json()["events"] if e["event"] == "user"] == ["你好"]
    assert stack_config.rasa_tracker_db.exists()
