"""`citysteward serve gateway`: the gateway process.

One asyncio loop runs the relay core (with its replay loop), the HTTP server (`/health` and, when
enabled, the web chat), the Telegram adapter when `TELEGRAM_BOT_TOKEN` is set (long polling, or a
webhook when `TELEGRAM_WEBHOOK_URL` is set) and the outbox delivery. SIGINT/SIGTERM stop it cleanly:
uvicorn returns from `serve()`, then everything else is stopped in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn

from bot.gateway import Gateway
from bot.inbox import Inbox
from bot.messages import Channel
from bot.outbox import OutboxDelivery
from bot.platform import PlatformClient
from bot.ratelimit import RateLimiter
from bot.relay import RasaRelay
from bot.settings import GatewaySettings
from bot.telegram.app import build_application, start_telegram, stop_telegram, telegram_channel
from bot.webchat.app import create_http_app, web_channel

log = logging.getLogger("bot.service")


class HttpServer(uvicorn.Server):
    """uvicorn without its own signal handling: uvicorn re-raises SIGTERM after serving, which
    would kill the process before the outbox, Telegram and the relay are stopped."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_gateway(settings: GatewaySettings) -> None:
    relay = RasaRelay(
        settings.rasa_url,
        timeout=settings.rasa_timeout_seconds,
        auth_token=settings.rasa_auth_token,
        # /delete_me erases the conversation in the tracker store (Rasa's API only appends).
        tracker_store_url=settings.tracker_store_url(),
        # Rasa answers 200 even when the action server is down; the relay checks it first.
        actions_health_url=settings.actions_health_url(),
    )
    gateway = Gateway(
        relay,
        Inbox(settings.gateway_inbox_path),
        busy_after=settings.gateway_busy_after_seconds,
        replay_every=settings.gateway_replay_seconds,
        max_text_chars=settings.gateway_max_text_chars,
    )
    platform = PlatformClient(settings.platform_url, settings.platform_api_token)
    http_app = create_http_app(settings, gateway, platform)

    channels: dict[str, Channel] = {}
    web = web_channel(http_app)
    if web is not None:
        channels[web.name] = web
    application = None
    if settings.telegram_bot_token:
        application = build_application(settings, gateway, platform)
        telegram = telegram_channel(application)
        channels[telegram.name] = telegram
    outbox = OutboxDelivery(
        platform,
        channels,
        RateLimiter(
            overall_per_second=settings.rate_overall_per_second,
            private_per_second=settings.rate_private_per_second,
            group_per_minute=settings.rate_group_per_minute,
        ),
        poll_every=settings.outbox_poll_seconds,
    )
    server = HttpServer(
        uvicorn.Config(
            http_app,
            host=settings.gateway_host,
            port=settings.gateway_port,
            access_log=False,
            log_config=None,
        )
    )

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))

    def telegram_started(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("the Telegram adapter could not start, stopping: %r", error)
            server.should_exit = True

    # Telegram starts beside the HTTP server, so /health and the web chat are up (and Ctrl-C works)
    # while getMe is still being retried.
    telegram_start: asyncio.Task[None] | None = None
    await gateway.start()
    try:
        await outbox.start()
        if application is not None:
            telegram_start = asyncio.create_task(start_telegram(application, settings), name="telegram")
            telegram_start.add_done_callback(telegram_started)
        log.info(
            "gateway ready on http://%s:%s (web chat %s, Telegram %s)",
            settings.gateway_host,
            settings.gateway_port,
            "on" if web is not None else "off",
            ("webhook" if settings.telegram_webhook_url else "polling") if application else "off",
        )
        await server.serve()
    finally:
        await outbox.stop()
        if telegram_start is not None and not telegram_start.done():
            telegram_start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await telegram_start
        if application is not None:
            await stop_telegram(application)
        await gateway.stop()
        await platform.aclose()
        await relay.aclose()
        log.info("gateway stopped")
    if telegram_start is not None and not telegram_start.cancelled() and telegram_start.exception():
        raise SystemExit(1)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request (the bot token is in Telegram URLs); keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve_gateway(GatewaySettings()))


if __name__ == "__main__":
    main()
