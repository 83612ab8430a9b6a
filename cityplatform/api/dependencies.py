"""Per-request wiring: the platform's shared objects, a session-scoped CaseContext, the token check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cityplatform.cases.context import CaseContext, Clock
from cityplatform.deadlines import WorkingCalendar
from cityplatform.errors import Invalid, PlatformError
from cityplatform.geo import CityMap
from cityplatform.media.store import LocalMediaStore
from cityplatform.settings import PlatformSettings


@dataclass
class Platform:
    settings: PlatformSettings
    engine: Engine
    sessions: sessionmaker[Session]
    city: CityMap
    calendar: WorkingCalendar
    media: LocalMediaStore
    clock: Clock
    api_token: str


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def case_context(platform: Annotated[Platform, Depends(platform_of)]) -> Iterator[CaseContext]:
    with platform.sessions() as session:
        yield CaseContext(session, platform.settings, platform.city, platform.calendar, platform.clock)


bearer = HTTPBearer(auto_error=False, description="PLATFORM_API_TOKEN")


def require_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    platform: Annotated[Platform, Depends(platform_of)],
) -> None:
    if credentials is None or not secrets.compare_digest(credentials.credentials, platform.api_token):
        raise PlatformError("unauthorized", "缺少或错误的访问令牌（Authorization: Bearer …）。", 401)


def statuses_param(raw: str | None, allowed: Sequence[str]) -> list[str]:
    """A comma-separated `status` query parameter; an unknown status is refused, naming the known ones."""
    statuses = [s.strip() for s in (raw or "").split(",") if s.strip()]
    unknown = [s for s in statuses if s not in allowed]
    if unknown:
        raise Invalid("unknown_status", f"没有「{'、'.join(unknown)}」这种状态，可用：{'、'.join(allowed)}。")
    return statuses
