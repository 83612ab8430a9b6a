"""The Telegram adapter: a PTB `Application` wired to the gateway (entry points for bot/service.py).

`TELEGRAM_BASE_URL` / `TELEGRAM_BASE_FILE_URL` point PTB at another Bot API server (a local one,
or the tests' fake). Replies go through `AIORateLimiter`, which waits and retries on 429. Updates
come by long polling, or by a webhook (`TELEGRAM_WEBHOOK_URL`) whose requests must carry the
secret token (PTB answers 403 otherwise).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackContext, ExtBot

from bot.gateway import Gateway
from bot.messages import Channel
from bot.platform import PlatformClient
from bot.settings import GatewaySettings
from bot.telegram.adapter import Adapter
from bot.telegram.callbacks import Buttons
from bot.telegram.channel import TelegramChannel
from bot.telegram.commands import Commands, set_commands
from bot.telegram.desk import Desk
from bot.telegram.handlers import MessageHandlers
from bot.telegram.keyboards import KeyboardStore
from bot.telegram.ordering import PerChatOrder

log = logging.getLogger(__name__)

ADAPTER = "citysteward.adapter"
DESK = "citysteward.desk"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
KEYBOARDS_FILE = "telegram-keyboards.sqlite3"

Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
TelegramApp = Application[ExtBot[None], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], None]


def build_application(settings: GatewaySettings, gateway: Gateway, platform: PlatformClient) -> TelegramApp:
    """The PTB application with our handlers; its channel is registered with the gateway."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = cast(
        TelegramApp,
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=3))
        .concurrent_updates(PerChatOrder())
        .job_queue(None)
        .build(),
    )
    keyboards = KeyboardStore(settings.gateway_inbox_path.parent / KEYBOARDS_FILE)
    channel = TelegramChannel(application.bot, keyboards)
    adapter = Adapter(settings, gateway, platform, channel, keyboards)
    desk = Desk(adapter)
    application.bot_data[ADAPTER] = adapter
    application.bot_data[DESK] = desk
    for handlers in (
        Commands(adapter, desk).handlers(),
        Buttons(adapter, desk).handlers(),
        MessageHandlers(adapter, desk).handlers(),
    ):
        application.add_handlers(handlers)
    application.add_error_handler(on_error)
    gateway.register(channel)
    return application


def adapter_of(application: TelegramApp) -> Adapter:
    return cast(Adapter, application.bot_data[ADAPTER])


def desk_of(application: TelegramApp) -> Desk:
    return cast(Desk, application.bot_data[DESK])


def telegram_channel(application: TelegramApp) -> Channel:
    """The channel the outbox delivery sends through."""
    return adapter_of(application).channel


async def initialize(application: TelegramApp, first_wait: float = 2.0, longest_wait: float = 60.0) -> None:
    """getMe, retried while Telegram cannot be reached (a wrong token still fails at once)."""
    wait = first_wait
    while True:
        try:
            await application.initialize()
            return
        except NetworkError as error:
            log.warning("Telegram Bot API not reachable (%r); trying again in %.0f s", error, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, longest_wait)


async def start_telegram(application: TelegramApp, settings: GatewaySettings) -> None:
    """getMe, setMyCommands, then long polling or the webhook."""
    await initialize(application)
    try:
        await set_commands(application.bot)
    except TelegramError as error:
        log.warning("setMyCommands failed (the commands still work): %r", error)
    await application.start()
    updater = application.updater
    assert updater is not None
    if settings.telegram_webhook_url:
        url = settings.telegram_webhook_url
        await updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(url).path.lstrip("/"),
            webhook_url=url,
            secret_token=settings.webhook_secret(),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
        log.info(
            "Telegram webhook on %s:%s (public URL %s)",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
            url,
        )
    else:
        await updater.start_polling(drop_pending_updates=False, allowed_updates=list(ALLOWED_UPDATES))
        log.info("Telegram long polling started as @%s", application.bot.username)


async def stop_telegram(application: TelegramApp) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    adapter_of(application).keyboards.close()
    log.info("Telegram adapter stopped")


async def on_error(update: object, context: Context) -> None:
    """Errors of handlers (the gateway never raises; this catches our own slips and Telegram's)."""
    where = update.update_id if isinstance(update, Update) else "-"
    log.error("error while handling update %s", where, exc_info=context.error)
