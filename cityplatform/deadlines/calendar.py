"""The working calendar: which days are working days, which hours are working hours, and
adding durations on natural or working time.

Pure Python (zoneinfo, PyYAML); no framework. Every datetime going in must be timezone-aware;
every datetime coming out is in the calendar's zone (Asia/Shanghai for knowledge/calendar/cn.yml).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from knowledge import DATA_DIR
from knowledge.taxonomy import Duration

logger = logging.getLogger(__name__)

DEFAULT_CALENDAR = DATA_DIR / "calendar" / "cn.yml"
# No real calendar has a gap this long without working time; the bound turns a calendar
# without any working day into an error instead of an endless loop.
_SEARCH_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar file is invalid, or no working time follows a moment."""


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name == "Asia/Shanghai":  # no tz database (e.g. Windows without tzdata): China has no DST
            return timezone(timedelta(hours=8), name)
        raise CalendarError(f"unknown time zone {name!r}") from None


class WorkingCalendar:
    """Working days (Monday–Friday, minus holidays, plus make-up days) and working hours."""

    def __init__(
        self,
        *,
        tz: tzinfo,
        periods: Sequence[tuple[time, time]],
        holidays: Mapping[date, str],
        workdays: Mapping[date, str],
        years: Iterable[int],
    ) -> None:
        if not periods:
            raise CalendarError("working_hours: at least one period is needed")
        ordered = sorted(periods)
        for start, end in ordered:
            if not start < end:
                raise CalendarError(f"working_hours: {start:%H:%M}–{end:%H:%M} ends before it starts")
        for (_, end), (next_start, _) in pairwise(ordered):
            if next_start < end:
                raise CalendarError("working_hours: periods overlap")
        both = sorted(set(holidays) & set(workdays))
        if both:
            raise CalendarError(f"days listed both as holiday and as make-up working day: {both}")
        self._tz = tz
        self._periods = tuple(ordered)
        self._holidays = dict(holidays)
        self._workdays = dict(workdays)
        self._years = frozenset(years)
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def periods(self) -> tuple[tuple[time, time], ...]:
        return self._periods

    @property
    def years(self) -> frozenset[int]:
        """The years whose official holiday arrangement the calendar knows."""
        return self._years

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self._local(day).date()
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        if day.year not in self._years:
            self._warn_once(day.year)
        return day.weekday() < 5

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of that day as aware datetimes; empty on days off."""
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, start, tzinfo=self._tz), datetime.combine(day, end, tzinfo=self._tz))
            for start, end in self._periods
        ]

    def is_working_time(self, moment: datetime) -> bool:
        local = self._local(moment)
        return any(start <= local < end for start, end in self.working_periods(local.date()))

    def next_working_time(self, moment: datetime) -> datetime:
        """`moment` itself when it is working time, else the start of the next working period."""
        local = self._local(moment)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            for start, end in self.working_periods(day):
                if local < end:
                    return max(start, local)
            day += timedelta(days=1)
        raise CalendarError(f"no working time within {_SEARCH_DAYS} days after {local.isoformat()}")

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The moment `duration` after `start`, on the duration's clock.

        - minutes / hours: natural time, 24/7;
        - working_hours: only working time counts (nights, lunch, weekends and holidays do not;
          make-up days do); a deadline that falls on the end of a period stays there;
        - working_days: the same clock time N working days later; a start outside working time
          counts from the next working period's start.
        """
        local = self._local(start)
        if duration.unit in ("minutes", "hours"):
            delta = timedelta(minutes=duration.amount if duration.unit == "minutes" else 60 * duration.amount)
            return (local.astimezone(timezone.utc) + delta).astimezone(self._tz)
        if duration.unit == "working_hours":
            return self._add_working_time(local, timedelta(hours=duration.amount))
        if duration.unit == "working_days":
            return self._add_working_days(local, duration.amount)
        raise CalendarError(f"unknown duration unit {duration.unit!r}")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (negative when `end` is earlier)."""
        first, last = self._local(start), self._local(end)
        if last < first:
            return -self.working_time_between(end, start)
        total = timedelta()
        day = first.date()
        while day <= last.date():
            for period_start, period_end in self.working_periods(day):
                overlap = min(period_end, last) - max(period_start, first)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total

    def _add_working_time(self, local: datetime, remaining: timedelta) -> datetime:
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            for period_start, period_end in self.working_periods(day):
                if period_end <= local:
                    continue
                begin = max(period_start, local)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise CalendarError(f"no working time within {_SEARCH_DAYS} days after {local.isoformat()}")

    def _add_working_days(self, local: datetime, count: int) -> datetime:
        begin = self.next_working_time(local)
        day, clock = begin.date(), begin.timetz().replace(tzinfo=None)
        for _ in range(_SEARCH_DAYS):
            if count == 0:
                return datetime.combine(day, clock, tzinfo=self._tz)
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        raise CalendarError(f"no working days within {_SEARCH_DAYS} days after {local.isoformat()}")

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware datetime")
        return moment.astimezone(self._tz)

    def _warn_once(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        logger.warning(
            "working calendar has no holiday arrangement for %d: counting Monday–Friday only "
            "(add the year to knowledge/calendar/cn.yml once the State Council publishes it)",
            year,
        )


def _day(value: Any, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _clock(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f'{where}: {value!r} is not a clock time ("HH:MM", quoted)') from None


def parse_calendar(data: Mapping[str, Any]) -> WorkingCalendar:
    """A calendar from the content of a calendar file (see knowledge/calendar/cn.yml)."""
    periods_raw = data.get("working_hours")
    if not isinstance(periods_raw, list):
        raise CalendarError('working_hours: expected a list of ["HH:MM", "HH:MM"] pairs')
    periods: list[tuple[time, time]] = []
    for index, pair in enumerate(periods_raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise CalendarError(f'working_hours[{index}]: expected ["HH:MM", "HH:MM"]')
        where = f"working_hours[{index}]"
        periods.append((_clock(pair[0], where), _clock(pair[1], where)))

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years_raw = data.get("years") or {}
    if not isinstance(years_raw, Mapping):
        raise CalendarError("years: expected a mapping year -> {holidays, workdays}")
    for year, arrangement in years_raw.items():
        where = f"years.{year}"
        if not isinstance(year, int) or not isinstance(arrangement, Mapping):
            raise CalendarError(f"{where}: expected a year number mapped to {{holidays, workdays}}")
        for index, holiday in enumerate(arrangement.get("holidays") or []):
            spot = f"{where}.holidays[{index}]"
            if not isinstance(holiday, Mapping) or not {"name", "from", "to"} <= set(holiday):
                raise CalendarError(f"{spot}: expected {{name, from, to}}")
            first, last = _day(holiday["from"], spot), _day(holiday["to"], spot)
            if last < first or (last - first).days > 31:
                raise CalendarError(f"{spot}: {first} to {last} is not a holiday period")
            day = first
            while day <= last:
                holidays[day] = str(holiday["name"])
                day += timedelta(days=1)
        for index, workday in enumerate(arrangement.get("workdays") or []):
            spot = f"{where}.workdays[{index}]"
            if not isinstance(workday, Mapping) or "date" not in workday:
                raise CalendarError(f"{spot}: expected {{date, for}}")
            day = _day(workday["date"], spot)
            if day.weekday() < 5:
                raise CalendarError(f"{spot}: {day} is a weekday; make-up working days fall on weekends")
            workdays[day] = str(workday.get("for", ""))
    return WorkingCalendar(
        tz=_zone(str(data.get("timezone", "Asia/Shanghai"))),
        periods=periods,
        holidays=holidays,
        workdays=workdays,
        years=[year for year in years_raw if isinstance(year, int)],
    )


@lru_cache(maxsize=8)
def _load(path: Path) -> WorkingCalendar:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, Mapping):
        raise CalendarError(f"{path}: expected a mapping at the top level")
    try:
        return parse_calendar(data)
    except CalendarError as error:
        raise CalendarError(f"{path}: {error}") from None


def load_calendar(path: str | Path | None = None) -> WorkingCalendar:
    """The calendar of `path` (default knowledge/calendar/cn.yml), read once per path."""
    return _load(Path(path or DEFAULT_CALENDAR).resolve())
