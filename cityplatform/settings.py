"""Platform settings from the environment (pydantic-settings); embedded defaults under var/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from citysteward import paths
from citysteward.tokens import token_kept_in


def token_file() -> Path:
    """Where the internal API token is kept when $PLATFORM_API_TOKEN is not set."""
    return paths.VAR_DIR / "platform-api-token"


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(default_factory=lambda: f"sqlite:///{paths.VAR_DIR / 'platform.sqlite3'}")
    media_dir: Path = Field(default_factory=lambda: paths.VAR_DIR / "media")
    platform_api_token: str = ""
    # Comma-separated keys accepted for Open311 POST requests.
    open311_api_keys: str = ""
    # The city: its geography (knowledge/geo/<city>.geojson) and the prefix of case codes.
    city: str = "jiangmen"
    case_code_prefix: str = "JM"
    timezone: str = "Asia/Shanghai"
    duplicate_radius_m: float = 50.0
    max_photo_bytes: int = 10 * 1024 * 1024
    # Comma-separated channels whose residents get case updates through the outbox; other channels
    # (`rest`: tests and curl) have no chat to deliver to.
    notify_channels: str = "telegram,web"
    # Embedded default: bring the schema up to date at start-up. Production runs
    # `citysteward platform migrate` from the deploy step and sets this to false.
    auto_migrate: bool = True
    # The volunteer desk (cityplatform/desk): how often the sweep job runs (0: never, e.g. when
    # another process runs it), when an unanswered question goes to every volunteer, and when the
    # resident gets the bot's best guess instead.
    desk_sweep_seconds: float = Field(default=60.0, ge=0)
    desk_escalate_minutes: float = Field(default=10.0, gt=0)
    desk_answer_minutes: float = Field(default=120.0, gt=0)

    def api_token(self) -> str:
        return self.platform_api_token or token_kept_in(token_file())

    def notified_channels(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.notify_channels.split(",") if name.strip())

    def open311_keys(self) -> frozenset[str]:
        return frozenset(key.strip() for key in self.open311_api_keys.split(",") if key.strip())


@lru_cache(maxsize=1)
def settings_from_env() -> PlatformSettings:
    return PlatformSettings()
