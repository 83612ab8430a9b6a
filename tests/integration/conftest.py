"""A real Rasa server, action server and platform, started on free ports for the whole session."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from citysteward import paths
from citysteward.stack import StackConfig, free_port, start_service, stop_service
from tests.gateway.fake_bot_api import FakeBotApi


@pytest.fixture(scope="session")
def stack_config(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    return StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        platform_port=free_port(),
        rasa_auth_token="integration-token",
        platform_api_token="integration-platform-token",
        rasa_tracker_db=tmp_path_factory.mktemp("rasa") / "tracker.db",
        gateway_port=free_port(),
    )


@pytest.fixture(scope="session")
def log_dir() -> Path:
    directory = paths.VAR_DIR / "logs" / "tests"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def service_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Where this session's platform database, photos and the actions' pending queue live."""
    root = tmp_path_factory.mktemp("stack")
    return {
        "DATABASE_URL": f"sqlite:///{root / 'platform.sqlite3'}",
        "MEDIA_DIR": str(root / "media"),
        "ACTIONS_QUEUE_PATH": str(root / "pending-reports.sqlite3"),
        # Retry queued reports quickly, so the outage test does not wait half a minute.
        "ACTIONS_RETRY_SECONDS": "1",
    }


class PlatformProcess:
    """The session's platform; the outage test stops it and starts it again (same port, same database)."""

    def __init__(self, config: StackConfig, env: dict[str, str], log: Path) -> None:
        self.config, self.env, self.log = config, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_service("platform", self.config, self.log, 60, extra_env=self.env)

    def stop(self) -> None:
        if self.process is not None:
            stop_service(self.process)
            self.process = None


@pytest.fixture(scope="session")
def platform(
    stack_config: StackConfig, service_env: dict[str, str], log_dir: Path
) -> Iterator[PlatformProcess]:
    handle = PlatformProcess(stack_config, service_env, log_dir / "platform.log")
    handle.start()
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def action_server(
    stack_config: StackConfig, service_env: dict[str, str], log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service("actions", stack_config, log_dir / "actions.log", extra_env=service_env)
    yield process
    stop_service(process)


def chosen_model() -> Path | None:
    """`INTEGRATION_MODEL`: a trained model to serve (e.g. one trained into a temporary folder while
    models/ holds an older one); unset, the newest in models/."""
    chosen = os.environ.get("INTEGRATION_MODEL", "").strip()
    return Path(chosen) if chosen else None


class RasaProcess:
    """The session's Rasa server; the gateway outage test stops it and starts it again (same port,
    same tracker store, so conversations go on where they were)."""

    def __init__(self, config: StackConfig, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_service("rasa", self.config, self.log, timeout=480, model=chosen_model())

    def stop(self) -> None:
        if self.process is not None:
            stop_service(self.process)
            self.process = None


@pytest.fixture(scope="session")
def rasa(
    stack_config: StackConfig, action_server: subprocess.Popen[bytes], log_dir: Path
) -> Iterator[RasaProcess]:
    handle = RasaProcess(stack_config, log_dir / "rasa.log")
    handle.start()
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def rasa_server(rasa: RasaProcess) -> subprocess.Popen[bytes]:
    """The running Rasa process (tests that only need Rasa up use this)."""
    assert rasa.process is not None
    return rasa.process


class GatewayProcess:
    """`citysteward serve gateway` with its Telegram adapter pointed at our fake Bot API."""

    def __init__(self, config: StackConfig, env: dict[str, str], log: Path) -> None:
        self.config, self.env, self.log = config, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_service("gateway", self.config, self.log, 60, extra_env=self.env)

    def stop(self) -> None:
        if self.process is not None:
            stop_service(self.process)
            self.process = None


def telegram_gateway_env(
    fake: FakeBotApi, service_env: dict[str, str], inbox: Path, **overrides: str
) -> dict[str, str]:
    """The gateway's environment for Telegram through `fake` (web chat off, quick replays)."""
    return {
        **service_env,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": f"{fake.url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{fake.url}/file/bot",
        "TELEGRAM_WEBHOOK_URL": "",
        "GATEWAY_INBOX_PATH": str(inbox),
        # Rasa down answers at once (connection refused); a slow turn on a loaded machine is not
        # an outage, so the busy notice for slowness comes late here.
        "GATEWAY_BUSY_AFTER_SECONDS": "30",
        "GATEWAY_REPLAY_SECONDS": "0.5",
        "OUTBOX_POLL_SECONDS": "0.5",
        "WEBCHAT_ENABLED": "0",
        **overrides,
    }


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeBotApi]:
    """A fake Telegram Bot API server for one test module."""
    with FakeBotApi() as fake:
        yield fake


@pytest.fixture(scope="module")
def telegram_gateway(
    stack_config: StackConfig,
    platform: PlatformProcess,
    rasa_server: subprocess.Popen[bytes],
    service_env: dict[str, str],
    log_dir: Path,
    fake_telegram: FakeBotApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GatewayProcess]:
    """A gateway polling `fake_telegram`, relaying to the session's Rasa and platform."""
    config = dataclasses.replace(stack_config, gateway_port=free_port())
    inbox = tmp_path_factory.mktemp("telegram-gateway") / "inbox.sqlite3"
    env = telegram_gateway_env(fake_telegram, service_env, inbox)
    handle = GatewayProcess(config, env, log_dir / "gateway-telegram.log")
    handle.start()
    yield handle
    handle.stop()
