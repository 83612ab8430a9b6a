"""The platform's FastAPI application: `citysteward serve platform` runs create_app() with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cityplatform.api import cases, geo, media, outbox, residents, volunteers, waste
from cityplatform.api.dependencies import Platform
from cityplatform.cases.context import Clock, utc_now
from cityplatform.db.migrate import upgrade
from cityplatform.db.session import make_engine, make_sessionmaker
from cityplatform.deadlines import load_calendar
from cityplatform.desk.jobs import start_scheduler, stop_scheduler
from cityplatform.errors import PlatformError
from cityplatform.geo import load_city
from cityplatform.media.store import LocalMediaStore
from cityplatform.open311 import routes as open311
from cityplatform.settings import PlatformSettings, settings_from_env
from cityplatform.units import sync_units

log = logging.getLogger("cityplatform")


def build_platform(settings: PlatformSettings, clock: Clock = utc_now) -> Platform:
    engine = make_engine(settings.database_url)
    return Platform(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        city=load_city(settings.city),
        calendar=load_calendar(),
        media=LocalMediaStore(settings.media_dir, settings.max_photo_bytes),
        clock=clock,
        api_token=settings.api_token(),
    )


def create_app(settings: PlatformSettings | None = None, clock: Clock = utc_now) -> FastAPI:
    platform = build_platform(settings or settings_from_env(), clock)

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        if platform.settings.auto_migrate:
            upgrade(platform.settings.database_url)
        with platform.sessions() as session:
            sync_units(session, platform.city)
        scheduler = start_scheduler(platform.sessions, platform.clock, platform.settings)
        running.state.scheduler = scheduler
        try:
            yield
        finally:
            stop_scheduler(scheduler)
            platform.engine.dispose()

    app = FastAPI(
        title="citysteward platform",
        summary="城市管家案件平台：案件、居民、照片与责任单位；内部 API 与 Open311 GeoReport v2",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.include_router(cases.router)
    app.include_router(media.router)
    app.include_router(geo.router)
    app.include_router(residents.router)
    app.include_router(outbox.router)
    app.include_router(waste.router)
    app.include_router(volunteers.router)
    app.include_router(open311.router)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_error_handlers(app)
    return app


def error_body(request: Request, status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    if request.url.path.startswith("/open311/"):
        # GeoReport v2 errors are a list of {code, description}.
        return JSONResponse([{"code": status, "description": message}], status_code=status)
    return JSONResponse({"detail": {"code": code, "message": message, **extra}}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def platform_error(request: Request, error: PlatformError) -> JSONResponse:
        log.info("%s %s → %s %s", request.method, request.url.path, error.status_code, error.code)
        return error_body(request, error.status_code, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(part) for part in e["loc"]), "problem": e["msg"]} for e in error.errors()
        ]
        log.warning("%s %s → 422 invalid_request %s", request.method, request.url.path, problems)
        fields = "、".join(p["field"] for p in problems) or "请求体"
        return error_body(
            request, 422, "invalid_request", f"请求格式不正确，请检查：{fields}。", errors=problems
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {404: "没有这个接口，请查看 /docs。", 405: "这个接口不支持该请求方法。"}
        message = messages.get(error.status_code, str(error.detail))
        return error_body(request, error.status_code, f"http_{error.status_code}", message)
