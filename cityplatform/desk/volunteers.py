"""Desk volunteers: stewards hand out invite codes, residents join with one and may leave again."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cityplatform.cases.context import CaseContext
from cityplatform.cases.intake import ReporterInput
from cityplatform.cases.views import local_iso
from cityplatform.db.models import Resident, Volunteer, VolunteerInvite
from cityplatform.desk.common import rows_changed
from cityplatform.errors import PlatformError
from cityplatform.residents.profile import check_community, live_resident

log = logging.getLogger(__name__)

# No 0/O or 1/I: codes are read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def invite_view(invite: VolunteerInvite, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "code": invite.code,
        "community": invite.community,
        "expires_at": local_iso(invite.expires_at, tz),
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "created_by": invite.created_by,
    }


def create_invite(
    ctx: CaseContext, actor: str, community: str | None, max_uses: int, expires_days: int
) -> VolunteerInvite:
    """A fresh invite code (a steward's); community, if any, is where its volunteers help. Commits."""
    place = community.strip() if community else None
    if place:
        check_community(ctx, place)
    now = ctx.now()
    for _ in range(10):
        invite = VolunteerInvite(
            code=new_code(),
            community=place or None,
            max_uses=max_uses,
            uses=0,
            expires_at=now + timedelta(days=expires_days),
            created_by=actor.strip(),
            created_at=now,
        )
        try:
            with ctx.session.begin_nested():
                ctx.session.add(invite)
        except IntegrityError:
            continue  # the code was taken: draw again
        ctx.session.commit()
        log.info("volunteer invite for %s created by %s", place or "the whole city", actor)
        return invite
    raise RuntimeError("could not draw an unused invite code")


def chat_resident(ctx: CaseContext, given: ReporterInput) -> Resident:
    """The resident writing from a chat, created when new (also when created concurrently); the chat
    id and name given are kept. Flushed."""
    resident = live_resident(ctx, given.channel, given.user_id)
    if resident is None:
        resident = Resident(channel=given.channel, user_id=given.user_id, created_at=ctx.now())
        try:
            with ctx.session.begin_nested():
                ctx.session.add(resident)
        except IntegrityError:
            found = live_resident(ctx, given.channel, given.user_id)
            if found is None:
                raise
            resident = found
    if given.chat_id:
        resident.chat_id = given.chat_id
    if given.name:
        resident.name = given.name
    ctx.session.flush()
    return resident


def invalid_invite(message: str) -> PlatformError:
    return PlatformError("invalid_invite", message, 400)


@dataclass(frozen=True)
class Joined:
    volunteer: Volunteer
    created: bool


def active_volunteer(ctx: CaseContext, channel: str, user_id: str) -> Volunteer | None:
    resident = live_resident(ctx, channel, user_id)
    if resident is None:
        return None
    return ctx.session.scalar(
        select(Volunteer).where(Volunteer.resident_id == resident.id, Volunteer.left_at.is_(None))
    )


def join(ctx: CaseContext, code: str, resident_in: ReporterInput) -> Joined:
    """Register a resident as a volunteer with an invite code; an active volunteer stays as is. Commits.

    400 invalid_invite for an unknown, expired or used-up code (checked and counted in one UPDATE,
    so concurrent registrations never exceed max_uses).
    """
    wanted = code.strip().upper().replace(" ", "").replace("-", "")
    resident = chat_resident(ctx, resident_in)
    volunteer = ctx.session.scalar(select(Volunteer).where(Volunteer.resident_id == resident.id))
    if volunteer is not None and volunteer.left_at is None:
        ctx.session.commit()
        return Joined(volunteer, created=False)
    now = ctx.now()
    invite = ctx.session.scalar(select(VolunteerInvite).where(VolunteerInvite.code == wanted))
    if invite is None:
        ctx.session.rollback()
        raise invalid_invite("这个邀请码不存在，请核对后重新输入，或向社区工作人员索取邀请码。")
    if invite.expires_at <= now:
        ctx.session.rollback()
        raise invalid_invite("这个邀请码已经过期了，请向社区工作人员索取新的邀请码。")
    counted = ctx.session.execute(
        update(VolunteerInvite)
        .where(VolunteerInvite.id == invite.id, VolunteerInvite.uses < VolunteerInvite.max_uses)
        .values(uses=VolunteerInvite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(counted) != 1:
        ctx.session.rollback()
        raise invalid_invite("这个邀请码的名额已经用完了，请向社区工作人员索取新的邀请码。")
    community = invite.community or resident.community
    if volunteer is None:
        volunteer = Volunteer(resident=resident, community=community, invite_id=invite.id, joined_at=now)
        ctx.session.add(volunteer)
    else:
        volunteer.community, volunteer.invite_id = community, invite.id
        volunteer.joined_at, volunteer.left_at = now, None
    ctx.session.commit()
    log.info("resident #%s joined the desk as volunteer #%s", resident.id, volunteer.id)
    return Joined(volunteer, created=True)


def leave(ctx: CaseContext, channel: str, user_id: str) -> bool:
    """The volunteer leaves the desk (their past answers still count); False if they were none."""
    volunteer = active_volunteer(ctx, channel, user_id)
    if volunteer is None:
        return False
    volunteer.left_at = ctx.now()
    ctx.session.commit()
    log.info("volunteer #%s left the desk", volunteer.id)
    return True


def volunteer_view(volunteer: Volunteer, tz: ZoneInfo) -> dict[str, Any]:
    resident: Resident = volunteer.resident
    return {
        "volunteer_id": volunteer.id,
        "channel": resident.channel,
        "user_id": resident.user_id,
        "name": resident.name,
        "community": volunteer.community,
        "joined_at": local_iso(volunteer.joined_at, tz),
    }


def list_volunteers(ctx: CaseContext) -> list[Volunteer]:
    return list(
        ctx.session.scalars(select(Volunteer).where(Volunteer.left_at.is_(None)).order_by(Volunteer.id))
    )
