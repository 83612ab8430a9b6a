"""The gateway's HTTP app: `/health` always; the web chat page and its API when enabled."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import RequestResponseEndpoint
from starlette.responses import Response

from bot.gateway import Gateway
from bot.messages import Channel
from bot.platform import PlatformClient
from bot.settings import GatewaySettings
from bot.webchat.api import chat_router
from bot.webchat.channel import WebChannel
from bot.webchat.inputs import WebChatError

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# The page loads nothing from elsewhere; bot replies may carry an https image.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data: https:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(self), camera=(self)",
}
STATUS_MESSAGES = {
    404: "没有找到您要访问的页面。",
    405: "不支持这种请求方式。",
}
DEFAULT_MESSAGE = "请求没有成功，请刷新页面后再试一次。"


def create_http_app(settings: GatewaySettings, gateway: Gateway, platform: PlatformClient) -> FastAPI:
    app = FastAPI(title="citysteward gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web_channel = None

    @app.get("/health")
    async def health() -> dict[str, object]:
        return {
            "status": "ok",
            "webchat": settings.webchat_on,
            "telegram": settings.telegram_bot_token is not None,
            "pending": await gateway.pending(),
        }

    @app.exception_handler(WebChatError)
    async def refused(request: Request, error: WebChatError) -> JSONResponse:
        log.warning("web chat refused %s %s: %s", request.method, request.url.path, error)
        return JSONResponse({"detail": {"code": error.code, "message": error.message}}, error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        log.warning("web chat %s %s: HTTP %s", request.method, request.url.path, error.status_code)
        message = STATUS_MESSAGES.get(error.status_code, DEFAULT_MESSAGE)
        body = {"detail": {"code": f"http_{error.status_code}", "message": message}}
        return JSONResponse(body, error.status_code, headers=error.headers)

    if not settings.webchat_on:
        return app

    channel = WebChannel()
    gateway.register(channel)
    app.state.web_channel = channel
    app.include_router(chat_router(settings, gateway, platform, channel))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return app


def web_channel(app: FastAPI) -> Channel | None:
    """The web chat's channel (for the outbox delivery), or None when the web chat is off."""
    channel: WebChannel | None = app.state.web_channel
    return channel
