"""A small stand-in for Rasa 3.6's REST channel and tracker API, served by uvicorn in the test's loop.

It answers every message with `收到：<text>`, records user and bot events per sender like Rasa's
tracker store, and can be down (nothing listens: connection refused), fail (500), hold a message
until the test releases it, or answer late after it processed the message.
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
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(1000):
            if self._server.started:
                return
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        raise TimeoutError("the fake Rasa did not start")

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
        self.received.append(body)
        replies = [{"recipient_id": sender, "text": reply_to(text)}]
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
        conversation = self.events.setdefault(sender, [])
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
        self.tracker_requests += 1
        sender = request.path_params["sender"]
        return JSONResponse({"sender_id": sender, "events": self.events.get(sender, [])})

    async def _replace(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return JSONResponse({"message": "unauthorised"}, status_code=401)
        sender = request.path_params["sender"]
        self.events[sender] = list(await request.json())
        return JSONResponse({"sender_id": sender, "events": self.events[sender]})
