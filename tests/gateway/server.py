"""The HTTP side of the fake Telegram Bot API: routes, request parsing, the Bot API methods PTB
uses, and the state they share (updates, messages, files, calls).

A Starlette app under uvicorn in a background thread, on a socket bound to a free port. It serves
`/bot<token>/<method>` (GET or POST; JSON, form or multipart bodies, as PTB sends them) and
`/file/bot<token>/<file_path>`, with real long polling for getUpdates and the validation Telegram
itself does (empty or > 4096-character texts, callback_data > 64 bytes, editing unknown messages).
Unknown methods are recorded and answered ok. The test-facing API is in fake_bot_api.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.gateway import updates
from tests.gateway.media import FakeMedia
from tests.gateway.updates import JSON

# Parameters PTB sends JSON-encoded inside form fields.
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "scope",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "media",
}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "retry_after", "cache_time"}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: JSON
    files: dict[str, bytes]
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    times: int
    status: int
    retry_after: int | None
    description: str


class TelegramError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class BotApiServer:
    def __init__(self, token: str = "123:TEST", bot_username: str = "citysteward_test_bot") -> None:
        self.token = token
        self.bot = updates.bot_user(int(token.split(":")[0]), bot_username)
        self.media = FakeMedia()
        self.webhook: JSON | None = None
        self.commands: list[JSON] = []
        self._lock = threading.RLock()
        self._calls: list[ApiCall] = []
        self._updates: list[JSON] = []
        self._messages: dict[tuple[int, int], JSON] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._next_update_id = 1000
        self._next_message_id = 100
        self._next_query_id = 1
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._closing = False
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self._server = uvicorn.Server(
            uvicorn.Config(self._app(), log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> BotApiServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Bot API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._closing = True
        self._wake()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the bot did ----------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, chat_id: int) -> list[JSON]:
        """The bot's messages in a chat, oldest first, as they are now (after edits)."""
        with self._lock:
            found = [m for (c, _), m in self._messages.items() if c == chat_id and m["from"]["is_bot"]]
        return sorted(found, key=lambda m: int(m["message_id"]))

    # -- the server ----------------------------------------------------------------------------

    def _wake(self) -> None:
        loop, event = self._loop, self._new_update
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def started(_: Starlette) -> AsyncIterator[None]:
            self._loop = asyncio.get_running_loop()
            self._new_update = asyncio.Event()
            yield

        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file, methods=["GET"]),
            ],
            lifespan=started,
        )

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        data = self.media.by_path(request.path_params["file_path"])
        if data is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return Response(data, media_type="application/octet-stream")

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params, files = await read_parameters(request)
        status, body = 200, None
        try:
            if request.path_params["token"] != self.token:
                raise TelegramError(401, "Unauthorized")
            self._maybe_fail(method)
            result = await self._handle(method, params, files)
            body = {"ok": True, "result": result}
        except TelegramError as error:
            status = error.status
            body = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
        with self._lock:
            self._calls.append(ApiCall(method, params, files, status))
        return JSONResponse(body, status)

    def _maybe_fail(self, method: str) -> None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
        parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
        raise TelegramError(failure.status, failure.description, parameters)

    async def _handle(self, method: str, params: JSON, files: dict[str, bytes]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:  # anything else PTB may call: recorded, answered ok
            return True
        return handler(params, files)

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise TelegramError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            event = self._new_update
            assert event is not None
            event.clear()
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                found = self._updates[:limit]
            remaining = deadline - time.monotonic()
            if found or remaining <= 0 or self._closing:
                return found
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def new_message_id(self) -> int:
        with self._lock:
            self._next_message_id += 1
            return self._next_message_id

    def _bot_message(self, chat_id: int, params: JSON, **content: Any) -> JSON:
        if "reply_markup" in params:
            check_markup(params["reply_markup"])
            content["reply_markup"] = params["reply_markup"]
        found = updates.message(self.new_message_id(), updates.chat(chat_id), self.bot, **content)
        with self._lock:
            self._messages[(chat_id, found["message_id"])] = found
        return found

    def _m_getMe(self, params: JSON, files: dict[str, bytes]) -> JSON:
        return self.bot

    def _m_setWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        self.webhook = params
        return True

    def _m_deleteWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        self.webhook = None
        if str(params.get("drop_pending_updates")).lower() == "true":
            with self._lock:
                self._updates.clear()
        return True

    def _m_setMyCommands(self, params: JSON, files: dict[str, bytes]) -> bool:
        self.commands = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        return self.commands

    def _m_sendMessage(self, params: JSON, files: dict[str, bytes]) -> JSON:
        text = str(params.get("text") or "")
        if not text.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise TelegramError(400, "Bad Request: message is too long")
        return self._bot_message(int(params["chat_id"]), params, text=text)

    def _m_sendPhoto(self, params: JSON, files: dict[str, bytes]) -> JSON:
        data = files.get("photo") or str(params.get("photo", "")).encode()
        if not data:
            raise TelegramError(400, "Bad Request: there is no photo in the request")
        sizes = [self.media.photo_size(variant, w, h) for variant, w, h in self.media.variants(data)]
        content: JSON = {"photo": sizes}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._bot_message(int(params["chat_id"]), params, **content)

    def _m_sendChatAction(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True

    def _m_answerCallbackQuery(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True

    def _edit(self, params: JSON, **changes: Any) -> JSON:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._lock:
            current = self._messages.get(key)
            if current is None or not current["from"]["is_bot"]:
                raise TelegramError(400, "Bad Request: message to edit not found")
            edited = {k: v for k, v in current.items() if k != "reply_markup"}
            edited.update(changes, edit_date=int(time.time()))
            if "reply_markup" in params:
                check_markup(params["reply_markup"])
                edited["reply_markup"] = params["reply_markup"]
            if edited.get("text") == current.get("text") and edited.get("reply_markup") == current.get(
                "reply_markup"
            ):
                raise TelegramError(400, "Bad Request: message is not modified")
            self._messages[key] = edited
        return edited

    def _m_editMessageText(self, params: JSON, files: dict[str, bytes]) -> JSON:
        text = str(params.get("text") or "")
        if not text.strip() or len(text) > MAX_TEXT:
            raise TelegramError(400, "Bad Request: text is empty or too long")
        return self._edit(params, text=text)

    def _m_editMessageReplyMarkup(self, params: JSON, files: dict[str, bytes]) -> JSON:
        return self._edit(params)

    def _m_getFile(self, params: JSON, files: dict[str, bytes]) -> JSON:
        found = self.media.get_file(str(params.get("file_id")))
        if found is None:
            raise TelegramError(400, "Bad Request: invalid file_id")
        return found


async def read_parameters(request: Request) -> tuple[JSON, dict[str, bytes]]:
    """Query string, then a JSON, form or multipart body; files are read into bytes."""
    raw: dict[str, Any] = dict(request.query_params)
    files: dict[str, bytes] = {}
    content_type = request.headers.get("content-type", "")
    if request.method == "POST":
        if content_type.startswith("application/json"):
            raw.update(await request.json())
        elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        files[key] = await value.read()
                    else:
                        raw[key] = value
    return {key: decode(key, value) for key, value in raw.items()}, files


def decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    return value


def check_markup(markup: Any) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
