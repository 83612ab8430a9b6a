"""The channel-agnostic relay core: a resident's message in, the bot's replies out.

Channels (the terminal chat, Telegram, web chat) reach Rasa through `RasaRelay`: `send` posts to
Rasa's REST channel with a namespaced sender id (`tg:<chat id>`, `web:<session>`, `cli:<user>`);
`processed` reads the tracker through Rasa's HTTP API to learn whether a message whose answer was
lost (a timeout) reached Rasa, and what Rasa answered; `erase_conversation` empties a tracker.

Rasa 3.6's SQL tracker store only ever appends events: replacing a tracker's events through the
HTTP API (`PUT .../tracker/events`) deletes nothing there. With `tracker_store_url` (the store's
SQLAlchemy URL) `erase_conversation` also deletes the conversation's rows from its `events` table.

Rasa 3.6 answers its REST channel with 200 even when a custom action failed (its processor logs the
failed action and carries on, so the replies are missing or partial). With `actions_health_url`
`send` first asks the action server's `/health` and raises `RasaUnavailable` without calling Rasa
when it does not answer, so the message is kept and replayed, never answered by half.

Rasa's HTTP API takes its token only as `?token=` (an Authorization header is read for JWT only), so
errors are described by method, path and status: no URL, which would carry the token, is logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

logger = logging.getLogger(__name__)

REST_WEBHOOK = "/webhooks/rest/webhook"
CONNECT_TIMEOUT = 5.0
ACTIONS_HEALTH_TIMEOUT = 2.0  # the action server's /health answers at once when it runs
ACTIONS_HEALTHY_FOR = 2.0  # a good health check is trusted this long (concurrent chats share it)
TOKEN_IN_URL = re.compile(r"([?&]token=)[^&#\s\"']+")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rest(cls, message: dict[str, Any]) -> BotReply:
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in message.get("buttons") or []
        )
        return cls(
            text=str(message.get("text") or ""),
            buttons=buttons,
            image=message.get("image"),
            custom=dict(message.get("custom") or {}),
        )


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the channel keeps the message and tells the resident to wait.

    `maybe_processed` is true when the request may have reached Rasa (a timeout, a dropped
    connection, a 5xx): before sending the message again, ask `RasaRelay.processed`.
    """

    def __init__(self, message: str, *, maybe_processed: bool = False) -> None:
        super().__init__(message)
        self.maybe_processed = maybe_processed


def redact(text: str) -> str:
    """`text` without the value of any `token=` query parameter."""
    return TOKEN_IN_URL.sub(r"\1***", text)


class _RedactTokens(logging.Filter):
    """httpx logs every request's URL (INFO): the token there is replaced by ***."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = redact(message), ()
        return True


_REDACT_TOKENS = _RedactTokens()


def _describe(error: Exception, method: str, path: str) -> str:
    """An httpx error as method, path (never the URL with its token) and what happened."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"{method} {path}: Rasa answered {error.response.status_code}"
    detail = redact(str(error))
    return f"{method} {path}: {type(error).__name__}" + (f": {detail}" if detail else "")


def _not_delivered(error: httpx.HTTPError) -> bool:
    """True when the request certainly never reached Rasa."""
    return isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def replies_from_bot_event(event: dict[str, Any]) -> list[BotReply]:
    """The REST messages Rasa 3.6 sent for one `bot` tracker event.

    Mirrors `OutputChannel.send_response` with `CollectingOutputChannel`: text (split at blank
    lines when it has no buttons) or text with buttons/quick replies, then custom, then image.
    """
    data: dict[str, Any] = dict(event.get("data") or {})
    text = event.get("text")
    messages: list[dict[str, Any]] = []
    buttons = data.get("quick_replies") or data.get("buttons")
    if buttons:
        messages.append({"text": text, "buttons": buttons})
    elif text:
        messages.extend({"text": part} for part in str(text).strip().split("\n\n"))
    if data.get("custom"):
        messages.append({"custom": data["custom"]})
    if data.get("image"):
        messages.append({"image": data["image"]})
    return [BotReply.from_rest(message) for message in messages]


