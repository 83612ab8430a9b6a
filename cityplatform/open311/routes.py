"""Open311 GeoReport v2 endpoints: discovery, services, requests (JSON; paths with or without .json)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cityplatform.api.dependencies import Platform, case_context, platform_of
from cityplatform.cases import intake
from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.cases.queries import normalise_code
from cityplatform.db.models import Case
from cityplatform.errors import Forbidden, Invalid, NotFound
from cityplatform.open311.format import OPEN311_CLOSED, parse_time, service, service_request

router = APIRouter(prefix="/open311/v2", tags=["open311"])
Context = Annotated[CaseContext, Depends(case_context)]
PlatformDep = Annotated[Platform, Depends(platform_of)]
CHANGESET = "2026-11-23T00:00:00+08:00"
MAX_REQUESTS = 1000


def both(path: str) -> list[str]:
    return [path, f"{path}.json"]


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _route(method: str, path: str, **kwargs: Any) -> Callable[[Endpoint], Endpoint]:
    """Register the endpoint at PATH and PATH.json, as GeoReport v2 clients use both."""

    def register(function: Endpoint) -> Endpoint:
        for index, variant in enumerate(both(path)):
            router.add_api_route(variant, function, methods=[method], include_in_schema=index == 1, **kwargs)
        return function

    return register


@_route("GET", "/discovery")
def discovery(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "changeset": CHANGESET,
        "contact": "江门市城市管理和综合执法局 12345 热线",
        "key_service": "向平台管理员申请 api_key（OPEN311_API_KEYS）",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": f"{base}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@_route("GET", "/services")
def services() -> list[dict[str, Any]]:
    return [service(info) for info in category_infos().values()]


@_route("GET", "/services/{service_code}")
def service_definition(service_code: str) -> dict[str, Any]:
    service_code = service_code.removesuffix(".json")
    if service_code not in category_infos():
        raise NotFound("unknown_service", f"没有这个服务类别：{service_code}")
    return {"service_code": service_code, "attributes": []}


@_route("POST", "/requests", status_code=201)
def post_request(
    ctx: Context,
    platform: PlatformDep,
    api_key: Annotated[str, Form()],
    service_code: Annotated[str, Form()],
    description: Annotated[str, Form(max_length=5000)] = "",
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=300)] = None,
    device_id: Annotated[str | None, Form(max_length=100)] = None,
    account_id: Annotated[str | None, Form(max_length=100)] = None,
) -> list[dict[str, Any]]:
    if api_key not in platform.settings.open311_keys():
        raise Forbidden("invalid_api_key", "api_key 无效。")
    if service_code not in category_infos():
        raise Invalid("unknown_service", f"没有这个服务类别：{service_code}")
    user = account_id or device_id
    reporter = intake.ReporterInput(channel="open311", user_id=user) if user else None
    new = intake.NewCase(
        category=service_code,
        description=description or category_infos()[service_code].name,
        latitude=lat,
        longitude=long,
        address=address_string,
        reporter=reporter,
        source="open311",
    )
    # GeoReport v2 has no idempotency key: each POST is a new report.
    outcome = intake.create_case(ctx, new, f"open311:{uuid.uuid4().hex}")
    notice = (
        f"附近已有相同问题的案件 {outcome.case.code} 正在办理，本次反映已合并。"
        if outcome.duplicate_of
        else f"已受理，预计 {outcome.case.deadline.astimezone(ctx.tz):%m月%d日 %H:%M} 前办结。"
    )
    return [{"service_request_id": outcome.case.code, "service_notice": notice, "account_id": None}]


@_route("GET", "/requests")
def get_requests(
    ctx: Context,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: Annotated[str | None, Query(pattern=r"^(open|closed)(,(open|closed))?$")] = None,
) -> list[dict[str, Any]]:
    query = select(Case).options(selectinload(Case.events))
    if service_request_id:
        query = query.where(Case.code.in_([normalise_code(c) for c in service_request_id.split(",")]))
    else:
        try:
            end = parse_time(end_date, ctx.tz) or ctx.now()
            start = parse_time(start_date, ctx.tz) or end - timedelta(days=90)
        except ValueError as error:
            raise Invalid("invalid_date", "start_date / end_date 须为 ISO 8601 格式。") from error
        query = query.where(Case.created_at >= start, Case.created_at <= end)
        if service_code:
            query = query.where(Case.category.in_(service_code.split(",")))
        if status:
            wanted = set(status.split(","))
            if wanted == {"open"}:
                query = query.where(Case.status.not_in(OPEN311_CLOSED))
            elif wanted == {"closed"}:
                query = query.where(Case.status.in_(OPEN311_CLOSED))
    query = query.order_by(Case.created_at.desc()).limit(MAX_REQUESTS)
    infos = category_infos()
    return [service_request(case, infos[case.category], ctx.tz) for case in ctx.session.scalars(query)]


@_route("GET", "/requests/{service_request_id}")
def get_request(ctx: Context, service_request_id: str) -> list[dict[str, Any]]:
    code = normalise_code(service_request_id.removesuffix(".json"))
    case = ctx.session.scalar(select(Case).where(Case.code == code).options(selectinload(Case.events)))
    if case is None:
        raise NotFound("unknown_request", f"没有编号为 {service_request_id} 的服务请求。")
    return [service_request(case, category_infos()[case.category], ctx.tz)]
