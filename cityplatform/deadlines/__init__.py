"""Case deadlines: the working calendar and the categories' service levels.

from cityplatform.deadlines import load_calendar, deadlines_for
deadlines = deadlines_for("manhole", "urgent", reported_at, load_calendar())
"""

from __future__ import annotations

from cityplatform.deadlines.calendar import CalendarError, WorkingCalendar, load_calendar, parse_calendar
from cityplatform.deadlines.sla import Deadlines, deadlines_for
from knowledge.taxonomy import Duration, Urgency, parse_duration

__all__ = [
    "CalendarError",
    "Deadlines",
    "Duration",
    "Urgency",
    "WorkingCalendar",
    "deadlines_for",
    "load_calendar",
    "parse_calendar",
    "parse_duration",
]
