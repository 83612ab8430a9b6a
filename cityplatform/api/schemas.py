"""Request bodies of the internal API (responses are documented in docs/platform-api.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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
