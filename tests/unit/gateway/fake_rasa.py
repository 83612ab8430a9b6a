"""A small stand-in for Rasa 3.6's REST channel and tracker API, served by uvicorn in the test's loop.

It answers every message with `收到：<text>` (`three replies`: three), records user and bot events
per sender like Rasa's tracker store, and can be down (nothing listens: connection refused), fail
(500, on messages or on the tracker API), hold a message until the test releases it, or answer late
after it processed the message. Like Rasa 3.6, it answers 200 without replies when its action
server (`FakeActionServer`, with a /health that can be down) cannot run the action.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from citysteward.stack import free_port


def reply_to(text: str) -> str:
    return f"收到：{text}"


async def serve(app: Starlette, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    )
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            return server, task
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    raise TimeoutError("the fake server did not start")


class FakeActionServer:
    """The action server's /health: down when stopped (connection refused) or when `healthy` is off."""

    def __init__(self) -> None:
        self.port = free_port()
        self.health_url = f"http://127.0.0.1:{self.port}/health"
        self.healthy = True
        self.health_requests = 0
        self.failed: list[str] = []  # messages whose action could not run
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._server is not None and self.healthy

    async def start(self) -> None:
        self._server, self._task = await serve(Starlette(routes=[Route("/health", self._health)]), self.port)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    async def _health(self, request: Request) -> JSONResponse:
        self.health_requests += 1
        if not self.healthy:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok"})


class FakeRasa:
    def __init__(self, token: str = "fake-token") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.failing = False  # answer 500 to every message
        self.failing_texts: set[str] = set()  # answer 500 to these messages
        self.answer_delay = 0.0  # seconds between processing a message and answering it
        self.gates: dict[str, asyncio.Event] = {}  # text -> processed only once the event is set
        self.arrived: list[str] = []  # texts that reached the webhook, held or not
        self.received: list[dict[str, Any]] = []  # messages processed, in order
        self.failed: list[dict[str, Any]] = []  # messages answered with 500
        self.tracker_requests = 0
        self.tracker_failing = False  # answer 500 on the tracker API
        self.actions: FakeActionServer | None = None  # the action server every message needs
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def texts(self, sender: str | None = None) -> list[str]:
        return [m["message"] for m in self.received if sender is None or m["sender"] == sender]

    # -- serving

    async def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/webhooks/rest/webhook", self._webhook, methods=["POST"]),
                Route("/conversations/{sender:path}/tracker/events", self._replace, methods=["PUT"]),
                Route("/conversations/{sender:path}/tracker", self._tracker, methods=["GET"]),
            ]
        )
        self._server, self._task = await serve(app, self.port)

    async def stop(self) -> None:
        """Stop listening: from now on connections are refused."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    # -- endpoints

    async def _webhook(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        if self.failing or body["message"] in self.failing_texts:
            self.failed.append(body)
            return JSONResponse({"error": "action server failed"}, status_code=500)
        text, sender = body["message"], body["sender"]
        self.arrived.append(text)
        if gate := self.gates.get(text):
            await gate.wait()
        conversation = self.events.setdefault(sender, [])
        if self.actions is not None and not self.actions.up:
            # Rasa 3.6 logs the failed action and answers 200 with what it has: nothing.
            self.actions.failed.append(text)
            conversation.append({"event": "user", "text": text, "metadata": body.get("metadata") or {}})
            return JSONResponse([])
        self.received.append(body)
        replies = [{"recipient_id": sender, "text": reply_to(text)}]
        if text == "three replies":
            replies = [{"recipient_id": sender, "text": f"{reply_to(text)} {n}"} for n in (1, 2, 3)]
        if text == "buttons":
            replies = [
                {
                    "recipient_id": sender,
                    "text": "请选择",
                    "buttons": [
                        {"title": "井盖问题", "payload": '/report_issue{"issue_category": "manhole"}'}
                    ],
                }
            ]
        conversation.append({"event": "user", "text": text, "metadata": body.get("metadata") or {}})
        conversation.append({"event": "action", "name": "action_listen"})
        for reply in replies:
            data = {"buttons": reply.get("buttons"), "image": None, "custom": None}
            conversation.append({"event": "bot", "text": reply["text"], "data": data, "metadata": {}})
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return JSONResponse(replies)

    def _authorised(self, request: Request) -> bool:
        return request.query_params.get("token") == self.token

    async def _tracker(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return JSONResponse({"message": "unauthorised"}, status_code=401)
        if self.tracker_failing:
            return JSONResponse({"message": "tracker store down"}, status_code=500)
        self.tracker_requests += 1
        sender = request.path_params["sender"]
        return JSONResponse({"sender_id": sender, "events": self.events.get(sender, [])})

    async def _replace(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return JSONResponse({"message": "unauthorised"}, status_code=401)
        if self.tracker_failing:
            return JSONResponse({"message": "tracker store down"}, status_code=500)
        sender = request.path_params["sender"]
        self.events[sender] = list(await request.json())
        return JSONResponse({"sender_id": sender, "events": self.events[sender]})
