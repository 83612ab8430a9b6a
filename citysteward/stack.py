"""The processes of the stack: how each is started, where it listens, and `citysteward run`.

`make run` calls `citysteward run`, which prints the addresses and hands over to honcho (the
Procfile). Each Procfile line is `citysteward serve NAME`, so the command lines live here only;
tests and `make eval` start the same services on free ports through `start_service`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx

from cityplatform.settings import token_file as platform_token_file
from citysteward import paths
from citysteward.nlu.model import ensure_model
from citysteward.tokens import token_kept_in

LOOPBACK = "127.0.0.1"
SERVICES = ("rasa", "actions", "platform", "gateway")


@dataclass(frozen=True)
class StackConfig:
    rasa_port: int
    actions_port: int
    platform_port: int
    rasa_auth_token: str
    platform_api_token: str
    rasa_tracker_db: Path
    # The gateway (Telegram adapter, web chat, /health); tests give it a free port like the others.
    gateway_port: int = 8080

    @property
    def rasa_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{LOOPBACK}:{self.actions_port}"

    @property
    def platform_url(self) -> str:
        return f"http://{LOOPBACK}:{self.platform_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{LOOPBACK}:{self.gateway_port}"

    def environment(self) -> dict[str, str]:
        """The variables every process of the stack (and endpoints.yml) reads."""
        return {
            "RASA_PORT": str(self.rasa_port),
            "ACTIONS_PORT": str(self.actions_port),
            "PLATFORM_PORT": str(self.platform_port),
            "GATEWAY_PORT": str(self.gateway_port),
            "RASA_AUTH_TOKEN": self.rasa_auth_token,
            "PLATFORM_URL": self.platform_url,
            "PLATFORM_API_TOKEN": self.platform_api_token,
            "RASA_URL": self.rasa_url,
            "ACTION_ENDPOINT_URL": f"{self.actions_url}/webhook",
            "RASA_TRACKER_DB": str(self.rasa_tracker_db),
            # The action server (Sanic) binds here; actions are not authenticated.
            "SANIC_HOST": LOOPBACK,
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }


def token_file() -> Path:
    """Where the Rasa HTTP API token is kept when $RASA_AUTH_TOKEN is not set."""
    return paths.VAR_DIR / "rasa-auth-token"


def config_from_env(environ: dict[str, str] | None = None) -> StackConfig:
    env = os.environ if environ is None else environ
    return StackConfig(
        rasa_port=int(env.get("RASA_PORT", "5005")),
        actions_port=int(env.get("ACTIONS_PORT", "5055")),
        platform_port=int(env.get("PLATFORM_PORT", "8000")),
        rasa_auth_token=env.get("RASA_AUTH_TOKEN") or token_kept_in(token_file()),
        platform_api_token=env.get("PLATFORM_API_TOKEN") or token_kept_in(platform_token_file()),
        rasa_tracker_db=Path(env.get("RASA_TRACKER_DB", paths.VAR_DIR / "rasa-tracker.db")),
        gateway_port=int(env.get("GATEWAY_PORT", "8080")),
    )


def service_command(name: str, config: StackConfig, model: Path | None = None) -> list[str]:
    rasa = str(paths.RASA_BIN)
    if name == "rasa":
        return [
            rasa, "run",
            "--enable-api", "--auth-token", config.rasa_auth_token,
            "--interface", LOOPBACK, "--port", str(config.rasa_port),
            "--model", str(model or ensure_model()),
            "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        ]  # fmt: skip
    if name == "actions":
        return [rasa, "run", "actions", "--port", str(config.actions_port), "--actions", "actions"]
    if name == "platform":
        return [
            sys.executable, "-m", "uvicorn", "cityplatform.api.app:create_app", "--factory",
            "--host", LOOPBACK, "--port", str(config.platform_port), "--no-access-log",
        ]  # fmt: skip
    if name == "gateway":
        return [sys.executable, "-m", "bot.service"]
    raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")


# Where the other services are: set explicitly (a deployment with Rasa or the platform on another
# host), they win over the loopback URLs derived from the ports.
EXPLICIT_URLS = ("RASA_URL", "PLATFORM_URL", "ACTION_ENDPOINT_URL")


def service_environment(config: StackConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """A service's environment: the caller's, the stack's variables, then explicitly set URLs."""
    explicit = {key: environ[key] for key in EXPLICIT_URLS if environ.get(key)}
    return {**environ, **config.environment(), **explicit}


