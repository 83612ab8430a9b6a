"""What case operations work with: a session, the city, the calendar, the clock, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityplatform.db.models import Resident
from cityplatform.deadlines import WorkingCalendar
from cityplatform.geo import CityMap
from cityplatform.settings import PlatformSettings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CaseContext:
    session: Session
    settings: PlatformSettings
    city: CityMap
    calendar: WorkingCalendar
    clock: Clock = utc_now

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def now(self) -> datetime:
        return self.clock()

    def find_resident(self, channel: str, user_id: str) -> Resident | None:
        return self.session.scalar(
            select(Resident).where(Resident.channel == channel, Resident.user_id == user_id)
        )
