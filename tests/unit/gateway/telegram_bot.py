"""The Telegram adapter in the test's own loop: PTB polling our fake Bot API, the relay core with a
fake Rasa, the real platform (uvicorn in a thread) and the outbox delivery, wired like
bot/service.py does it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.gateway import Gateway
from bot.inbox import Inbox
from bot.outbox import OutboxDelivery
from bot.platform import PlatformClient
from bot.ratelimit import RateLimiter
from bot.relay import RasaRelay
from bot.settings import GatewaySettings
from bot.telegram.app import (
    TelegramApp,
    build_application,
    desk_of,
    start_telegram,
    stop_telegram,
    telegram_channel,
)
from bot.telegram.desk import Desk
from tests.gateway.fake_bot_api import FakeBotApi
from tests.unit.gateway.fake_rasa import FakeRasa

POLL = 0.05


@dataclass
class TelegramBot:
    application: TelegramApp
    gateway: Gateway
    outbox: OutboxDelivery

    @property
    def desk(self) -> Desk:
        return desk_of(self.application)


def settings_for(
    fake: FakeBotApi, rasa: FakeRasa, platform_url: str, token: str, state: Path
) -> GatewaySettings:
    return GatewaySettings(
        telegram_bot_token=fake.token,
        telegram_base_url=f"{fake.url}/bot",
        telegram_base_file_url=f"{fake.url}/file/bot",
        telegram_webhook_url=None,
        rasa_url=rasa.url,
        rasa_auth_token=rasa.token,
        platform_url=platform_url,
        platform_api_token=token,
        gateway_inbox_path=state / "inbox.sqlite3",
        outbox_poll_seconds=POLL,
        action_endpoint_url=None,
    )


@asynccontextmanager
async def telegram_bot(
    fake: FakeBotApi, rasa: FakeRasa, platform_url: str, token: str, state: Path
) -> AsyncIterator[TelegramBot]:
    """A running Telegram adapter with outbox delivery; `state` holds its inbox and keyboards, so a
    second one on the same folder is the same gateway after a restart."""
    settings = settings_for(fake, rasa, platform_url, token, state)
    relay = RasaRelay(rasa.url, timeout=5, auth_token=rasa.token)
    inbox = Inbox(settings.gateway_inbox_path)
    gateway = Gateway(relay, inbox, busy_after=5, replay_every=POLL)
    platform = PlatformClient(platform_url, token, timeout=2)
    application = build_application(settings, gateway, platform)
    outbox = OutboxDelivery(
        platform,
        {"telegram": telegram_channel(application)},
        RateLimiter(overall_per_second=1000, private_per_second=1000, group_per_minute=1000),
        poll_every=POLL,
        report_pauses=(0.05,),
    )
    await gateway.start()
    try:
        await start_telegram(application, settings)
        await outbox.start()
        yield TelegramBot(application, gateway, outbox)
    finally:
        await outbox.stop()
        await stop_telegram(application)
        await gateway.stop()
        await platform.aclose()
        await relay.aclose()
        inbox.close()
