"""Request bodies of the internal API (responses are documented in docs/platform-api.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field


class ReporterIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    user_id: str = Field(min_length=1, max_length=100)
    chat_id: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    community: str | None = Field(default=None, max_length=100)


class CaseIn(BaseModel):
    category: str = Field(min_length=1, max_length=40)
    description: str = Field(max_length=5000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)
    photo_ids: list[str] = Field(default_factory=list, max_length=9)
    reporter: ReporterIn | None = None
    source: str = Field(default="api", max_length=20)
    # True when the report waited in the bot's queue during an outage: the reporter is told the
    # code through the outbox.
    notify_reporter: bool = False


class TransitionIn(BaseModel):
    action: str = Field(min_length=1, max_length=20)
    actor: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=2000)
    unit: str | None = Field(default=None, max_length=64)
    photo_ids: list[str] = Field(default_factory=list, max_length=9)


class AssignIn(BaseModel):
    unit: str = Field(min_length=1, max_length=64)
    actor: str = Field(min_length=1, max_length=100)


class RatingIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    user_id: str = Field(min_length=1, max_length=100)
    rating: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    comment: str | None = Field(default=None, max_length=1000)


class PhotosIn(BaseModel):
    photo_ids: list[str] = Field(min_length=1, max_length=9)
    channel: str | None = Field(default=None, max_length=20)
    user_id: str | None = Field(default=None, max_length=100)


class ResidentIn(BaseModel):
    """Fields to change; absent or null leaves a field as it is, "" clears it."""

    chat_id: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=100)
    language: str | None = Field(
        default=None, max_length=35, pattern=r"^([A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*)?$"
    )
    community: str | None = Field(default=None, max_length=100)


class TipsIn(BaseModel):
    enabled: bool
    time: str | None = Field(default=None, max_length=20, description='"HH:MM", local time; default 08:00')


class ButtonIn(BaseModel):
    title: str = Field(min_length=1, max_length=64)
    payload: str = Field(min_length=1, max_length=1000)


class OutboxIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    chat_id: str = Field(min_length=1, max_length=100)
    chat_type: Literal["private", "group", "supergroup", "channel", "web"] = "private"
    text: str = Field(min_length=1, max_length=4096)
    buttons: list[ButtonIn] = Field(default_factory=list, max_length=12)
    kind: str = Field(default="notice", min_length=1, max_length=20)
    dedupe_key: str | None = Field(default=None, min_length=1, max_length=200)
    not_before: AwareDatetime | None = None


class ClaimIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    limit: int = Field(default=50, ge=1, le=500)
    lease_seconds: int = Field(default=60, ge=1, le=3600)


class RetryIn(BaseModel):
    after_seconds: float = Field(ge=0, le=7 * 24 * 3600)
    error: str = Field(default="", max_length=1000)


class FailedIn(BaseModel):
    error: str = Field(default="", max_length=1000)
