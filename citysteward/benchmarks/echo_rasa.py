"""A stand-in for Rasa's REST webhook that answers at once with one text (`python -m` this module
with a port): the gateway benchmark runs it in its own process to isolate the gateway's own cost."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def webhook(request: Request) -> JSONResponse:
    body: dict[str, Any] = await request.json()
    return JSONResponse([{"recipient_id": body["sender"], "text": "收到"}])


async def status(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"]), Route("/status", status)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
