"""Desk volunteers through the API: invite codes, their expiry and uses, joining, leaving."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cityplatform.db.models import VolunteerInvite
from tests.platform.conftest import TOKEN, Api
from tests.platform.desk import STEWARD, invite, join

CODE = re.compile(r"[A-HJ-NP-Z2-9]{8}")


def test_an_invite_names_its_community_and_expires_after_the_given_days(api: Api) -> None:
    created = invite(api, community="东风社区", max_uses=5, expires_days=7)
    assert CODE.fullmatch(created["code"]), created["code"]
    assert created == {
        "code": created["code"],
        "community": "东风社区",
        "expires_at": "2026-11-30T10:00:00+08:00",
        "max_uses": 5,
        "uses": 0,
        "created_by": STEWARD,
    }
    city_wide = invite(api)
    assert (city_wide["community"], city_wide["max_uses"], city_wide["expires_at"]) == (
        None,
        20,
        "2026-12-23T10:00:00+08:00",
    )
    assert city_wide["code"] != created["code"]


def test_codes_avoid_look_alike_characters() -> None:
    from cityplatform.desk.volunteers import new_code

    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.fullmatch(code) for code in codes)
    assert not set("".join(codes)) & set("01OI")


def test_a_resident_joins_with_a_code_once_and_may_leave_and_come_back(api: Api) -> None:
    code = invite(api, community="东风社区")["code"]
    joined = join(api, "2001", code.lower(), name="志愿者小王")
    assert joined == {"volunteer_id": joined["volunteer_id"], "community": "东风社区", "created": True}
    again = join(api, "2001", code, expected=200)
    assert again == {**joined, "created": False}
    staff = api.get("/api/v1/volunteers").json()["items"]
    assert [(v["user_id"], v["name"], v["community"]) for v in staff] == [("2001", "志愿者小王", "东风社区")]
    assert api.get("/api/v1/residents/telegram/2001").json()["chat_id"] == "2001"

    assert api.delete("/api/v1/volunteers/telegram/2001").status_code == 204
    assert api.delete("/api/v1/volunteers/telegram/2001").status_code == 204  # idempotent
    assert api.get("/api/v1/volunteers").json()["items"] == []
    back = join(api, "2001", code)
    assert back["volunteer_id"] == joined["volunteer_id"]
    with api.platform.sessions() as session:
        assert session.scalars(select(VolunteerInvite.uses)).one() == 2


def test_a_city_wide_invite_takes_the_residents_own_community(api: Api) -> None:
    api.put("/api/v1/residents/telegram/2002", {"community": "建设社区"})
    code = invite(api)["code"]
    assert join(api, "2002", code)["community"] == "建设社区"
    assert join(api, "2003", code)["community"] is None


def test_an_expired_code_is_refused(api: Api) -> None:
    code = invite(api, expires_days=1)["code"]
    api.clock.advance(days=1)
    refused = join(api, "2001", code, expected=400)
    assert refused["detail"]["code"] == "invalid_invite"
    assert "过期" in refused["detail"]["message"]
    assert api.get("/api/v1/volunteers").json()["items"] == []


def test_a_code_is_used_up_after_max_uses(api: Api) -> None:
    code = invite(api, max_uses=2)["code"]
    join(api, "2001", code)
    join(api, "2002", code)
    join(api, "2001", code, expected=200)  # already a volunteer: no use counted
    refused = join(api, "2003", code, expected=400)
    assert refused["detail"]["code"] == "invalid_invite"
    assert "用完" in refused["detail"]["message"]
    unknown = join(api, "2003", "ZZZZZZZZ", expected=400)
    assert unknown["detail"] == {
        "code": "invalid_invite",
        "message": "这个邀请码不存在，请核对后重新输入，或向社区工作人员索取邀请码。",
    }


def test_bad_invites_are_refused(api: Api) -> None:
    unknown = invite(api, expected=422, community="火星社区")
    assert unknown["detail"]["code"] == "unknown_community"
    assert invite(api, expected=422, max_uses=0)["detail"]["code"] == "invalid_request"
    assert invite(api, expected=422, expires_days=400)["detail"]["code"] == "invalid_request"
    missing_actor = api.post("/api/v1/volunteers/invites", {"community": "东风社区"})
    assert missing_actor.status_code == 422
    assert "actor" in missing_actor.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/volunteers/invites"),
        ("POST", "/api/v1/volunteers"),
        ("GET", "/api/v1/volunteers"),
        ("DELETE", "/api/v1/volunteers/telegram/2001"),
        ("GET", "/api/v1/waste/lookup?q=电池"),
        ("GET", "/api/v1/waste/learned"),
        ("PUT", "/api/v1/waste/learned/电池"),
        ("DELETE", "/api/v1/waste/learned/电池?actor=x"),
        ("GET", "/api/v1/waste/learned/电池/history"),
        ("POST", "/api/v1/waste/questions"),
        ("GET", "/api/v1/waste/questions"),
        ("POST", "/api/v1/waste/questions/1/answers"),
        ("PATCH", "/api/v1/waste/questions/1/answers/mine"),
        ("POST", "/api/v1/waste/questions/1/approve"),
    ],
)
def test_every_desk_endpoint_needs_the_token(sqlite_api: Api, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = sqlite_api.client.request(method, path, json={}, headers=headers)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["detail"]["code"] == "unauthorized"
    allowed = sqlite_api.client.request(method, path, json={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code != 401
