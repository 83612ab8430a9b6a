"""A resident's profile: how to reach them, their language and community, their sorting-tip setting."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from cityplatform.cases.context import CaseContext
from cityplatform.cases.views import local_iso
from cityplatform.db.models import Resident
from cityplatform.errors import Invalid, NotFound

log = logging.getLogger(__name__)

DEFAULT_TIPS_TIME = "08:00"
CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class ProfileChange:
    """Fields to change; None leaves a field as it is, "" clears it."""

    chat_id: str | None = None
    name: str | None = None
    language: str | None = None
    community: str | None = None


def live_resident(ctx: CaseContext, channel: str, user_id: str) -> Resident | None:
    resident = ctx.find_resident(channel, user_id)
    return resident if resident is not None and resident.erased_at is None else None


def get_resident(ctx: CaseContext, channel: str, user_id: str) -> Resident:
    resident = live_resident(ctx, channel, user_id)
    if resident is None:
        raise NotFound("resident_not_found", "没有找到这位居民的资料。")
    return resident


def _resident_for_update(ctx: CaseContext, channel: str, user_id: str) -> Resident:
    """The resident, created when missing (a concurrent creation of the same one is tolerated)."""
    resident = live_resident(ctx, channel, user_id)
    if resident is not None:
        return resident
    resident = Resident(channel=channel, user_id=user_id, created_at=ctx.now())
    try:
        with ctx.session.begin_nested():
            ctx.session.add(resident)
    except IntegrityError:
        found = live_resident(ctx, channel, user_id)
        if found is None:
            raise
        return found
    return resident


def check_community(ctx: CaseContext, name: str) -> str:
    known = [region.name for region in ctx.city.communities()]
    if name not in known:
        examples = "、".join(known[:3])
        raise Invalid(
            "unknown_community",
            f"{ctx.city.name}市区没有名为「{name}」的社区，请从社区列表中选择，例如{examples}。",
        )
    return name


def normalise_language(tag: str) -> str:
    """zh_Hans → zh-hans; tags are compared lower-case."""
    return tag.strip().replace("_", "-").lower()


def save_profile(ctx: CaseContext, channel: str, user_id: str, change: ProfileChange) -> Resident:
    """Create or update a resident; only the fields given change. Commits."""
    community = change.community.strip() if change.community is not None else None
    if community:
        check_community(ctx, community)
    resident = _resident_for_update(ctx, channel, user_id)
    if change.chat_id is not None:
        resident.chat_id = change.chat_id.strip() or None
    if change.name is not None:
        resident.name = change.name.strip() or None
    if change.language is not None:
        resident.language = normalise_language(change.language) or None
    if community is not None:
        resident.community = community or None
    ctx.session.commit()
    return resident


def normalise_time(text: str) -> str:
    """ "8:00" → "08:00"; anything but a time of day on a 24-hour clock is refused."""
    match = CLOCK_TIME.fullmatch(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise Invalid(
            "invalid_time", f"提醒时间「{text}」无效，请用 24 小时制的“时:分”，例如 08:00 或 19:30。"
        )
    return f"{int(match[1]):02d}:{match[2]}"


def set_tips(ctx: CaseContext, channel: str, user_id: str, enabled: bool, time: str | None) -> Resident:
    """Sorting tips on or off; a time is kept for next time (default 08:00). Commits."""
    tips_time = normalise_time(time) if time is not None else None
    resident = _resident_for_update(ctx, channel, user_id)
    resident.tips_enabled = enabled
    if tips_time is not None:
        resident.tips_time = tips_time
    elif not resident.tips_time:
        resident.tips_time = DEFAULT_TIPS_TIME
    ctx.session.commit()
    return resident


def resident_view(resident: Resident, tz: ZoneInfo) -> dict[str, Any]:
    """What the gateway may know about a resident (the phone number stays on the platform)."""
    return {
        "channel": resident.channel,
        "user_id": resident.user_id,
        "chat_id": resident.chat_id,
        "name": resident.name,
        "language": resident.language,
        "community": resident.community,
        "tips": {"enabled": resident.tips_enabled, "time": resident.tips_time or DEFAULT_TIPS_TIME},
        "created_at": local_iso(resident.created_at, tz),
    }
