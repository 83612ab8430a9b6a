"""Gateway settings from the environment (pydantic-settings); embedded defaults under var/.

Every field is read from the environment variable of the same name in capitals
(`rasa_url` ← RASA_URL). Tokens that are not set come from files under var/ (mode 600), created
with a random value the first time, so no API is ever called or served without one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityplatform.settings import token_file as platform_token_file
from citysteward import paths
from citysteward.stack import token_file as rasa_token_file
from citysteward.tokens import token_kept_in


def webhook_secret_file() -> Path:
    """Where the Telegram webhook secret is kept when $TELEGRAM_WEBHOOK_SECRET is not set."""
    return paths.VAR_DIR / "telegram-webhook-secret"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, case_sensitive=False)

    # Telegram
    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443

    # Rasa
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: str = Field(default_factory=lambda: token_kept_in(rasa_token_file()))
    rasa_timeout_seconds: float = 60.0
    # Rasa's SQL tracker store, for erasing conversations (/delete_me): the same variables as
    # endpoints.yml (SQLite file) and deploy/endpoints.production.yml (PostgreSQL), or a full URL.
    rasa_tracker_store_url: str | None = None
    rasa_tracker_db: Path = Field(default_factory=lambda: paths.VAR_DIR / "rasa-tracker.db")
    rasa_tracker_db_host: str | None = None
    rasa_tracker_db_port: int = 5432
    rasa_tracker_db_name: str = "rasa"
    rasa_tracker_db_user: str | None = None
    rasa_tracker_db_password: str | None = None
    # The action server's webhook (endpoints.yml's `action_endpoint`; the stack exports it): before
    # relaying, the gateway asks its /health, because Rasa answers 200 when an action failed.
    action_endpoint_url: str | None = None

    # Platform
    platform_url: str = "http://127.0.0.1:8000"
    platform_api_token: str = Field(default_factory=lambda: token_kept_in(platform_token_file()))

    # The gateway's own HTTP server and web chat
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    webchat_enabled: bool | None = None

    # Relay core
    gateway_inbox_path: Path = Field(default_factory=lambda: paths.VAR_DIR / "gateway-inbox.sqlite3")
    gateway_busy_after_seconds: float = 8.0
    gateway_replay_seconds: float = 2.0
    gateway_max_text_chars: int = 5000
    max_photo_bytes: int = 10 * 1024 * 1024

    # Outbound messages
    outbox_poll_seconds: float = 2.0
    rate_overall_per_second: int = 30
    rate_private_per_second: int = 1
    rate_group_per_minute: int = 20

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "rasa_tracker_store_url",
        "rasa_tracker_db_host",
        "action_endpoint_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rasa_auth_token", mode="before")
    @classmethod
    def _blank_rasa_token(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return token_kept_in(rasa_token_file())
        return value

    @field_validator("platform_api_token", mode="before")
    @classmethod
    def _blank_platform_token(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return token_kept_in(platform_token_file())
        return value

    @field_validator("webchat_enabled", mode="before")
    @classmethod
    def _blank_webchat(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def telegram_on(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def webchat_on(self) -> bool:
        """The web chat runs when asked to, and by default exactly when Telegram does not."""
        if self.webchat_enabled is None:
            return not self.telegram_on
        return self.webchat_enabled

    @property
    def telegram_webhook_on(self) -> bool:
        return self.telegram_on and self.telegram_webhook_url is not None

    def tracker_store_url(self) -> str:
        """SQLAlchemy URL of Rasa's tracker store (PostgreSQL when RASA_TRACKER_DB_HOST is set)."""
        if self.rasa_tracker_store_url:
            return self.rasa_tracker_store_url
        if self.rasa_tracker_db_host:
            if "://" in self.rasa_tracker_db_host:
                return self.rasa_tracker_db_host
            url = sa.URL.create(
                "postgresql+psycopg",
                username=self.rasa_tracker_db_user,
                password=self.rasa_tracker_db_password,
                host=self.rasa_tracker_db_host,
                port=self.rasa_tracker_db_port,
                database=self.rasa_tracker_db_name,
            )
            return url.render_as_string(hide_password=False)
        return f"sqlite:///{self.rasa_tracker_db}"

    def actions_health_url(self) -> str | None:
        """The action server's /health (ACTION_ENDPOINT_URL with /webhook replaced); None: no check."""
        if self.action_endpoint_url is None:
            return None
        base = self.action_endpoint_url.strip().rstrip("/")
        base = base.removesuffix("/webhook")
        return f"{base}/health"

    def webhook_secret(self) -> str:
        """The secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (A-Z a-z 0-9 _ -)."""
        return self.telegram_webhook_secret or token_kept_in(webhook_secret_file())


@lru_cache(maxsize=1)
def settings_from_env() -> GatewaySettings:
    return GatewaySettings()
