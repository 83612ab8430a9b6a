"""Statistics for staff: 结案率, on-time rate, mean time per stage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from cityplatform.cases.context import CaseContext
from cityplatform.cases.workflow import Status
from cityplatform.db.models import Case, CaseEvent

CLOSED = (Status.CLOSED.value, Status.RATED.value)
NOT_FILED = (Status.REPORTED.value, Status.REJECTED.value)


@dataclass(frozen=True)
class StatsScope:
    since: datetime | None = None
    until: datetime | None = None
    district: str | None = None


def _scoped(query: Any, scope: StatsScope) -> Any:
    if scope.since:
        query = query.where(Case.created_at >= scope.since)
    if scope.until:
        query = query.where(Case.created_at < scope.until)
    if scope.district:
        query = query.where(Case.district == scope.district)
    return query


def _count_by(column: Any) -> Any:
    return select(column, func.count()).group_by(column)


def statistics(ctx: CaseContext, scope: StatsScope) -> dict[str, Any]:
    session = ctx.session
    by_status: dict[str, int] = {
        status: count for status, count in session.execute(_scoped(_count_by(Case.status), scope))
    }
    by_category: dict[str, int] = {
        key: count for key, count in session.execute(_scoped(_count_by(Case.category), scope))
    }
    total = sum(by_status.values())
    closed = sum(by_status.get(status, 0) for status in CLOSED)
    filed = total - sum(by_status.get(status, 0) for status in NOT_FILED)
    on_time = session.scalar(
        _scoped(
            select(func.count()).where(
                Case.status.in_(CLOSED), Case.handled_at.is_not(None), Case.handled_at <= Case.deadline
            ),
            scope,
        )
    )
    return {
        "total": total,
        "filed": filed,
        "closed": closed,
        # 结案率: closed cases over filed cases (rejected and not yet filed reports excluded).
        "closure_rate": round(closed / filed, 4) if filed else None,
        # On time: handled before the deadline, among closed cases.
        "on_time_rate": round((on_time or 0) / closed, 4) if closed else None,
        "mean_hours_per_stage": mean_hours_per_stage(ctx, scope),
        "by_status": by_status,
        "by_category": by_category,
    }


def mean_hours_per_stage(ctx: CaseContext, scope: StatsScope) -> dict[str, float]:
    """For each status, the mean time from the previous event to entering it."""
    previous_at = func.lag(CaseEvent.at).over(partition_by=CaseEvent.case_id, order_by=CaseEvent.id)
    query = _scoped(
        select(CaseEvent.to_status, CaseEvent.at, previous_at.label("previous_at")).join(
            Case, Case.id == CaseEvent.case_id
        ),
        scope,
    )
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for to_status, at, previous in ctx.session.execute(query):
        if previous is None:
            continue
        sums[to_status] += (_aware(at) - _aware(previous)).total_seconds() / 3600
        counts[to_status] += 1
    return {status: round(sums[status] / counts[status], 2) for status in sums}


def _aware(moment: Any) -> datetime:
    """LAG bypasses the column type on SQLite and returns text or naive values."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
