"""Fixtures of the relay core's tests: a fake Rasa, a recording channel and gateways over both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.gateway import Gateway
from bot.inbox import Inbox
from bot.relay import RasaRelay
from tests.unit.gateway.fake_rasa import FakeRasa
from tests.unit.gateway.recording import MakeGateway, RecordingChannel


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
async def make_gateway(
    rasa: FakeRasa, channel: RecordingChannel, tmp_path: Path
) -> AsyncIterator[MakeGateway]:
    made: list[tuple[Gateway, RasaRelay, Inbox]] = []

    async def make(
        *,
        busy_after: float = 0.3,
        timeout: float = 5.0,
        max_text_chars: int = 5000,
        to: RecordingChannel | None = None,
        start: bool = False,
        actions_health_url: str | None = None,
    ) -> Gateway:
        relay = RasaRelay(
            rasa.url, timeout=timeout, auth_token=rasa.token, actions_health_url=actions_health_url
        )
        inbox = Inbox(tmp_path / "inbox.sqlite3")
        gateway = Gateway(
            relay, inbox, busy_after=busy_after, replay_every=0.05, max_text_chars=max_text_chars
        )
        gateway.register(to or channel)
        made.append((gateway, relay, inbox))
        if start:
            await gateway.start()
        return gateway

    yield make
    for gateway, relay, inbox in made:
        await gateway.stop()
        await relay.aclose()
        inbox.close()
