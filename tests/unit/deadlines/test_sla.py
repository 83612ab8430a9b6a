"""Case deadlines from the categories' service levels on the real 2026 calendar."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from cityplatform.deadlines import Deadlines, deadlines_for, load_calendar
from knowledge.taxonomy import categories, urgency

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_urgent_manhole_at_3_am_on_a_sunday_runs_on_natural_time() -> None:
    description = "五邑路东湖公园门口有个井盖缺失了"
    assert urgency("manhole", description) == "urgent"
    deadlines = deadlines_for("manhole", "urgent", at(2026, 3, 15, 3, 0), load_calendar())
    assert deadlines == Deadlines(
        dispatch_by=at(2026, 3, 15, 3, 10), handle_by=at(2026, 3, 15, 5, 0), arrive_by=at(2026, 3, 15, 3, 30)
    )


def test_gas_is_urgent_even_in_the_national_day_holiday() -> None:
    deadlines = deadlines_for("gas_safety", urgency("gas_safety", "楼道里闻到煤气味"), at(2026, 10, 3, 22, 0))
    assert deadlines.dispatch_by == at(2026, 10, 3, 22, 10)
    assert deadlines.arrive_by == at(2026, 10, 3, 22, 30)
    assert deadlines.handle_by == at(2026, 10, 4, 0, 0)


def test_normal_manhole_at_3_am_on_a_sunday_waits_for_monday() -> None:
    assert urgency("manhole", "井盖有点响") == "normal"
    deadlines = deadlines_for("manhole", "normal", at(2026, 3, 15, 3, 0))
    assert deadlines.dispatch_by == at(2026, 3, 16, 9, 30)  # 1 working hour from Monday 08:30
    assert deadlines.handle_by == at(2026, 3, 18, 8, 30)  # 2 working days from Monday 08:30
    assert deadlines.arrive_by is None


def test_normal_deadlines_skip_the_national_day_holiday_and_use_the_make_up_saturday() -> None:
    # street_vending: dispatch 1 working hour, handle 2 working hours
    deadlines = deadlines_for("street_vending", "normal", at(2026, 9, 30, 17, 0))
    assert deadlines.dispatch_by == at(2026, 10, 8, 9, 0)
    assert deadlines.handle_by == at(2026, 10, 8, 10, 0)
    # illegal_posting: handle 1 working day; Friday 9 October -> the make-up Saturday
    deadlines = deadlines_for("illegal_posting", "normal", at(2026, 10, 9, 15, 0))
    assert deadlines.handle_by == at(2026, 10, 10, 15, 0)


def test_handle_counts_from_the_report_not_from_dispatch() -> None:
    # road_damage normal: dispatch 1 working hour, handle 5 working days, both from the report
    deadlines = deadlines_for("road_damage", "normal", at(2026, 3, 10, 11, 30))
    assert deadlines.dispatch_by == at(2026, 3, 10, 15, 0)  # half an hour before lunch, half after
    assert deadlines.handle_by == at(2026, 3, 17, 11, 30)


def test_an_urgent_case_of_a_category_without_urgent_level_uses_the_normal_one() -> None:
    assert categories()["street_vending"].deadlines.urgent is None
    assert deadlines_for("street_vending", "urgent", at(2026, 3, 10, 9, 0)) == deadlines_for(
        "street_vending", "normal", at(2026, 3, 10, 9, 0)
    )


def test_every_category_gives_ordered_deadlines_in_shanghai_time() -> None:
    reported = datetime(2026, 3, 14, 19, 0, tzinfo=timezone.utc)  # Sunday 03:00 in Shanghai
    for key, category in categories().items():
        for level in ("normal", "urgent"):
            deadlines = deadlines_for(key, level, reported)
            assert reported < deadlines.dispatch_by <= deadlines.handle_by, key
            assert deadlines.handle_by.utcoffset() == at(2026, 3, 15).utcoffset()
            assert (deadlines.arrive_by is not None) == (
                level == "urgent" and category.deadlines.urgent is not None
            )


def test_unknown_category_urgency_and_naive_times_are_refused() -> None:
    with pytest.raises(KeyError, match="unknown category"):
        deadlines_for("flying_saucer", "normal", at(2026, 3, 10, 9, 0))
    with pytest.raises(ValueError, match="urgency"):
        deadlines_for("manhole", "critical", at(2026, 3, 10, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        deadlines_for("manhole", "normal", datetime(2026, 3, 10, 9, 0))
