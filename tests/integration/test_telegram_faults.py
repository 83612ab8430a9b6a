"""Faults between the gateway and Telegram or the platform: flood control (429 with retry_after) and
the platform down while a photo or /start needs it."""

from __future__ import annotations

import pytest

from citysteward.stack import StackConfig
from tests.gateway.chat import Resident, text_of, user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.images import jpeg
from tests.integration.conftest import PlatformProcess

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("telegram_gateway")]


async def test_a_429_is_waited_out_and_the_reply_arrives_once(fake_telegram: FakeBotApi) -> None:
    me = Resident(fake_telegram)
    fake_telegram.fail_next("sendMessage", times=1, retry_after=2)
    me.says("你好")
    await fake_telegram.wait_for_messages(me.chat_id, 1, timeout=90)
    calls = [c for c in fake_telegram.calls_of("sendMessage") if c.params["chat_id"] == me.chat_id]
    refused, sent = calls[0], calls[1]
    assert (refused.status, sent.status) == (429, 200)
    assert sent.params["text"] == refused.params["text"]
    assert sent.at - refused.at >= 2.0
    shown = [text_of(m) for m in me.messages()]
    assert shown.count(str(refused.params["text"])) == 1


async def test_a_429_that_outlasts_the_retries_is_delivered_later_once(fake_telegram: FakeBotApi) -> None:
    """AIORateLimiter tries 1 + 3 times; then the gateway keeps the replies and delivers them later."""
    me = Resident(fake_telegram)
    fake_telegram.fail_next("sendMessage", times=4, retry_after=1)
    me.says("谢谢")
    await fake_telegram.wait_for_messages(me.chat_id, 1, timeout=90)
    calls = [c for c in fake_telegram.calls_of("sendMessage") if c.params["chat_id"] == me.chat_id]
    assert [c.status for c in calls[:5]] == [429, 429, 429, 429, 200]
    shown = [text_of(m) for m in me.messages()]
    assert shown.count(str(calls[0].params["text"])) == 1


async def test_the_platform_down_during_start_and_photo_upload_is_answered_politely(
    fake_telegram: FakeBotApi, platform: PlatformProcess, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    platform.stop()
    try:
        me.says("/start")
        welcome = await me.expect("欢迎使用城市管家")
        assert "稍后再发送 /start" in text_of(welcome)
        assert "reply_markup" not in welcome
        fake_telegram.push_photo(me.chat_id, jpeg())
        await me.expect("照片暂时无法保存")
    finally:
        platform.start()
    assert await user_texts(stack_config, me.chat_id) == []
    # Back up: the same photo is taken.
    fake_telegram.push_photo(me.chat_id, jpeg())
    await fake_telegram.wait_for(lambda: len(me.unseen()) > 0, timeout=90)
    [relayed] = await user_texts(stack_config, me.chat_id)
    assert relayed.startswith('/inform{"photo_id"')
