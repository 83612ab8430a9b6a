"""A real Rasa server and a real action server, started on free ports for the whole module."""

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
        rasa_auth_token="integration-token",
        rasa_tracker_db=tmp_path_factory.mktemp("rasa") / "tracker.db",
    )


@pytest.fixture(scope="session")
def log_dir() -> Path:
    directory = paths.VAR_DIR / "logs" / "tests"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def action_server(stack_config: StackConfig, log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service("actions", stack_config, log_dir / "actions.log")
    yield process
    stop_service(process)


@pytest.fixture(scope="session")
def rasa_server(
    stack_config: StackConfig, action_server: subprocess.Popen[bytes], log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service("rasa", stack_config, log_dir / "rasa.log", timeout=240)
    yield process
    stop_service(process)
