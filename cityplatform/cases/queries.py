"""Reading cases: one case, a resident's cases, staff lists with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from cityplatform.cases.context import CaseContext
from cityplatform.cases.workflow import OPEN_STATUSES
from cityplatform.db.models import Case, CaseFollower, Resident, Unit
from cityplatform.errors import Forbidden, NotFound


def normalise_code(code: str) -> str:
    """jm202611230007 → JM20261123-0007."""
    compact = code.strip().upper().replace("-", "")
    if len(compact) > 4 and compact[-4:].isdigit():
        return f"{compact[:-4]}-{compact[-4:]}"
    return code.strip().upper()


def get_case(ctx: CaseContext, code: str, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.code == normalise_code(code))
    if for_update:
        query = query.with_for_update(of=Case)
    else:
        query = query.options(selectinload(Case.events), selectinload(Case.photos))
    case = ctx.session.scalar(query)
    if case is None:
        raise NotFound("case_not_found", f"没有找到编号为 {code} 的案件，请核对编号。")
    return case


def is_follower(ctx: CaseContext, case: Case, resident: Resident) -> bool:
    return ctx.session.get(CaseFollower, (case.id, resident.id)) is not None


def get_case_for(ctx: CaseContext, code: str, channel: str, user_id: str) -> Case:
    """A case as its reporter or a follower may see it; others get 403."""
    case = get_case(ctx, code)
    resident = ctx.find_resident(channel, user_id)
    if resident is None or not is_follower(ctx, case, resident):
        raise Forbidden("not_yours", "为保护反映人的隐私，只有反映人或关注这个案件的居民可以查看详情。")
    return case


def resident_cases(ctx: CaseContext, channel: str, user_id: str, limit: int = 5) -> list[Case]:
    resident = ctx.find_resident(channel, user_id)
    if resident is None:
        return []
    query = (
        select(Case)
        .join(CaseFollower, CaseFollower.case_id == Case.id)
        .where(CaseFollower.resident_id == resident.id)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
        .options(selectinload(Case.photos))
    )
    return list(ctx.session.scalars(query))


@dataclass(frozen=True)
class CaseFilter:
    status: list[str] | None = None
    category: list[str] | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    grid_cell: str | None = None
    unit: str | None = None
    overdue: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


def filtered(query: Select[tuple[Case]], spec: CaseFilter, now: datetime) -> Select[tuple[Case]]:
    if spec.status:
        query = query.where(Case.status.in_(spec.status))
    if spec.category:
        query = query.where(Case.category.in_(spec.category))
    for column, value in (
        (Case.district, spec.district),
        (Case.street, spec.street),
        (Case.community, spec.community),
        (Case.grid_cell, spec.grid_cell),
    ):
        if value:
            query = query.where(column == value)
    if spec.unit:
        query = query.where(Case.unit_id.in_(select(Unit.id).where(Unit.code == spec.unit)))
    open_values = [s.value for s in OPEN_STATUSES]
    if spec.overdue is True:
        query = query.where(Case.deadline < now, Case.status.in_(open_values))
    elif spec.overdue is False:
        query = query.where(or_(Case.deadline >= now, Case.status.not_in(open_values)))
    if spec.since:
        query = query.where(Case.created_at >= spec.since)
    if spec.until:
        query = query.where(Case.created_at < spec.until)
    return query


def list_cases(ctx: CaseContext, spec: CaseFilter, limit: int, offset: int) -> tuple[int, list[Case]]:
    now = ctx.now()
    count_query = filtered(select(Case), spec, now).with_only_columns(func.count(Case.id))
    total = ctx.session.scalar(count_query) or 0
    page = filtered(select(Case), spec, now).order_by(Case.created_at.desc(), Case.id.desc())
    cases = list(ctx.session.scalars(page.limit(limit).offset(offset).options(selectinload(Case.photos))))
    return total, cases
