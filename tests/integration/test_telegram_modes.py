"""Webhook mode: the gateway registers its URL and secret with setWebhook, serves the webhook itself,
and takes only requests carrying Telegram's secret token (X-Telegram-Bot-Api-Secret-Token)."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from citysteward.stack import StackConfig, free_port
from tests.gateway.chat import Resident, text_of, user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.integration.conftest import GatewayProcess, PlatformProcess, telegram_gateway_env

pytestmark = pytest.mark.integration
SECRET = "webhook-secret_for-tests"
_update_ids = itertools.count(500_000)


@pytest.fixture(scope="module")
def webhook_url(
    stack_config: StackConfig,
    platform: PlatformProcess,
    rasa_server: subprocess.Popen[bytes],
    service_env: dict[str, str],
    log_dir: Path,
    fake_telegram: FakeBotApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A gateway in webhook mode; Telegram (here: the test) posts updates to the returned URL."""
    config = dataclasses.replace(stack_config, gateway_port=free_port())
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    env = telegram_gateway_env(
        fake_telegram,
        service_env,
        tmp_path_factory.mktemp("webhook-gateway") / "inbox.sqlite3",
        TELEGRAM_WEBHOOK_URL=url,
        TELEGRAM_WEBHOOK_PORT=str(port),
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    handle = GatewayProcess(config, env, log_dir / "gateway-telegram-webhook.log")
    handle.start()
    yield url
    handle.stop()


@pytest.fixture
async def telegram(webhook_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def update_with(fake: FakeBotApi, chat_id: int, text: str) -> dict[str, object]:
    return {"update_id": next(_update_ids), "message": fake.user_message(chat_id, text=text)}


async def test_the_webhook_is_registered_with_its_secret(fake_telegram: FakeBotApi, webhook_url: str) -> None:
    assert fake_telegram.webhook is not None
    assert fake_telegram.webhook["url"] == webhook_url
    assert fake_telegram.webhook["secret_token"] == SECRET
    assert {"message", "edited_message", "callback_query"} <= set(fake_telegram.webhook["allowed_updates"])
    assert not fake_telegram.calls_of("getUpdates")


async def test_only_updates_with_the_secret_token_are_handled(
    fake_telegram: FakeBotApi, webhook_url: str, telegram: httpx.AsyncClient, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    forged = update_with(fake_telegram, me.chat_id, "我要投诉")
    wrong = await telegram.post(
        webhook_url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
    )
    assert wrong.status_code == 403
    missing = await telegram.post(webhook_url, json=update_with(fake_telegram, me.chat_id, "我要投诉"))
    assert missing.status_code == 403

    genuine = update_with(fake_telegram, me.chat_id, "你好")
    accepted = await telegram.post(
        webhook_url, json=genuine, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert accepted.status_code == 200
    [reply, *_] = await fake_telegram.wait_for_messages(me.chat_id, 1, timeout=90)
    assert text_of(reply)
    assert await user_texts(stack_config, me.chat_id) == ["你好"]
