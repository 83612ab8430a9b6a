"""Gateway figures: turn latency (update in → reply out) and sustained messages per second.

Starts the real stack (Rasa, actions, platform) and the real gateway on free ports, with the
gateway's python-telegram-bot pointed at our fake Telegram Bot API server (tests/gateway), so a
turn includes getUpdates long polling, the relay core's durable inbox, Rasa and sendMessage
through PTB's AIORateLimiter. Then the same gateway in front of a trivial echo server in Rasa's
place, which shows the gateway's own ceiling (Telegram's 30 messages/s limit applies to both).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from citysteward import paths
from citysteward.percentiles import percentile
from citysteward.stack import (
    StackConfig,
    config_from_env,
    free_port,
    start_service,
    stop_service,
    wait_until_ready,
)

if TYPE_CHECKING:
    from tests.gateway.fake_bot_api import FakeBotApi

SINGLE_TURNS = 40
CONCURRENT_CHATS = 100
CONCURRENT_ROUNDS = 3
SUSTAINED_PER_CHAT = 5
# Messages that each get exactly one reply from the trained bot.
TURN_TEXTS = ("谢谢", "你好", "谢谢你的帮助")


def fake_bot_api() -> FakeBotApi:
    # The fake Bot API server lives with the tests that own it.
    sys.path.insert(0, str(paths.REPO_ROOT))
    from tests.gateway.fake_bot_api import FakeBotApi

    return FakeBotApi()


def report(label: str, timings_ms: list[float]) -> None:
    print(
        f"  {label:<44} n={len(timings_ms):<4} p50 {percentile(timings_ms, 0.5):7.1f} ms   "
        f"p95 {percentile(timings_ms, 0.95):7.1f} ms   mean {statistics.fmean(timings_ms):7.1f} ms"
    )


async def turn(fake: FakeBotApi, chat_id: int, text: str, timeout: float = 60.0) -> float:
    """Push one message; milliseconds until the bot's next message to that chat is sent."""
    before = len(fake.messages(chat_id))
    started = time.monotonic()
    fake.push_text(chat_id, text)
    await fake.wait_for_messages(chat_id, before + 1, timeout)
    calls = fake.calls_of("sendMessage")
    sent = [call.at for call in calls if str(call.params.get("chat_id")) == str(chat_id)]
    return (sent[before] - started) * 1000


async def single_chat(fake: FakeBotApi) -> list[float]:
    return [await turn(fake, 9_000_001, TURN_TEXTS[i % len(TURN_TEXTS)]) for i in range(SINGLE_TURNS)]


async def concurrent_chats(fake: FakeBotApi, first_chat: int) -> list[float]:
    timings: list[float] = []
    for round_ in range(CONCURRENT_ROUNDS):
        chats = range(first_chat, first_chat + CONCURRENT_CHATS)
        text = TURN_TEXTS[round_ % len(TURN_TEXTS)]
        timings += await asyncio.gather(*(turn(fake, chat, text, timeout=180) for chat in chats))
    return timings


async def sustained(fake: FakeBotApi, first_chat: int) -> tuple[int, float]:
    """Push CONCURRENT_CHATS × SUSTAINED_PER_CHAT messages at once; replies per second until all are out."""
    chats = list(range(first_chat, first_chat + CONCURRENT_CHATS))
    before = {chat: len(fake.messages(chat)) for chat in chats}
    started = time.monotonic()
    for index in range(SUSTAINED_PER_CHAT):
        for chat in chats:
            fake.push_text(chat, TURN_TEXTS[index % len(TURN_TEXTS)])
    total = CONCURRENT_CHATS * SUSTAINED_PER_CHAT
    await asyncio.gather(
        *(fake.wait_for_messages(chat, before[chat] + SUSTAINED_PER_CHAT, timeout=600) for chat in chats)
    )
    return total, total / (time.monotonic() - started)


async def measure(fake: FakeBotApi, label: str) -> None:
    for chat in range(9_100_000, 9_100_005):  # warm-up: first messages load Rasa's lazy parts
        await turn(fake, chat, "你好", timeout=120)
    report(f"{label}: 1 chat, sequential turns", await single_chat(fake))
    report(f"{label}: {CONCURRENT_CHATS} concurrent chats", await concurrent_chats(fake, 9_200_000))
    total, rate = await sustained(fake, 9_300_000)
    print(f"  {label + ': sustained':<44} {total} messages in {total / rate:.1f} s = {rate:.1f} replies/s")


@contextmanager
def gateway(config: StackConfig, fake: FakeBotApi, root: Path, rasa_url: str) -> Iterator[None]:
    env = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": f"{fake.url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{fake.url}/file/bot",
        "WEBCHAT_ENABLED": "0",
        "RASA_URL": rasa_url,
        "GATEWAY_INBOX_PATH": str(root / f"inbox-{config.gateway_port}.sqlite3"),
    }
    process = start_service("gateway", config, root / "gateway.log", 60, extra_env=env)
    try:
        yield
    finally:
        stop_service(process)


class EchoRasa:
    """The echo stand-in (echo_rasa.py) in its own process, so it shares no interpreter with the
    fake Bot API server and the measuring loop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "citysteward.benchmarks.echo_rasa", str(self.port)], cwd=paths.REPO_ROOT
        )
        url = f"http://127.0.0.1:{self.port}"
        wait_until_ready(f"{url}/status", self.process, 30)
        return url

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            stop_service(self.process)


def main() -> None:
    base = config_from_env()
    with tempfile.TemporaryDirectory(prefix="citysteward-bench-gateway-") as tmp:
        root = Path(tmp)
        config = replace(
            base,
            rasa_port=free_port(),
            actions_port=free_port(),
            platform_port=free_port(),
            gateway_port=free_port(),
            rasa_tracker_db=root / "tracker.db",
        )
        stack_env = {
            "DATABASE_URL": f"sqlite:///{root / 'platform.sqlite3'}",
            "MEDIA_DIR": str(root / "media"),
            "ACTIONS_QUEUE_PATH": str(root / "pending.sqlite3"),
        }
        print("Gateway benchmark (starting Rasa, actions, platform and gateway; Rasa loads in ~90 s)")
        processes = [
            start_service("platform", config, root / "platform.log", 60, extra_env=stack_env),
            start_service("actions", config, root / "actions.log", extra_env=stack_env),
            start_service("rasa", config, root / "rasa.log", 240),
        ]
        fake = fake_bot_api().start()
        try:
            with gateway(config, fake, root, config.rasa_url):
                asyncio.run(measure(fake, "with Rasa"))
            echo_config = replace(config, gateway_port=free_port())
            with EchoRasa() as echo_url, gateway(echo_config, fake, root, echo_url):
                asyncio.run(measure(fake, "echo server as Rasa"))
        finally:
            fake.stop()
            for process in reversed(processes):
                stop_service(process)
