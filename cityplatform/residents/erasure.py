"""Erasing a resident's personal data on request (/delete_me): the cases stay, anonymous."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import delete, select, update

from cityplatform.cases.context import CaseContext
from cityplatform.db.models import CaseEvent, CaseFollower, Resident
from cityplatform.desk.erasure import forget_desk
from cityplatform.outbox import forget_chat
from cityplatform.residents.profile import DEFAULT_TIPS_TIME

log = logging.getLogger(__name__)

ERASED_ACTOR = "resident:erased"


def erase_resident(ctx: CaseContext, channel: str, user_id: str) -> bool:
    """Blank the resident's personal data and unlink them from everything; False if unknown. Commits.

    The row stays as an anonymous tombstone (cases still count their reporter) under a random
    user id, so a later message from the same account starts a new, unrelated resident.
    Removed: name, phone, chat id, community, language, the tips setting, every "follows this
    case" link, the resident's id in case histories, and the outbox rows addressed to them
    (pending ones are cancelled), and their part in the volunteer desk (cityplatform.desk.erasure).
    """
    resident = ctx.session.scalar(
        select(Resident)
        .where(Resident.channel == channel, Resident.user_id == user_id, Resident.erased_at.is_(None))
        .with_for_update()
    )
    if resident is None:
        return False
    now = ctx.now()
    cancelled = forget_chat(ctx.session, channel, resident.chat_id, resident.id, now)
    forget_desk(ctx.session, resident.id, now)
    followed = ctx.session.scalars(
        select(CaseFollower.case_id).where(CaseFollower.resident_id == resident.id)
    ).all()
    ctx.session.execute(delete(CaseFollower).where(CaseFollower.resident_id == resident.id))
    ctx.session.execute(
        update(CaseEvent)
        .where(CaseEvent.actor == f"resident:{channel}:{user_id}")
        .values(actor=ERASED_ACTOR)
        .execution_options(synchronize_session=False)
    )
    resident.user_id = f"erased-{secrets.token_hex(16)}"
    resident.chat_id = resident.name = resident.phone = resident.community = resident.language = None
    resident.tips_enabled, resident.tips_time = False, DEFAULT_TIPS_TIME
    resident.erased_at = now
    ctx.session.commit()
    log.info(
        "resident #%s erased on request: %s case links removed, %s outbox messages cancelled",
        resident.id,
        len(followed),
        cancelled,
    )
    return True