def serve(name: str, model: Path | None = None, port: int | None = None) -> NoReturn:
    """Replace this process with the service, so signals reach it directly."""
    if port is not None:
        os.environ[f"{name.upper()}_PORT"] = str(port)
    config = config_from_env()
    command = service_command(name, config, model)
    env = service_environment(config, os.environ)
    config.rasa_tracker_db.parent.mkdir(parents=True, exist_ok=True)
    os.chdir(paths.REPO_ROOT)
    os.execvpe(command[0], command, env)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def run() -> NoReturn:
    """`citysteward run`: check ports, print the addresses, start every process with honcho."""
    config = config_from_env()
    busy = [
        f"{var}={port}"
        for var, port in (
            ("RASA_PORT", config.rasa_port),
            ("ACTIONS_PORT", config.actions_port),
            ("PLATFORM_PORT", config.platform_port),
            ("GATEWAY_PORT", config.gateway_port),
        )
        if not port_is_free(port)
    ]
    if busy:
        sys.exit(
            f"Port(s) already in use: {', '.join(busy)}. Stop what uses them or choose others, "
            "e.g. RASA_PORT=5006 make run."
        )
    model = ensure_model()
    shown_model = model.relative_to(paths.REPO_ROOT) if model.is_relative_to(paths.REPO_ROOT) else model
    print(
        "citysteward is starting (Ctrl-C stops everything):\n"
        f"  Rasa REST channel  {config.rasa_url}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API      {config.rasa_url}  (token: var/rasa-auth-token or $RASA_AUTH_TOKEN)\n"
        f"  Action server      {config.actions_url}/health\n"
        f"  Platform API       {config.platform_url}/docs  (token: var/platform-api-token)\n"
        f"  Open311            {config.platform_url}/open311/v2/services.json\n"
        f"  Model              {shown_model}\n"
        f"  {talk_to_the_bot(config)}\n",
        flush=True,
    )
    honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
    env = {**os.environ, **config.environment()}
    os.chdir(paths.REPO_ROOT)
    os.execvpe(honcho, [honcho, "--procfile", "Procfile", "start"], env)


def talk_to_the_bot(config: StackConfig) -> str:
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        mode = "webhook" if os.environ.get("TELEGRAM_WEBHOOK_URL") else "long polling"
        return f"Telegram bot       on ({mode}); gateway health {config.gateway_url}/health"
    return (
        f"Web chat           {config.gateway_url}/  (open it in a browser; "
        "or .venv/bin/citysteward chat in a terminal)"
    )


def wait_until_ready(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Poll url until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def health_url(name: str, config: StackConfig) -> str:
    if name == "rasa":
        return f"{config.rasa_url}/status?token={config.rasa_auth_token}"
    if name == "platform":
        return f"{config.platform_url}/healthz"
    if name == "gateway":
        return f"{config.gateway_url}/health"
    return f"{config.actions_url}/health"


def start_service(
    name: str,
    config: StackConfig,
    log_path: Path,
    timeout: float = 180.0,
    model: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `citysteward serve NAME` with the config's environment and wait until it is ready."""
    citysteward = str(Path(sys.executable).parent / "citysteward")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    model_args = ["--model", str(model)] if model else []
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [citysteward, "serve", name, *model_args],
            env={**os.environ, **config.environment(), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=paths.REPO_ROOT,
        )
    try:
        wait_until_ready(health_url(name, config), process, timeout)
    except (RuntimeError, TimeoutError) as error:
        stop_service(process)
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        raise RuntimeError(f"{name}: {error}; last lines of {log_path}:\n" + "\n".join(tail)) from error
    except BaseException:
        stop_service(process)
        raise
    return process


def stop_service(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