def replies_after(events: list[dict[str, Any]], gateway_message_id: str) -> list[BotReply] | None:
    """The bot's replies to the user event carrying `gateway_message_id`; None if there is none."""
    start: int | None = None
    for index, event in enumerate(events):
        if event.get("event") != "user":
            continue
        metadata = event.get("metadata") or {}
        if isinstance(metadata, dict) and metadata.get("gateway_message_id") == gateway_message_id:
            start = index
            break
    if start is None:
        return None
    replies: list[BotReply] = []
    for event in events[start + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            replies.extend(replies_from_bot_event(event))
    return replies


def delete_tracker_rows(tracker_store_url: str, sender_id: str) -> int:
    """Delete a conversation from Rasa's SQL tracker store (table `events`); the rows removed."""
    engine = sa.create_engine(tracker_store_url, connect_args=_connect_args(tracker_store_url))
    try:
        with engine.begin() as connection:
            result = connection.execute(
                sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            )
            return int(result.rowcount)
    finally:
        engine.dispose()


def _connect_args(url: str) -> dict[str, Any]:
    return {"timeout": 30} if url.startswith("sqlite") else {}


class RasaRelay:
    def __init__(
        self,
        rasa_url: str,
        timeout: float = 60.0,
        auth_token: str | None = None,
        *,
        tracker_store_url: str | None = None,
        actions_health_url: str | None = None,
    ) -> None:
        self._auth_token = auth_token
        self._tracker_store_url = tracker_store_url
        self._actions_health_url = actions_health_url
        self._actions_healthy_until = 0.0
        self._actions_check: asyncio.Task[str | None] | None = None
        self._client = httpx.AsyncClient(
            base_url=rasa_url, timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
        )
        httpx_logger = logging.getLogger("httpx")
        if _REDACT_TOKENS not in httpx_logger.filters:
            httpx_logger.addFilter(_REDACT_TOKENS)

    def _params(self, **extra: str) -> dict[str, str]:
        return {**extra, "token": self._auth_token} if self._auth_token else extra

    @staticmethod
    def _conversation(sender_id: str) -> str:
        return f"/conversations/{quote(sender_id, safe=':@')}"

    async def actions_down(self) -> str | None:
        """Why the action server cannot run actions now; None when it can (or is not checked).

        Concurrent callers share one health request; a good answer is trusted for
        `ACTIONS_HEALTHY_FOR` seconds.
        """
        if self._actions_health_url is None or time.monotonic() < self._actions_healthy_until:
            return None
        if self._actions_check is None or self._actions_check.done():
            self._actions_check = asyncio.create_task(self._check_actions(self._actions_health_url))
        return await asyncio.shield(self._actions_check)

    async def _check_actions(self, url: str) -> str | None:
        try:
            response = await self._client.get(url, timeout=ACTIONS_HEALTH_TIMEOUT)
        except httpx.HTTPError as error:
            return f"action server unreachable ({type(error).__name__})"
        if response.status_code != 200:
            return f"action server unreachable (health answered {response.status_code})"
        self._actions_healthy_until = time.monotonic() + ACTIONS_HEALTHY_FOR
        return None

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotReply]:
        """Rasa's replies to the message. Raises `RasaUnavailable` when Rasa, or the action server
        Rasa would need for its answer, does not answer."""
        if reason := await self.actions_down():
            raise RasaUnavailable(reason, maybe_processed=False)
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self._client.post(REST_WEBHOOK, json=body)
            response.raise_for_status()
            messages = response.json()
        except httpx.HTTPStatusError as error:
            raise RasaUnavailable(
                f"Rasa answered {error.response.status_code}", maybe_processed=True
            ) from None
        except httpx.HTTPError as error:
            raise RasaUnavailable(
                _describe(error, "POST", REST_WEBHOOK), maybe_processed=not _not_delivered(error)
            ) from None
        except ValueError as error:  # not JSON: something else answers on Rasa's port
            raise RasaUnavailable(f"Rasa's answer is not JSON: {error}", maybe_processed=True) from error
        if not isinstance(messages, list):
            raise RasaUnavailable(f"unexpected answer from Rasa: {messages!r:.200}", maybe_processed=True)
        return [BotReply.from_rest(m) for m in messages if isinstance(m, dict)]

    async def processed(self, sender_id: str, gateway_message_id: str) -> list[BotReply] | None:
        """What Rasa answered to the message `gateway_message_id`; None if Rasa never got it.

        Raises `RasaUnavailable` when the tracker cannot be read (Rasa down, wrong token).
        """
        path = f"{self._conversation(sender_id)}/tracker"
        try:
            response = await self._client.get(path, params=self._params(include_events="ALL"))
            response.raise_for_status()
            tracker = response.json()
        except httpx.HTTPStatusError as error:
            status = error.response.status_code
            if status in (401, 403):
                logger.error("Rasa refused the tracker request (%s): check RASA_AUTH_TOKEN", status)
            raise RasaUnavailable(f"Rasa answered {status} for the tracker of {sender_id}") from None
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"tracker of {sender_id}: {_describe(error, 'GET', path)}") from None
        except ValueError as error:  # not JSON
            raise RasaUnavailable(f"tracker of {sender_id}: {type(error).__name__}: {error}") from error
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return replies_after([e for e in events or [] if isinstance(e, dict)], gateway_message_id)

    async def erase_conversation(self, sender_id: str) -> None:
        """Rasa forgets the conversation: its events are replaced with none (HTTP API) and, with a
        SQL tracker store, deleted from the store. Raises `RasaUnavailable` if either fails."""
        path = f"{self._conversation(sender_id)}/tracker/events"
        try:
            response = await self._client.put(path, params=self._params(), json=[])
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"erasing {sender_id}: {_describe(error, 'PUT', path)}") from None
        if self._tracker_store_url is None:
            logger.info("replaced the Rasa conversation of %s with no events", sender_id)
            return
        try:
            removed = await asyncio.to_thread(delete_tracker_rows, self._tracker_store_url, sender_id)
        except sa.exc.SQLAlchemyError as error:
            logger.error("could not delete %s from the tracker store: %s", sender_id, error)
            raise RasaUnavailable(f"erasing {sender_id} from the tracker store: {error}") from error
        logger.info("erased the Rasa conversation of %s (%d tracker events deleted)", sender_id, removed)

    async def aclose(self) -> None:
        if self._actions_check is not None:
            self._actions_check.cancel()
        await self._client.aclose()
