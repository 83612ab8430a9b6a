"""Outbox rows for residents when their case moves, written in the transaction that moves it."""

from __future__ import annotations

import logging

from sqlalchemy import select

from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.cases.workflow import Status
from cityplatform.db.models import Case, CaseEvent, CaseFollower, Resident
from cityplatform.notifications import texts
from cityplatform.notifications.outbound import reachable, tell

log = logging.getLogger(__name__)


def recipients(ctx: CaseContext, case: Case) -> list[Resident]:
    """The reporter and the residents following the case who can be reached, each once."""
    followers = ctx.session.scalars(
        select(Resident)
        .join(CaseFollower, CaseFollower.resident_id == Resident.id)
        .where(CaseFollower.case_id == case.id)
    ).all()
    everyone = {r.id: r for r in (case.reporter, *followers) if r is not None and reachable(ctx.settings, r)}
    return [everyone[key] for key in sorted(everyone)]


def _facts(ctx: CaseContext, case: Case) -> dict[str, str]:
    return {
        "code": case.code,
        "category": category_infos()[case.category].name,
        "unit": case.unit.name,
        "deadline": texts.local_time(case.deadline, ctx.tz),
    }


def case_moved(ctx: CaseContext, case: Case, event: CaseEvent, reason: str | None = None) -> int:
    """Tell the reporter and followers that the case reached `event.to_status`; rows written."""
    message = texts.case_update(Status(event.to_status), reason=reason, **_facts(ctx, case))
    if message is None:
        return 0
    text, buttons = message
    written = sum(
        tell(
            ctx.session,
            ctx.settings,
            resident,
            text,
            f"case:{case.code}:{event.id}:{resident.id}",
            ctx.now(),
            kind="case_update",
            buttons=buttons,
        )
        for resident in recipients(ctx, case)
    )
    log.info("case %s %s: %s residents notified", case.code, event.to_status, written)
    return written


def report_filed(ctx: CaseContext, case: Case, resident: Resident | None, *, joined: bool) -> bool:
    """Tell the reporter the code of a report filed late (after an outage); once per case."""
    if resident is None or not reachable(ctx.settings, resident):
        return False
    text = texts.report_filed(joined=joined, **_facts(ctx, case))
    key = f"case:{case.code}:filed:{resident.id}"
    return tell(ctx.session, ctx.settings, resident, text, key, ctx.now(), kind="report_filed")
