"""Opening a case: validate, place it, find a duplicate nearby, number it, set its deadlines."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.cases.workflow import ACTIVE_STATUSES, Status
from cityplatform.db.models import (
    Case,
    CaseCodeCounter,
    CaseEvent,
    CaseFollower,
    DuplicateLink,
    IdempotencyRecord,
    Media,
    Resident,
    Unit,
)
from cityplatform.deadlines import deadlines_for
from cityplatform.errors import Invalid
from cityplatform.geo import Area, CityMap, distance_m, grid_cell, wgs84_to_gcj02
from cityplatform.notifications.case_updates import report_filed
from knowledge.taxonomy import urgency

MAX_DESCRIPTION = 2000
METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class ReporterInput:
    channel: str
    user_id: str
    chat_id: str | None = None
    name: str | None = None
    phone: str | None = None
    community: str | None = None


@dataclass(frozen=True)
class NewCase:
    category: str
    description: str
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    photo_ids: list[str] = field(default_factory=list)
    reporter: ReporterInput | None = None
    source: str = "api"
    # Tell the reporter the code through the outbox: the report waited out an outage.
    notify_reporter: bool = False


@dataclass(frozen=True)
class CreateOutcome:
    case: Case
    created: bool
    duplicate_of: str | None
    replayed: bool = False


def upsert_resident(ctx: CaseContext, reporter: ReporterInput) -> Resident:
    resident = ctx.find_resident(reporter.channel, reporter.user_id)
    if resident is None:
        resident = Resident(channel=reporter.channel, user_id=reporter.user_id, created_at=ctx.now())
        ctx.session.add(resident)
    for attribute in ("chat_id", "name", "phone", "community"):
        value = getattr(reporter, attribute)
        if value:
            setattr(resident, attribute, value)
    ctx.session.flush()
    return resident


def replay(ctx: CaseContext, key: str) -> CreateOutcome | None:
    record = ctx.session.get(IdempotencyRecord, key)
    if record is None:
        return None
    case = ctx.session.get_one(Case, record.case_id)
    return CreateOutcome(case, record.created, None if record.created else case.code, replayed=True)


def create_case(ctx: CaseContext, new: NewCase, idempotency_key: str) -> CreateOutcome:
    """Open a case, or link the report to an open one nearby; the same key always gives one answer."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise Invalid("invalid_idempotency_key", "请求缺少有效的 Idempotency-Key（1–100 个字符）。")
    previous = replay(ctx, idempotency_key)
    if previous is not None:
        return _told(ctx, new, previous)
    try:
        outcome = _create(ctx, new)
        ctx.session.add(
            IdempotencyRecord(
                key=idempotency_key, case_id=outcome.case.id, created=outcome.created, at=ctx.now()
            )
        )
        _tell_reporter(ctx, new, outcome)
        ctx.session.commit()
    except IntegrityError:
        # The same key was used concurrently: the other request won; answer as it did.
        ctx.session.rollback()
        previous = replay(ctx, idempotency_key)
        if previous is None:
            raise
        return _told(ctx, new, previous)
    return outcome


def _tell_reporter(ctx: CaseContext, new: NewCase, outcome: CreateOutcome) -> None:
    if new.notify_reporter and new.reporter is not None:
        resident = ctx.find_resident(new.reporter.channel, new.reporter.user_id)
        report_filed(ctx, outcome.case, resident, joined=not outcome.created)


def _told(ctx: CaseContext, new: NewCase, replayed: CreateOutcome) -> CreateOutcome:
    """A replay may come from the retry queue after a first attempt that timed out: tell once."""
    if new.notify_reporter:
        _tell_reporter(ctx, new, replayed)
        ctx.session.commit()
    return replayed


def _create(ctx: CaseContext, new: NewCase) -> CreateOutcome:
    info = category_infos().get(new.category)
    if info is None:
        raise Invalid("unknown_category", f"不认识的问题类别「{new.category}」。")
    description = new.description.strip()
    if not description:
        raise Invalid("empty_description", "请简单描述一下您看到的情况。")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid("description_too_long", f"描述请控制在 {MAX_DESCRIPTION} 字以内。")
    latitude, longitude, area = _place(ctx, new)
    photos = unattached_photos(ctx, new.photo_ids)
    reporter = upsert_resident(ctx, new.reporter) if new.reporter else None

    existing = find_duplicate(ctx, new.category, latitude, longitude)
    if existing is not None:
        case, distance = existing
        ctx.session.add(
            DuplicateLink(
                case_id=case.id,
                resident_id=reporter.id if reporter else None,
                description=description,
                latitude=latitude,
                longitude=longitude,
                distance_m=round(distance, 1),
                created_at=ctx.now(),
            )
        )
        for photo in photos:
            photo.case_id, photo.stage = case.id, "before"
        if reporter is not None:
            follow(ctx, case, reporter, via="duplicate")
        ctx.session.flush()
        return CreateOutcome(case, created=False, duplicate_of=case.code)

    now = ctx.now()
    level = urgency(new.category, description)
    deadlines = deadlines_for(new.category, level, now, ctx.calendar)
    gcj_lat, gcj_lon = wgs84_to_gcj02(latitude, longitude)
    unit_code = area.unit_code if info.unit == "street" else info.unit
    unit = ctx.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise RuntimeError(f"unit {unit_code!r} is not in the units table; run the unit sync")
    case = Case(
        code=next_case_code(ctx),
        category=new.category,
        gbt_code=info.gbt_code,
        description=description,
        urgency=level,
        status=Status.REPORTED.value,
        latitude=latitude,
        longitude=longitude,
        gcj02_latitude=gcj_lat,
        gcj02_longitude=gcj_lon,
        address=(new.address or "").strip()[:300] or None,
        grid_cell=grid_cell(latitude, longitude),
        district=area.district,
        street=area.street,
        community=area.community,
        unit=unit,
        source=new.source,
        reporter=reporter,
        created_at=now,
        updated_at=now,
        dispatch_deadline=deadlines.dispatch_by,
        arrive_deadline=deadlines.arrive_by,
        deadline=deadlines.handle_by,
    )
    ctx.session.add(case)
    actor = f"resident:{reporter.channel}:{reporter.user_id}" if reporter else f"source:{new.source}"
    case.events.append(CaseEvent(at=now, actor=actor, from_status=None, to_status=case.status, note=None))
    ctx.session.flush()
    for photo in photos:
        photo.case_id, photo.stage = case.id, "before"
    if reporter is not None:
        follow(ctx, case, reporter, via="reporter")
    ctx.session.flush()
    return CreateOutcome(case, created=True, duplicate_of=None)


