"""The platform's internal HTTP API (docs/platform-api.md): the one way actions reach cases and places.

Framework-free (requests only) so the durable queue and the tests use it as well. Every call is
blocking; actions run it in a worker thread (`asyncio.to_thread`) so one slow answer never stalls
the action server's event loop.

Two exceptions, because they call for different handling:
- `PlatformUnavailable`: no usable answer (connection refused, timeout, 5xx). Retry later.
- `PlatformError`: the platform answered and meant it (4xx); `code` is its `detail.code`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

DEFAULT_URL = "http://127.0.0.1:8000"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TOKEN_FILE = REPO_ROOT / "var" / "platform-api-token"
# (connect, read) seconds: a resident is waiting for the answer.
TIMEOUT = (2.0, 5.0)

# A case as the platform returns it (the CASE object of docs/platform-api.md).
Case = dict[str, Any]


class PlatformProblem(Exception):
    """Base of the two ways a platform call can fail."""


class PlatformUnavailable(PlatformProblem):
    """No usable answer: the platform is down, slow (timeout) or failing (5xx). Worth retrying."""


class PlatformError(PlatformProblem):
    """A deliberate error answer (4xx) with the platform's `detail.code` and polite message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Resident:
    """A resident as the platform identifies them: channel + user id (see actions/residents.py)."""

    channel: str
    user_id: str
    chat_id: str | None = None
    name: str | None = None
    phone: str | None = None
    community: str | None = None

    def as_reporter(self) -> dict[str, str | None]:
        return {
            "channel": self.channel,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "name": self.name,
            "phone": self.phone,
            "community": self.community,
        }


@dataclass(frozen=True)
class DeskQuestion:
    """The answer to POST /api/v1/waste/questions: the question handed to the volunteer desk."""

    id: str
    status: str
    notified: int


@dataclass(frozen=True)
class Filing:
    """The answer to POST /api/v1/cases."""

    created: bool
    duplicate_of: str | None
    case: Case


def token_from_environment() -> str | None:
    """$PLATFORM_API_TOKEN, else the file `make run` shares ($PLATFORM_API_TOKEN_FILE or var/)."""
    token = os.environ.get("PLATFORM_API_TOKEN", "").strip()
    if token:
        return token
    path = Path(os.environ.get("PLATFORM_API_TOKEN_FILE") or DEFAULT_TOKEN_FILE)
    if not path.is_absolute():
        path = REPO_ROOT / path
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class PlatformClient:
    def __init__(self, base_url: str, token: str | None, timeout: tuple[float, float] = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_environment(cls) -> PlatformClient:
        """$PLATFORM_URL (default http://127.0.0.1:8000) and the token; read on every call site."""
        return cls(os.environ.get("PLATFORM_URL") or DEFAULT_URL, token_from_environment())

    # -- cases ---------------------------------------------------------------------------------

    def create_case(
        self, report: dict[str, Any], idempotency_key: str, *, notify_reporter: bool = False
    ) -> Filing:
        """Open a case, or follow an open one nearby ("me too"). Replays answer the first filing.

        `notify_reporter`: the resident is no longer waiting for this answer (the report waited in
        the queue), so the platform tells them the code through its outbox, once per case.
        """
        payload = {**report, "notify_reporter": True} if notify_reporter else report
        body = self._request(
            "POST", "/api/v1/cases", json=payload, headers={"Idempotency-Key": idempotency_key}
        )
        duplicate_of = body.get("duplicate_of")
        return Filing(
            created=bool(body.get("created")),
            duplicate_of=str(duplicate_of) if duplicate_of else None,
            case=dict(body["case"]),
        )

    def case(self, code: str, resident: Resident | None = None) -> Case:
        """One case with its history; for a resident only if they reported or follow it (else 403)."""
        params = {"channel": resident.channel, "user_id": resident.user_id} if resident else None
        return dict(self._request("GET", f"/api/v1/cases/{quote(code, safe='')}", params=params))

    def resident_cases(self, resident: Resident, limit: int = 5) -> list[Case]:
        """Cases the resident reported or follows, newest first."""
        path = (
            f"/api/v1/residents/{quote(resident.channel, safe='')}/{quote(resident.user_id, safe='')}/cases"
        )
        body = self._request("GET", path, params={"limit": limit})
        return [dict(case) for case in body.get("cases", [])]

    def rate(self, code: str, resident: Resident, rating: str, comment: str | None) -> Case:
        """satisfied | basically_satisfied | dissatisfied; 409 not_closed unless the case is closed."""
        body = {
            "channel": resident.channel,
            "user_id": resident.user_id,
            "rating": rating,
            "comment": comment,
        }
        return dict(self._request("POST", f"/api/v1/cases/{quote(code, safe='')}/rating", json=body))

    # -- geography -----------------------------------------------------------------------------

    def resolve_place(self, text: str) -> dict[str, Any]:
        """Address text -> {name, latitude, longitude, district, street, community}; 404 unknown_place."""
        return dict(self._request("GET", "/api/v1/geo/resolve", params={"q": text}))

    def locate(self, latitude: float, longitude: float) -> dict[str, Any]:
        """A point -> {district, street, community, grid_cell, unit}; 422 outside_city."""
        params = {"latitude": latitude, "longitude": longitude}
        return dict(self._request("GET", "/api/v1/geo/locate", params=params))

    # -- waste sorting -------------------------------------------------------------------------

    def waste_lookup(self, query: str, city: str) -> dict[str, Any]:
        """What a waste question asks about: the matcher's contract (learned items included) with
        `items`, `ambiguous`, `candidates` and `item_phrase` (docs/platform-api.md)."""
        return self._request("GET", "/api/v1/waste/lookup", params={"q": query, "city": city})

    def ask_desk(
        self,
        resident: Resident,
        text: str,
        item_phrase: str,
        idempotency_key: str,
        *,
        city: str | None = None,
    ) -> DeskQuestion:
        """Hand a question the bot cannot answer to the community's volunteers. Replays (same key)
        answer the first question instead of asking again."""
        body: dict[str, Any] = {
            "resident": {
                "channel": resident.channel,
                "user_id": resident.user_id,
                "chat_id": resident.chat_id,
                "name": resident.name,
            },
            "text": text,
            "item_phrase": item_phrase,
            "city": city,
            "community": resident.community,
        }
        answer = self._request(
            "POST", "/api/v1/waste/questions", json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return DeskQuestion(
            id=str(answer["id"]),
            status=str(answer.get("status") or "open"),
            notified=int(answer.get("notified") or 0),
        )

    # -- transport -----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = requests.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:  # connection refused, DNS, timeout
            raise PlatformUnavailable(f"{method} {path}: {error}") from error
        if response.status_code >= 500:
            raise PlatformUnavailable(f"{method} {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            if response.ok:
                raise PlatformUnavailable(f"{method} {path}: answer is not JSON") from error
            body = None
        if not response.ok:
            raise _error_from(response.status_code, body)
        if not isinstance(body, dict):
            raise PlatformUnavailable(f"{method} {path}: answer is not a JSON object")
        return body


def _error_from(status: int, body: Any) -> PlatformError:
    """`{"detail": {"code", "message"}}`; FastAPI's own 422s carry a list as `detail`."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        return PlatformError(status, str(detail.get("code") or status), str(detail.get("message") or ""))
    if isinstance(detail, list):
        return PlatformError(status, "validation_error", str(detail)[:500])
    return PlatformError(status, f"http_{status}", str(detail or ""))
