"""Internal case endpoints: what the bot's actions and the staff need."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from cityplatform.api.dependencies import case_context, require_token
from cityplatform.api.schemas import AssignIn, CaseIn, PhotosIn, RatingIn, TransitionIn
from cityplatform.cases import handling, intake, queries, stats
from cityplatform.cases.context import CaseContext
from cityplatform.cases.views import case_view

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], tags=["cases"])
Context = Annotated[CaseContext, Depends(case_context)]


def view(ctx: CaseContext, case: Any, *, history: bool = True) -> dict[str, Any]:
    return case_view(case, ctx.now(), ctx.tz, history=history)


@router.post("/cases", status_code=201, summary="Open a case (or link a 'me too' report)")
def create_case(
    body: CaseIn,
    ctx: Context,
    response: Response,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=100)],
) -> dict[str, Any]:
    reporter = intake.ReporterInput(**body.reporter.model_dump()) if body.reporter else None
    new = intake.NewCase(
        category=body.category,
        description=body.description,
        latitude=body.latitude,
        longitude=body.longitude,
        address=body.address,
        photo_ids=body.photo_ids,
        reporter=reporter,
        source=body.source,
        notify_reporter=body.notify_reporter,
    )
    outcome = intake.create_case(ctx, new, idempotency_key)
    if outcome.replayed or not outcome.created:
        response.status_code = 200
    return {"created": outcome.created, "duplicate_of": outcome.duplicate_of, "case": view(ctx, outcome.case)}


@router.get("/cases", summary="List and filter cases (staff)")
def list_cases(
    ctx: Context,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    category: Annotated[str | None, Query(description="comma-separated category keys")] = None,
    district: str | None = None,
    street: str | None = None,
    community: str | None = None,
    grid_cell: str | None = None,
    unit: str | None = None,
    overdue: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    spec = queries.CaseFilter(
        status=status.split(",") if status else None,
        category=category.split(",") if category else None,
        district=district,
        street=street,
        community=community,
        grid_cell=grid_cell,
        unit=unit,
        overdue=overdue,
        since=since,
        until=until,
    )
    total, cases = queries.list_cases(ctx, spec, limit, offset)
    return {"total": total, "cases": [view(ctx, case, history=False) for case in cases]}


@router.get("/cases/{code}", summary="One case; with channel+user_id only for its reporter or followers")
def get_case(
    ctx: Context, code: str, channel: str | None = None, user_id: str | None = None
) -> dict[str, Any]:
    if channel and user_id:
        return view(ctx, queries.get_case_for(ctx, code, channel, user_id))
    return view(ctx, queries.get_case(ctx, code))


@router.get("/residents/{channel}/{user_id}/cases", summary="Cases a resident reported or follows")
def resident_cases(
    ctx: Context, channel: str, user_id: str, limit: Annotated[int, Query(ge=1, le=50)] = 5
) -> dict[str, Any]:
    return {
        "cases": [
            view(ctx, case, history=False) for case in queries.resident_cases(ctx, channel, user_id, limit)
        ]
    }


@router.post("/cases/{code}/transitions", summary="Move a case through the closed loop (staff)")
def transition(ctx: Context, code: str, body: TransitionIn) -> dict[str, Any]:
    request = handling.TransitionRequest(
        action=body.action,
        actor=body.actor,
        note=body.note,
        reason=body.reason,
        unit=body.unit,
        photo_ids=body.photo_ids,
    )
    return view(ctx, handling.transition(ctx, code, request))


@router.post(
    "/cases/{code}/photos", summary="Add photos to an open case (resident with channel+user_id, or staff)"
)
def add_photos(ctx: Context, code: str, body: PhotosIn) -> dict[str, Any]:
    return view(ctx, handling.add_photos(ctx, code, body.photo_ids, body.channel, body.user_id))


@router.post("/cases/{code}/assign", summary="Change the responsible unit (staff)")
def assign(ctx: Context, code: str, body: AssignIn) -> dict[str, Any]:
    return view(ctx, handling.assign(ctx, code, body.unit, body.actor))


@router.post("/cases/{code}/rating", summary="The resident's rating after closing; 不满意 reopens")
def rate(ctx: Context, code: str, body: RatingIn) -> dict[str, Any]:
    return view(ctx, handling.rate(ctx, code, body.channel, body.user_id, body.rating, body.comment))


@router.get("/stats", summary="结案率, on-time rate, mean hours per stage")
def statistics(
    ctx: Context, since: datetime | None = None, until: datetime | None = None, district: str | None = None
) -> dict[str, Any]:
    return stats.statistics(ctx, stats.StatsScope(since=since, until=until, district=district))