def _place(ctx: CaseContext, new: NewCase) -> tuple[float, float, Area]:
    if new.latitude is not None and new.longitude is not None:
        latitude, longitude = new.latitude, new.longitude
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            raise Invalid("invalid_coordinates", "位置坐标无效，请重新发送定位。")
    elif new.address and new.address.strip():
        place = ctx.city.resolve(new.address)
        if place is None:
            raise unknown_place()
        latitude, longitude = place.latitude, place.longitude
    else:
        raise Invalid("missing_location", "请提供问题所在的位置：发送定位，或者告诉我们具体地址。")
    area = ctx.city.locate(latitude, longitude)
    if area is None:
        raise outside_city(ctx.city)
    return latitude, longitude, area


def unknown_place() -> Invalid:
    return Invalid(
        "unknown_place",
        "没能找到这个位置，请发送定位，或者说一个更具体的地名，比如“五邑路东湖公园门口”。",
    )


def outside_city(city: CityMap) -> Invalid:
    return Invalid(
        "outside_city",
        f"这个位置不在{city.name}市区的受理范围内，请确认位置，或拨打当地 12345 热线反映。",
    )


def unattached_photos(ctx: CaseContext, photo_ids: list[str]) -> list[Media]:
    photos: list[Media] = []
    for media_id in dict.fromkeys(photo_ids):
        media = ctx.session.get(Media, media_id)
        if media is None:
            raise Invalid("unknown_photo", f"找不到照片 {media_id}，请重新上传。")
        if media.case_id is not None:
            raise Invalid("photo_in_use", f"照片 {media_id} 已经属于另一个案件。")
        photos.append(media)
    return photos


def find_duplicate(
    ctx: CaseContext, category: str, latitude: float, longitude: float
) -> tuple[Case, float] | None:
    """The nearest active case of the same category within the duplicate radius."""
    radius = ctx.settings.duplicate_radius_m
    dlat = radius / METRES_PER_DEGREE_LAT
    dlon = radius / (METRES_PER_DEGREE_LAT * math.cos(math.radians(latitude)))
    candidates = ctx.session.scalars(
        select(Case).where(
            Case.category == category,
            Case.status.in_([s.value for s in ACTIVE_STATUSES]),
            Case.latitude.between(latitude - dlat, latitude + dlat),
            Case.longitude.between(longitude - dlon, longitude + dlon),
        )
    ).all()
    scored = [(case, distance_m(latitude, longitude, case.latitude, case.longitude)) for case in candidates]
    scored = [pair for pair in scored if pair[1] <= radius]
    return min(scored, key=lambda pair: pair[1]) if scored else None


def follow(ctx: CaseContext, case: Case, resident: Resident, via: str) -> None:
    if ctx.session.get(CaseFollower, (case.id, resident.id)) is None:
        ctx.session.add(CaseFollower(case_id=case.id, resident_id=resident.id, since=ctx.now(), via=via))


def next_case_code(ctx: CaseContext) -> str:
    """JM20261123-0007: the city prefix, the local date, and that day's sequence number."""
    day = ctx.now().astimezone(ctx.tz).strftime("%Y%m%d")
    bump = (
        update(CaseCodeCounter)
        .where(CaseCodeCounter.day == day)
        .values(last=CaseCodeCounter.last + 1)
        .returning(CaseCodeCounter.last)
    )
    number = ctx.session.execute(bump).scalar_one_or_none()
    if number is None:
        try:
            with ctx.session.begin_nested():
                ctx.session.execute(insert(CaseCodeCounter).values(day=day, last=1))
            number = 1
        except IntegrityError:
            number = ctx.session.execute(bump).scalar_one()
    return f"{ctx.settings.case_code_prefix}{day}-{number:04d}"
