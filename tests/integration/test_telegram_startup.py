"""Start-up: getMe is retried while the Bot API cannot be reached; a wrong token stops the gateway."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from bot.telegram import texts
from citysteward.stack import StackConfig, free_port, service_command
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
        gateway.start()  # /health answers while getMe is still being retried
        try:
            resident = Resident(fake)
            resident.says("/help")  # answered by the adapter itself: no Rasa needed
            await resident.expect(texts.HELP.splitlines()[0], timeout=60)
            assert [call.status for call in fake.calls_of("getMe")][:3] == [502, 502, 200]
        finally:
            gateway.stop()


def test_a_wrong_token_stops_the_gateway_with_an_error(
    stack_config: StackConfig, service_env: dict[str, str], tmp_path: Path
) -> None:
    with FakeBotApi() as fake:
        config = dataclasses.replace(stack_config, gateway_port=free_port())
        env = telegram_gateway_env(fake, service_env, tmp_path / "inbox.sqlite3")
        env["TELEGRAM_BOT_TOKEN"] = "999:WRONG"
        finished = subprocess.run(
            service_command("gateway", config),
            env={**os.environ, **config.environment(), **env},
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert finished.returncode == 1
    assert b"the Telegram adapter could not start" in finished.stderr
    assert b"gateway stopped" in finished.stderr
