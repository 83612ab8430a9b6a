"""Rasa stopped and started again in the middle of a complaint over Telegram: the resident is told
once that the system is busy, nothing they sent is lost, and after the restart each kept message is
answered exactly once, in order. (Its own module, after the other Telegram tests: a restart of Rasa
costs a minute and more.)"""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from cityplatform.geo import load_city
from citysteward.stack import StackConfig
from tests.gateway.chat import Resident, text_of, user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.integration.conftest import GatewayProcess, RasaProcess

pytestmark = pytest.mark.integration
CODE = re.compile(r"JM\d{8}-\d{4}")
BUSY = "系统繁忙"
PHOTO_QUESTION = "有现场照片的话"
RESTART_SECONDS = 600.0


async def pending(gateway: GatewayProcess) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        health = (await client.get(f"{gateway.config.gateway_url}/health")).json()
    return int(health["pending"])


async def test_rasa_restarted_mid_conversation_loses_nothing_and_answers_once(
    fake_telegram: FakeBotApi, telegram_gateway: GatewayProcess, rasa: RasaProcess, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    complaint = "路边有人占道摆摊卖水果，人行道都堵住了"
    me.says(complaint)
    await me.expect("位置")
    place = load_city().resolve("龙湾路")
    assert place is not None

    rasa.stop()
    try:
        fake_telegram.push_location(me.chat_id, place.latitude, place.longitude)
        await me.expect(BUSY, timeout=60)
        me.says("跳过")  # sent during the outage too: kept behind the location, no second notice
        await wait_for_pending(telegram_gateway, 2)
        assert me.unseen() == []
    finally:
        rasa.start()

    # The kept messages are relayed in order and answered once each.
    await me.expect(PHOTO_QUESTION, timeout=RESTART_SECONDS)
    summary = await me.expect("核对", timeout=RESTART_SECONDS)
    texts = await user_texts(stack_config, me.chat_id)
    assert texts[0] == complaint
    assert texts[1].startswith('/inform{"latitude"')
    assert texts[2:] == ["跳过"]
    shown = [text_of(m) for m in me.messages()]
    assert sum(BUSY in t for t in shown) == 1
    assert sum(PHOTO_QUESTION in t for t in shown) == 1
    assert sum("请您核对" in t for t in shown) == 1

    # And the report is filed as usual.
    fake_telegram.press(summary, "确认提交")
    filed = await me.expect("编号", timeout=120)
    assert CODE.search(text_of(filed))
    assert await pending(telegram_gateway) == 0


async def wait_for_pending(gateway: GatewayProcess, count: int, timeout: float = 30.0) -> None:
    """Poll /health until the gateway keeps `count` messages in its inbox."""
    deadline = time.monotonic() + timeout
    while (kept := await pending(gateway)) != count:
        assert time.monotonic() < deadline, f"the gateway keeps {kept} messages, expected {count}"
        await asyncio.sleep(0.1)
