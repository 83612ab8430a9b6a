"""Gateway settings: environment names, defaults, tokens kept under var/, which channels run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import GatewaySettings
from citysteward import paths

ENV_NAMES = [name.upper() for name in GatewaySettings.model_fields]


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment whose var/ is a temporary directory."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(paths, "VAR_DIR", tmp_path)
    return tmp_path


def test_defaults(var_dir: Path) -> None:
    settings = GatewaySettings()

    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.telegram_base_file_url == "https://api.telegram.org/file/bot"
    assert (settings.telegram_webhook_listen, settings.telegram_webhook_port) == ("127.0.0.1", 8443)
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.rasa_timeout_seconds == 60.0
    assert settings.action_endpoint_url is None
    assert settings.actions_health_url() is None  # no action server check
    assert settings.platform_url == "http://127.0.0.1:8000"
    assert (settings.gateway_host, settings.gateway_port) == ("127.0.0.1", 8080)
    assert settings.gateway_inbox_path == var_dir / "gateway-inbox.sqlite3"
    assert (settings.gateway_busy_after_seconds, settings.gateway_replay_seconds) == (8.0, 2.0)
    assert settings.gateway_max_text_chars == 5000
    assert settings.max_photo_bytes == 10 * 1024 * 1024
    assert settings.outbox_poll_seconds == 2.0
    assert (settings.rate_overall_per_second, settings.rate_private_per_second) == (30, 1)
    assert settings.rate_group_per_minute == 20


def test_every_setting_comes_from_its_environment_name(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9000/bot",
        "TELEGRAM_BASE_FILE_URL": "http://127.0.0.1:9000/file/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0",
        "TELEGRAM_WEBHOOK_PORT": "9443",
        "RASA_URL": "http://rasa:5005",
        "RASA_AUTH_TOKEN": "rasa-token",
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
        "PLATFORM_URL": "http://platform:8000",
        "PLATFORM_API_TOKEN": "platform-token",
        "GATEWAY_HOST": "0.0.0.0",
        "GATEWAY_PORT": "8081",
        "WEBCHAT_ENABLED": "true",
        "GATEWAY_INBOX_PATH": str(var_dir / "elsewhere.sqlite3"),
        "GATEWAY_BUSY_AFTER_SECONDS": "3.5",
        "GATEWAY_REPLAY_SECONDS": "0.5",
        "GATEWAY_MAX_TEXT_CHARS": "2000",
        "MAX_PHOTO_BYTES": "1048576",
        "OUTBOX_POLL_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)

    settings = GatewaySettings()

    assert settings.telegram_bot_token == "123:abc"
    assert settings.telegram_base_url == "http://127.0.0.1:9000/bot"
    assert settings.telegram_base_file_url == "http://127.0.0.1:9000/file/bot"
    assert settings.telegram_webhook_url == "https://bot.example.org/telegram"
    assert settings.webhook_secret() == "s3cret"
    assert (settings.telegram_webhook_listen, settings.telegram_webhook_port) == ("0.0.0.0", 9443)
    assert (settings.rasa_url, settings.rasa_auth_token) == ("http://rasa:5005", "rasa-token")
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert (settings.platform_url, settings.platform_api_token) == ("http://platform:8000", "platform-token")
    assert (settings.gateway_host, settings.gateway_port) == ("0.0.0.0", 8081)
    assert settings.webchat_on
    assert settings.telegram_webhook_on
    assert settings.gateway_inbox_path == var_dir / "elsewhere.sqlite3"
    assert (settings.gateway_busy_after_seconds, settings.gateway_replay_seconds) == (3.5, 0.5)
    assert (settings.gateway_max_text_chars, settings.max_photo_bytes) == (2000, 1048576)
    assert settings.outbox_poll_seconds == 1.0


def test_tokens_not_set_are_kept_in_var(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "")
    settings = GatewaySettings()

    assert settings.rasa_auth_token == (var_dir / "rasa-auth-token").read_text().strip()
    assert settings.platform_api_token == (var_dir / "platform-api-token").read_text().strip()
    assert settings.telegram_webhook_secret is None
    secret = settings.webhook_secret()
    assert secret == (var_dir / "telegram-webhook-secret").read_text().strip()
    assert len(secret) >= 32
    assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert GatewaySettings().webhook_secret() == secret  # the same on the next start
    assert (var_dir / "telegram-webhook-secret").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("telegram_token", "webchat", "expected"),
    [
        (None, None, True),  # no Telegram: the web chat is how to talk to the bot
        ("123:abc", None, False),
        ("123:abc", "true", True),
        (None, "false", False),
        ("", "", True),  # blank means unset
    ],
)
def test_webchat_runs_by_default_exactly_when_telegram_does_not(
    var_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    telegram_token: str | None,
    webchat: str | None,
    expected: bool,
) -> None:
    if telegram_token is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram_token)
    if webchat is not None:
        monkeypatch.setenv("WEBCHAT_ENABLED", webchat)
    assert GatewaySettings().webchat_on is expected


def test_webhook_needs_a_bot_token(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    settings = GatewaySettings()
    assert not settings.telegram_on
    assert not settings.telegram_webhook_on


def test_the_tracker_store_url_follows_rasas_endpoints(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RASA_TRACKER_DB", "RASA_TRACKER_DB_HOST", "RASA_TRACKER_DB_PORT", "RASA_TRACKER_DB_NAME"):
        monkeypatch.delenv(name, raising=False)
    assert GatewaySettings().tracker_store_url() == f"sqlite:///{var_dir / 'rasa-tracker.db'}"

    monkeypatch.setenv("RASA_TRACKER_DB", "/srv/rasa/tracker.db")
    assert GatewaySettings().tracker_store_url() == "sqlite:////srv/rasa/tracker.db"

    for name, value in {
        "RASA_TRACKER_DB_HOST": "db.internal",
        "RASA_TRACKER_DB_PORT": "5433",
        "RASA_TRACKER_DB_NAME": "rasa_tracker",
        "RASA_TRACKER_DB_USER": "rasa",
        "RASA_TRACKER_DB_PASSWORD": "p@ss",
    }.items():
        monkeypatch.setenv(name, value)
    assert (
        GatewaySettings().tracker_store_url()
        == "postgresql+psycopg://rasa:p%40ss@db.internal:5433/rasa_tracker"
    )

    monkeypatch.setenv("RASA_TRACKER_STORE_URL", "postgresql+psycopg://other/rasa")
    assert GatewaySettings().tracker_store_url() == "postgresql+psycopg://other/rasa"


@pytest.mark.parametrize(
    ("endpoint", "health"),
    [
        ("http://127.0.0.1:5055/webhook", "http://127.0.0.1:5055/health"),  # what the stack exports
        ("http://actions:5055/webhook/", "http://actions:5055/health"),
        ("https://bureau.example/actions/webhook", "https://bureau.example/actions/health"),
        ("http://actions:5055", "http://actions:5055/health"),
        ("", None),  # blank means unset: no check
    ],
)
def test_the_action_servers_health_comes_from_its_webhook(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str, health: str | None
) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", endpoint)
    assert GatewaySettings().actions_health_url() == health
