"""Helpers for the volunteer-desk tests: invites, volunteers, questions, answers, the outbox, sweeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cityplatform.desk.sweep import SweepResult, sweep
from tests.platform.conftest import Api

STEWARD = "steward:li"
ASKER = {"channel": "telegram", "user_id": "1001", "chat_id": "1001", "name": "陈女士"}
# Nobody's knowledge base knows it: the bot hands it to the desk.
UNKNOWN_TEXT = "喵呜星人的反物质引擎是什么垃圾"
UNKNOWN_PHRASE = "喵呜星人的反物质引擎"


def invite(api: Api, expected: int = 201, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/volunteers/invites", {"actor": STEWARD, **body})
    assert response.status_code == expected, response.text
    return dict(response.json())


def join(
    api: Api, user_id: str, code: str, expected: int = 201, channel: str = "telegram", **resident: Any
) -> dict[str, Any]:
    body = {
        "invite_code": code,
        "resident": {"channel": channel, "user_id": user_id, "chat_id": user_id, **resident},
    }
    response = api.post("/api/v1/volunteers", body)
    assert response.status_code == expected, response.text
    return dict(response.json())


def volunteers(api: Api, *user_ids: str, community: str | None = "东风社区") -> list[int]:
    """Register volunteers of a community (None: the whole city); their volunteer ids."""
    code = invite(api, community=community)["code"] if community else invite(api)["code"]
    return [int(join(api, user_id, code)["volunteer_id"]) for user_id in user_ids]


def ask(
    api: Api,
    expected: int = 201,
    key: str | None = None,
    text: str = UNKNOWN_TEXT,
    phrase: str | None = UNKNOWN_PHRASE,
    **body: Any,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"resident": ASKER, "text": text, "item_phrase": phrase, **body}
    headers = {"Idempotency-Key": key} if key else {}
    response = api.post("/api/v1/waste/questions", payload, **headers)
    assert response.status_code == expected, response.text
    return dict(response.json())


def answer(
    api: Api,
    question_id: int,
    user_id: str,
    category_key: str,
    expected: int = 201,
    note: str | None = None,
    channel: str = "telegram",
) -> dict[str, Any]:
    body = {
        "volunteer": {"channel": channel, "user_id": user_id},
        "category_key": category_key,
        "note": note,
    }
    response = api.post(f"/api/v1/waste/questions/{question_id}/answers", body)
    assert response.status_code == expected, response.text
    return dict(response.json())


def to(items: list[dict[str, Any]]) -> list[str]:
    return [item["chat_id"] for item in items]


def run_sweep(api: Api, **later: float) -> SweepResult:
    """Move the frozen clock on (minutes=…) and sweep, as the scheduler would."""
    api.clock.now += timedelta(**later)
    with api.platform.sessions() as session:
        return sweep(session, api.clock.now, api.settings)


def learned(api: Api) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in api.get("/api/v1/waste/learned").json()["items"]}


def lookup(api: Api, query: str, **params: str) -> dict[str, Any]:
    response = api.get("/api/v1/waste/lookup", q=query, **params)
    assert response.status_code == 200, response.text
    return dict(response.json())
