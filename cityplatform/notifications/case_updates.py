"""Outbox rows for residents when their case moves, written in the transaction that moves it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.cases.workflow import Status
from cityplatform.db.models import Case, CaseEvent, CaseFollower, Resident
from cityplatform.notifications import texts
from cityplatform.outbox import Outgoing, enqueue

log = logging.getLogger(__name__)


def reachable(ctx: CaseContext, resident: Resident | None) -> bool:
    """Not erased, with a chat on a channel the gateway delivers to."""
    return (
        resident is not None
        and resident.erased_at is None
        and bool(resident.chat_id)
        and resident.channel in ctx.settings.notified_channels()
    )


def recipients(ctx: CaseContext, case: Case) -> list[Resident]:
    """The reporter and the residents following the case who can be reached, each once."""
    followers = ctx.session.scalars(
        select(Resident)
        .join(CaseFollower, CaseFollower.resident_id == Resident.id)
        .where(CaseFollower.case_id == case.id)
    ).all()
    everyone = {r.id: r for r in (case.reporter, *followers) if r is not None and reachable(ctx, r)}
    return [everyone[key] for key in sorted(everyone)]


def _facts(ctx: CaseContext, case: Case) -> dict[str, str]:
    return {
        "code": case.code,
        "category": category_infos()[case.category].name,
        "unit": case.unit.name,
        "deadline": texts.local_time(case.deadline, ctx.tz),
    }


def _tell(ctx: CaseContext, resident: Resident, text: str, kind: str, key: str, **extra: Any) -> bool:
    """One outbox row for a reachable resident; False when its dedupe key was used already."""
    _, created = enqueue(
        ctx.session,
        Outgoing(
            channel=resident.channel,
            chat_id=resident.chat_id or "",
            text=text,
            kind=kind,
            dedupe_key=key,
            resident_id=resident.id,
            **extra,
        ),
        ctx.now(),
    )
    return created


def case_moved(ctx: CaseContext, case: Case, event: CaseEvent, reason: str | None = None) -> int:
    """Tell the reporter and followers that the case reached `event.to_status`; rows written."""
    message = texts.case_update(Status(event.to_status), reason=reason, **_facts(ctx, case))
    if message is None:
        return 0
    text, buttons = message
    written = sum(
        _tell(
            ctx, resident, text, "case_update", f"case:{case.code}:{event.id}:{resident.id}", buttons=buttons
        )
        for resident in recipients(ctx, case)
    )
    log.info("case %s %s: %s residents notified", case.code, event.to_status, written)
    return written


def report_filed(ctx: CaseContext, case: Case, resident: Resident | None, *, joined: bool) -> bool:
    """Tell the reporter the code of a report filed late (after an outage); once per case."""
    if resident is None or not reachable(ctx, resident):
        return False
    text = texts.report_filed(joined=joined, **_facts(ctx, case))
    return _tell(ctx, resident, text, "report_filed", f"case:{case.code}:filed:{resident.id}")
