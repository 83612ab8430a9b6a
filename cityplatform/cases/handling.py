"""Moving a case through the closed loop: staff transitions, reassignment, the resident's rating."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from cityplatform.cases.context import CaseContext
from cityplatform.cases.intake import unattached_photos
from cityplatform.cases.queries import get_case, is_follower
from cityplatform.cases.workflow import (
    IllegalTransition,
    MissingRequirement,
    Status,
    UnknownAction,
    next_status,
)
from cityplatform.db.models import Case, CaseEvent, Unit
from cityplatform.deadlines import Urgency, deadlines_for
from cityplatform.errors import Conflict, Forbidden, Invalid
from cityplatform.notifications.case_updates import case_moved

RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


@dataclass(frozen=True)
class TransitionRequest:
    action: str
    actor: str
    note: str | None = None
    reason: str | None = None
    unit: str | None = None
    photo_ids: list[str] = field(default_factory=list)


def find_unit(ctx: CaseContext, code: str) -> Unit:
    unit = ctx.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise Invalid("unknown_unit", f"不存在编号为「{code}」的责任单位。")
    return unit


def apply_transition(ctx: CaseContext, case: Case, request: TransitionRequest) -> Case:
    current = Status(case.status)
    try:
        target = next_status(current, request.action, reason=request.reason, photos=len(request.photo_ids))
    except IllegalTransition as error:
        raise Conflict("illegal_transition", str(error)) from error
    except (MissingRequirement, UnknownAction) as error:
        raise Invalid("missing_requirement", str(error)) from error
    now = ctx.now()
    photos = unattached_photos(ctx, request.photo_ids)
    if request.unit:
        case.unit = find_unit(ctx, request.unit)
    if target is Status.HANDLED:
        case.handled_at = now
    elif target is Status.CLOSED:
        case.closed_at = now
    elif target is Status.REOPENED:
        # Reworked cases get fresh deadlines from the moment they are reopened.
        case.handled_at = case.closed_at = None
        level: Urgency = "urgent" if case.urgency == "urgent" else "normal"
        deadlines = deadlines_for(case.category, level, now, ctx.calendar)
        case.dispatch_deadline, case.arrive_deadline, case.deadline = (
            deadlines.dispatch_by,
            deadlines.arrive_by,
            deadlines.handle_by,
        )
    note = "；".join(part for part in (request.reason, request.note) if part and part.strip()) or None
    event = CaseEvent(
        at=now, actor=request.actor, from_status=current.value, to_status=target.value, note=note
    )
    case.events.append(event)
    ctx.session.flush()
    for photo in photos:
        photo.case_id, photo.event_id = case.id, event.id
        photo.stage = "after" if target is Status.HANDLED else "before"
    case.status = target.value
    case.updated_at = now
    ctx.session.flush()
    case_moved(ctx, case, event, request.reason)
    return case


def transition(ctx: CaseContext, code: str, request: TransitionRequest) -> Case:
    case = get_case(ctx, code, for_update=True)
    apply_transition(ctx, case, request)
    ctx.session.commit()
    return case


def assign(ctx: CaseContext, code: str, unit_code: str, actor: str) -> Case:
    case = get_case(ctx, code, for_update=True)
    unit = find_unit(ctx, unit_code)
    now = ctx.now()
    previous = case.unit.name
    case.unit = unit
    case.updated_at = now
    case.events.append(
        CaseEvent(
            at=now,
            actor=actor,
            from_status=case.status,
            to_status=case.status,
            note=f"责任单位由「{previous}」改为「{unit.name}」",
        )
    )
    ctx.session.commit()
    return case


def rate(ctx: CaseContext, code: str, channel: str, user_id: str, rating: str, comment: str | None) -> Case:
    """满意 / 基本满意 / 不满意; 不满意 reopens the case for rework."""
    if rating not in RATINGS:
        raise Invalid("unknown_rating", "评价只能是：满意、基本满意或不满意。")
    case = get_case(ctx, code, for_update=True)
    resident = ctx.find_resident(channel, user_id)
    if resident is None or not is_follower(ctx, case, resident):
        raise Forbidden("not_yours", "只有反映人或关注这个案件的居民才能评价。")
    if case.status == Status.RATED.value:
        raise Conflict("already_rated", "这个案件已经评价过了，感谢您的反馈！")
    if case.status != Status.CLOSED.value:
        raise Conflict("not_closed", "案件办结后才能评价，办结时我们会通知您。")
    actor = f"resident:{channel}:{user_id}"
    comment = (comment or "").strip()[:1000] or None
    case.rating, case.rating_comment = rating, comment
    apply_transition(
        ctx,
        case,
        TransitionRequest(
            "rate", actor, note=f"评价：{RATINGS[rating]}" + (f"，{comment}" if comment else "")
        ),
    )
    if rating == "dissatisfied":
        apply_transition(
            ctx,
            case,
            TransitionRequest("reopen", "system", reason=f"群众不满意{('：' + comment) if comment else ''}"),
        )
    ctx.session.commit()
    return case


def add_photos(
    ctx: CaseContext, code: str, photo_ids: list[str], channel: str | None, user_id: str | None
) -> Case:
    """A resident (reporter or follower) or staff adds photos to a case after it was opened."""
    if not photo_ids:
        raise Invalid("missing_photo", "请至少附上一张照片（photo_ids）。")
    case = get_case(ctx, code, for_update=True)
    actor = "staff"
    if channel and user_id:
        resident = ctx.find_resident(channel, user_id)
        if resident is None or not is_follower(ctx, case, resident):
            raise Forbidden("not_yours", "只有反映人或关注这个案件的居民才能补充照片。")
        actor = f"resident:{channel}:{user_id}"
    photos = unattached_photos(ctx, photo_ids)
    now = ctx.now()
    event = CaseEvent(
        at=now, actor=actor, from_status=case.status, to_status=case.status, note=f"补充照片 {len(photos)} 张"
    )
    case.events.append(event)
    ctx.session.flush()
    for photo in photos:
        photo.case_id, photo.event_id, photo.stage = case.id, event.id, "before"
    case.updated_at = now
    ctx.session.commit()
    ctx.session.refresh(case)
    return case
