"""A real Rasa server, action server and platform, started on free ports for the whole session."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from citysteward import paths
from citysteward.stack import StackConfig, free_port, start_service, stop_service


@pytest.fixture(scope="session")
def stack_config(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    return StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        platform_port=free_port(),
        rasa_auth_token="integration-token",
        platform_api_token="integration-platform-token",
        rasa_tracker_db=tmp_path_factory.mktemp("rasa") / "tracker.db",
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


@pytest.fixture(scope="session")
def rasa_server(
    stack_config: StackConfig, action_server: subprocess.Popen[bytes], log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service("rasa", stack_config, log_dir / "rasa.log", timeout=240)
    yield process
    stop_service(process)
