"""The working calendar on China's 2026 arrangement (knowledge/calendar/cn.yml): working hours
08:30–12:00 and 14:30–17:30; 国庆 1–7 October 2026; make-up days Sunday 20 September and
Saturday 10 October 2026."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cityplatform.deadlines import (
    CalendarError,
    WorkingCalendar,
    load_calendar,
    parse_calendar,
    parse_duration,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar()


def add(cal: WorkingCalendar, start: datetime, duration: str) -> datetime:
    return cal.add(start, parse_duration(duration))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 10), True),  # Tuesday
        (date(2026, 3, 14), False),  # Saturday
        (date(2026, 3, 15), False),  # Sunday
        (date(2026, 10, 1), False),  # 国庆, Thursday
        (date(2026, 10, 7), False),  # 国庆, Wednesday
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),
        (date(2026, 9, 20), True),  # make-up Sunday
        (date(2026, 2, 14), True),  # make-up Saturday before 春节
        (date(2026, 2, 16), False),  # 除夕, Monday
        (date(2026, 1, 4), True),  # make-up Sunday after 元旦
        (date(2025, 10, 8), False),  # 2025 国庆/中秋
    ],
)
def test_working_days(cal: WorkingCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_the_calendar_is_cached_and_in_shanghai_time(cal: WorkingCalendar) -> None:
    assert load_calendar() is cal
    assert at(2026, 3, 10).utcoffset() == cal.add(at(2026, 3, 10), parse_duration("1 hours")).utcoffset()
    assert {2025, 2026} <= cal.years


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (at(2026, 3, 10, 9, 0), "2 working_hours", at(2026, 3, 10, 11, 0)),  # within the morning
        (at(2026, 3, 10, 10, 0), "2 working_hours", at(2026, 3, 10, 12, 0)),  # ends on the lunch break
        (at(2026, 3, 11, 11, 0), "2 working_hours", at(2026, 3, 11, 15, 30)),  # across lunch
        (at(2026, 3, 11, 12, 30), "1 working_hours", at(2026, 3, 11, 15, 30)),  # starts in lunch
        (at(2026, 3, 11, 7, 0), "1 working_hours", at(2026, 3, 11, 9, 30)),  # starts before work
        (at(2026, 3, 10, 17, 0), "2 working_hours", at(2026, 3, 11, 10, 0)),  # across the night
        (at(2026, 3, 10, 22, 0), "1 working_hours", at(2026, 3, 11, 9, 30)),  # starts at night
        (at(2026, 3, 13, 16, 0), "4 working_hours", at(2026, 3, 16, 11, 0)),  # across the weekend
        (at(2026, 3, 14, 10, 0), "1 working_hours", at(2026, 3, 16, 9, 30)),  # starts on Saturday
        (at(2026, 3, 10, 9, 0), "13 working_hours", at(2026, 3, 12, 9, 0)),  # two whole days
        (at(2026, 9, 30, 16, 30), "2 working_hours", at(2026, 10, 8, 9, 30)),  # across 国庆
        (at(2026, 10, 3, 10, 0), "1 working_hours", at(2026, 10, 8, 9, 30)),  # reported in 国庆
        (at(2026, 10, 9, 17, 0), "1 working_hours", at(2026, 10, 10, 9, 0)),  # onto make-up Saturday
        (at(2026, 9, 18, 17, 0), "1 working_hours", at(2026, 9, 20, 9, 0)),  # onto make-up Sunday
    ],
)
def test_working_hours(cal: WorkingCalendar, start: datetime, duration: str, expected: datetime) -> None:
    assert add(cal, start, duration) == expected


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (at(2026, 3, 10, 10, 0), "3 working_days", at(2026, 3, 13, 10, 0)),
        (at(2026, 3, 13, 10, 0), "1 working_days", at(2026, 3, 16, 10, 0)),  # over the weekend
        (at(2026, 3, 13, 20, 0), "1 working_days", at(2026, 3, 17, 8, 30)),  # from Monday's start
        (at(2026, 3, 11, 12, 15), "1 working_days", at(2026, 3, 12, 14, 30)),  # from the afternoon
        (at(2026, 9, 30, 10, 0), "2 working_days", at(2026, 10, 9, 10, 0)),  # over 国庆
        (at(2026, 10, 9, 10, 0), "1 working_days", at(2026, 10, 10, 10, 0)),  # make-up Saturday
        (at(2026, 2, 13, 10, 0), "2 working_days", at(2026, 2, 24, 10, 0)),  # make-up day, then 春节
    ],
)
def test_working_days_end_at_the_same_clock_time(
    cal: WorkingCalendar, start: datetime, duration: str, expected: datetime
) -> None:
    assert add(cal, start, duration) == expected


def test_natural_time_runs_at_3_am_on_a_sunday_and_on_holidays(cal: WorkingCalendar) -> None:
    sunday_3am = at(2026, 3, 15, 3, 0)
    assert add(cal, sunday_3am, "10 minutes") == at(2026, 3, 15, 3, 10)
    assert add(cal, sunday_3am, "2 hours") == at(2026, 3, 15, 5, 0)
    assert add(cal, at(2026, 10, 1, 23, 50), "30 minutes") == at(2026, 10, 2, 0, 20)


def test_results_are_in_shanghai_time_whatever_the_input_zone(cal: WorkingCalendar) -> None:
    utc_start = datetime(2026, 3, 14, 19, 0, tzinfo=timezone.utc)  # Sunday 03:00 in Shanghai
    result = add(cal, utc_start, "10 minutes")
    assert result == at(2026, 3, 15, 3, 10)
    assert result.tzinfo == SHANGHAI
    assert result.isoformat() == "2026-03-15T03:10:00+08:00"
    assert add(cal, utc_start, "1 working_hours").isoformat() == "2026-03-16T09:30:00+08:00"


def test_naive_datetimes_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        add(cal, datetime(2026, 3, 10, 9, 0), "1 working_hours")


def test_working_time_between(cal: WorkingCalendar) -> None:
    assert cal.working_time_between(at(2026, 3, 10, 17, 0), at(2026, 3, 11, 10, 0)) == timedelta(hours=2)
    assert cal.working_time_between(at(2026, 9, 30, 0, 0), at(2026, 10, 9, 0, 0)) == timedelta(hours=13)
    assert cal.working_time_between(at(2026, 3, 11, 10, 0), at(2026, 3, 10, 17, 0)) == -timedelta(hours=2)


def test_next_working_time(cal: WorkingCalendar) -> None:
    assert cal.next_working_time(at(2026, 3, 11, 10, 0)) == at(2026, 3, 11, 10, 0)
    assert cal.next_working_time(at(2026, 3, 11, 12, 0)) == at(2026, 3, 11, 14, 30)
    assert cal.next_working_time(at(2026, 9, 30, 17, 30)) == at(2026, 10, 8, 8, 30)
    assert cal.is_working_time(at(2026, 10, 10, 9, 0))
    assert not cal.is_working_time(at(2026, 10, 8, 13, 0))


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "working_hours": [["09:00", "17:00"]],
        "years": {
            2030: {
                "holidays": [{"name": "测试假期", "from": date(2030, 1, 1), "to": date(2030, 1, 2)}],
                "workdays": [{"date": "2030-01-05", "for": "测试假期"}],
            }
        },
    }
    data.update(changes)
    return data


def test_a_year_not_listed_falls_back_to_monday_to_friday_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cal = parse_calendar(_data())
    with caplog.at_level(logging.WARNING, logger="cityplatform.deadlines.calendar"):
        assert cal.is_working_day(date(2031, 1, 1))  # Wednesday; no arrangement known
        assert not cal.is_working_day(date(2031, 1, 4))  # Saturday
        assert cal.add(datetime(2031, 1, 3, 16, 0, tzinfo=SHANGHAI), parse_duration("2 working_hours")) == (
            datetime(2031, 1, 6, 10, 0, tzinfo=SHANGHAI)
        )
        assert not cal.is_working_day(date(2030, 1, 1))  # a listed year: no warning
    warnings = [record for record in caplog.records if "2031" in record.getMessage()]
    assert len(warnings) == 1
    assert not any("2030" in record.getMessage() for record in caplog.records)


def test_custom_working_hours_and_make_up_day() -> None:
    cal = parse_calendar(_data())
    start = datetime(2029, 12, 31, 16, 0, tzinfo=SHANGHAI)  # Monday, before a two-day holiday
    assert cal.add(start, parse_duration("2 working_hours")) == datetime(2030, 1, 3, 10, 0, tzinfo=SHANGHAI)
    assert cal.is_working_day(date(2030, 1, 5))  # the make-up Saturday


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"working_hours": []}, "at least one period"),
        ({"working_hours": [["12:00", "08:30"]]}, "ends before it starts"),
        ({"working_hours": [["08:30", "12:00"], ["11:00", "17:00"]]}, "overlap"),
        ({"working_hours": [["8h30", "12:00"]]}, "not a clock time"),
        ({"years": {2030: {"workdays": [{"date": "2030-01-07"}]}}}, "is a weekday"),
        (
            {
                "years": {
                    2030: {
                        "holidays": [{"name": "x", "from": "2030-01-05", "to": "2030-01-05"}],
                        "workdays": [{"date": "2030-01-05"}],
                    }
                }
            },
            "both as holiday",
        ),
        (
            {"years": {2030: {"holidays": [{"name": "x", "from": "2030-13-01", "to": "2030-01-05"}]}}},
            "not a date",
        ),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_invalid_calendars_are_refused_with_a_clear_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_calendar(_data(**changes))


def test_a_calendar_file_can_be_loaded_from_a_path(tmp_path: Any) -> None:
    path = tmp_path / "test.yml"
    path.write_text(
        'timezone: Asia/Shanghai\nworking_hours:\n  - ["09:00", "12:00"]\nyears:\n  2030: {}\n',
        encoding="utf-8",
    )
    cal = load_calendar(path)
    assert cal is load_calendar(str(path))
    assert cal.add(datetime(2030, 1, 7, 11, 0, tzinfo=SHANGHAI), parse_duration("2 working_hours")) == (
        datetime(2030, 1, 8, 10, 0, tzinfo=SHANGHAI)
    )
