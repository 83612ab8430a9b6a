"""The gateway starts even when the Bot API cannot be reached at first: getMe is retried."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.telegram import texts
from citysteward.stack import StackConfig, free_port
from tests.gateway.chat import Resident
from tests.gateway.fake_bot_api import FakeBotApi
from tests.integration.conftest import GatewayProcess, telegram_gateway_env

pytestmark = pytest.mark.integration


async def test_getme_failures_at_start_are_retried_until_telegram_answers(
    stack_config: StackConfig, service_env: dict[str, str], log_dir: Path, tmp_path: Path
) -> None:
    with FakeBotApi() as fake:
        fake.fail_next("getMe", times=2, status=502, retry_after=None)
        config = dataclasses.replace(stack_config, gateway_port=free_port())
        env = telegram_gateway_env(fake, service_env, tmp_path / "inbox.sqlite3")
        gateway = GatewayProcess(config, env, log_dir / "gateway-telegram-startup.log")
        gateway.start()  # waits for /health, which comes after Telegram is initialised
        try:
            assert len(fake.calls_of("getMe")) >= 3
            assert [call.status for call in fake.calls_of("getMe")][:2] == [502, 502]
            resident = Resident(fake)
            resident.says("/help")  # answered by the adapter itself: no Rasa needed
            await resident.expect(texts.HELP.splitlines()[0])
        finally:
            gateway.stop()
