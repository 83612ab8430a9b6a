"""A case's deadlines from its category's service levels (knowledge/categories.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cityplatform.deadlines.calendar import WorkingCalendar, load_calendar
from knowledge.taxonomy import Urgency, categories


@dataclass(frozen=True)
class Deadlines:
    """When a case must be dispatched, handled and (urgent cases) reached on site."""

    dispatch_by: datetime  # 派遣时限
    handle_by: datetime  # 处置时限: the case deadline residents see
    arrive_by: datetime | None = None  # 到场时限, urgent cases only


def deadlines_for(
    category_key: str, urgency: Urgency | str, reported_at: datetime, cal: WorkingCalendar | None = None
) -> Deadlines:
    """The deadlines of a case reported at `reported_at` (timezone-aware), all counted from it.

    `urgency` is "urgent" or "normal" (checked at run time, so a value read from the database
    can be passed as it is). A category without an urgent service level uses its normal one.
    Raises KeyError for an unknown category, ValueError for an unknown urgency or a naive time.
    """
    if urgency not in ("urgent", "normal"):
        raise ValueError(f"urgency must be 'urgent' or 'normal', not {urgency!r}")
    try:
        category = categories()[category_key]
    except KeyError:
        raise KeyError(f"unknown category {category_key!r}") from None
    calendar = cal if cal is not None else load_calendar()
    level = category.deadlines.level("urgent" if urgency == "urgent" else "normal")
    return Deadlines(
        dispatch_by=calendar.add(reported_at, level.dispatch),
        handle_by=calendar.add(reported_at, level.handle),
        arrive_by=calendar.add(reported_at, level.arrive) if level.arrive is not None else None,
    )
