"""The gateway's async client for the platform's internal API (`/api/v1`, Bearer token).

Transport errors and 5xx answers raise `PlatformUnavailable` (try again later); 4xx answers raise
`PlatformError` with the platform's code and its Chinese message, which the channel adapters may
show to the resident as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.relay import Button

log = logging.getLogger(__name__)

API = "/api/v1"
# What the resident sees when the platform refuses a request without a message of its own.
GENERIC_REFUSAL = "平台暂时无法处理这个请求，请稍后再试或联系客服。"
MAX_ERROR_CHARS = 500


class PlatformUnavailable(RuntimeError):
    """The platform did not answer, or answered 5xx: try again later."""


class PlatformError(Exception):
    """The platform refused the request (4xx); `message` is its Chinese explanation."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class OutboxItem:
    """A message the platform wants delivered to one chat (a claimed outbox row)."""

    id: int
    channel: str
    chat_id: str
    chat_type: str
    text: str
    buttons: tuple[Button, ...]
    attempts: int
    kind: str = ""

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> OutboxItem:
        return cls(
            id=int(row["id"]),
            channel=str(row["channel"]),
            chat_id=str(row["chat_id"]),
            chat_type=str(row.get("chat_type") or "private"),
            text=str(row.get("text") or ""),
            buttons=tuple(
                Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                for b in row.get("buttons") or []
            ),
            attempts=int(row.get("attempts") or 0),
            kind=str(row.get("kind") or ""),
        )


def error_of(response: httpx.Response) -> PlatformError:
    """The platform's `{"detail": {"code", "message"}}`, or a generic refusal for anything else."""
    code, message = f"http_{response.status_code}", GENERIC_REFUSAL
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, dict):
        code = str(detail.get("code") or code)
        message = str(detail.get("message") or message)
    return PlatformError(code, message, response.status_code)


class PlatformClient:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + API,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise PlatformUnavailable(f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.status_code >= 500:
            raise PlatformUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            refusal = error_of(response)
            log.warning("platform refused %s %s: %s", method, path, refusal)
            raise refusal
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as error:
            raise PlatformUnavailable(f"{method} {path}: the answer is not JSON") from error

    # Photos

    async def upload_photo(self, data: bytes, content_type: str, filename: str = "photo") -> str:
        """Store a photo's bytes (already checked and stripped); returns the media id."""
        stored = await self._json("POST", "/media", files={"file": (filename, data, content_type)})
        return str(stored["id"])

    # Residents

    async def save_resident(
        self,
        channel: str,
        user_id: str,
        *,
        chat_id: str | None = None,
        name: str | None = None,
        language: str | None = None,
        community: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a resident; fields left None stay as they are, "" clears one."""
        fields = {"chat_id": chat_id, "name": name, "language": language, "community": community}
        body = {key: value for key, value in fields.items() if value is not None}
        view: dict[str, Any] = await self._json("PUT", self._resident_path(channel, user_id), json=body)
        return view

    async def set_tips(
        self, channel: str, user_id: str, *, enabled: bool, time: str | None = None
    ) -> dict[str, Any]:
        """Sorting tips on or off; `time` is "HH:MM" (None keeps the platform's default)."""
        path = self._resident_path(channel, user_id) + "/tips"
        view: dict[str, Any] = await self._json("PUT", path, json={"enabled": enabled, "time": time})
        return view

    async def resident(self, channel: str, user_id: str) -> dict[str, Any] | None:
        """The resident's view, or None when the platform keeps nothing about them."""
        try:
            view: dict[str, Any] = await self._json("GET", self._resident_path(channel, user_id))
        except PlatformError as error:
            if error.status == 404 and error.code != "http_404":
                return None
            raise
        return view

    async def erase_resident(self, channel: str, user_id: str) -> None:
        """Erase the resident's personal data (`/delete_me`); erasing nobody is not an error."""
        try:
            await self._request("DELETE", self._resident_path(channel, user_id))
        except PlatformError as error:
            if error.status != 404 or error.code == "http_404":
                raise

    async def communities(self) -> list[dict[str, str]]:
        rows = await self._json("GET", "/geo/communities")
        return [{key: "" if value is None else str(value) for key, value in row.items()} for row in rows]

    @staticmethod
    def _resident_path(channel: str, user_id: str) -> str:
        return f"/residents/{quote(channel, safe='')}/{quote(user_id, safe='')}"

    # The volunteer desk (waste-sorting questions the bot could not answer)

    async def join_desk(
        self, invite_code: str, channel: str, user_id: str, *, chat_id: str, name: str | None = None
    ) -> dict[str, Any]:
        """Become a volunteer with an invite code; `created` is False when they already were one.
        An unknown, expired or used-up code raises PlatformError `invalid_invite`."""
        resident: dict[str, Any] = {"channel": channel, "user_id": user_id, "chat_id": chat_id}
        if name:
            resident["name"] = name[:100]
        body = {"invite_code": invite_code, "resident": resident}
        joined: dict[str, Any] = await self._json("POST", "/volunteers", json=body)
        return joined

    async def leave_desk(self, channel: str, user_id: str) -> None:
        """The volunteer leaves the desk (also fine when they were none)."""
        path = f"/volunteers/{quote(channel, safe='')}/{quote(user_id, safe='')}"
        await self._request("DELETE", path)

    async def answer_question(
        self, question_id: int, channel: str, user_id: str, category_key: str
    ) -> dict[str, Any]:
        """A volunteer's answer (a category key, or "skip"): `first` is True when it went to the
        resident. Refusals: 403 `not_volunteer`, 404, 409 `question_closed`."""
        body = {"volunteer": {"channel": channel, "user_id": user_id}, "category_key": category_key}
        answered: dict[str, Any] = await self._json(
            "POST", f"/waste/questions/{int(question_id)}/answers", json=body
        )
        return answered

    async def add_answer_note(
        self, question_id: int, channel: str, user_id: str, note: str
    ) -> dict[str, Any]:
        """A note to the volunteer's answer; the resident gets the first answer's note."""
        body = {"volunteer": {"channel": channel, "user_id": user_id}, "note": note}
        added: dict[str, Any] = await self._json(
            "PATCH", f"/waste/questions/{int(question_id)}/answers/mine", json=body
        )
        return added

    # Outbox

    async def claim_outbox(self, channel: str, limit: int = 50, lease_seconds: int = 60) -> list[OutboxItem]:
        """Lease up to `limit` due messages of the channel for `lease_seconds`."""
        body = {"channel": channel, "limit": limit, "lease_seconds": lease_seconds}
        claimed = await self._json("POST", "/outbox/claim", json=body)
        return [OutboxItem.from_json(row) for row in claimed["items"]]

    async def outbox_sent(self, item_id: int) -> None:
        await self._request("POST", f"/outbox/{item_id}/sent")

    async def outbox_retry(self, item_id: int, after_seconds: float, error: str) -> None:
        body = {"after_seconds": after_seconds, "error": error[:MAX_ERROR_CHARS]}
        await self._request("POST", f"/outbox/{item_id}/retry", json=body)

    async def outbox_failed(self, item_id: int, error: str) -> None:
        await self._request("POST", f"/outbox/{item_id}/failed", json={"error": error[:MAX_ERROR_CHARS]})

    async def aclose(self) -> None:
        await self._client.aclose()
