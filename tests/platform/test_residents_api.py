"""Residents through the API: profile upsert, communities, sorting tips, erasure of personal data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cityplatform.db.models import CaseEvent, CaseFollower, OutboxMessage, Resident
from cityplatform.geo import load_city
from tests.platform.conftest import Api, place

ME = "/api/v1/residents/telegram/1001"


def save(api: Api, path: str = ME, expected: int = 200, **body: Any) -> dict[str, Any]:
    response = api.put(path, body)
    assert response.status_code == expected, response.text
    return dict(response.json())


def test_a_resident_is_created_then_only_the_given_fields_change(api: Api) -> None:
    assert api.get(ME).status_code == 404
    assert api.get(ME).json()["detail"]["code"] == "resident_not_found"
    created = save(api, chat_id="1001", name="陈女士", language="zh-hans", community="东风社区")
    assert created == {
        "channel": "telegram",
        "user_id": "1001",
        "chat_id": "1001",
        "name": "陈女士",
        "language": "zh-hans",
        "community": "东风社区",
        "tips": {"enabled": False, "time": "08:00"},
        "created_at": "2026-11-23T10:00:00+08:00",
    }
    api.clock.advance(hours=1)
    renamed = save(api, name="  陈小姐 ", chat_id=None)
    assert renamed == {**created, "name": "陈小姐"}
    assert save(api, language="en_GB") == {**renamed, "language": "en-gb"}
    cleared = save(api, community="", name="")
    assert (cleared["community"], cleared["name"], cleared["chat_id"]) == (None, None, "1001")
    assert api.get(ME).json() == cleared


def test_an_unknown_community_or_a_bad_language_is_refused(api: Api) -> None:
    save(api, community="东风社区")
    refused = save(api, expected=422, community="火星社区", name="陈女士")
    assert refused["detail"]["code"] == "unknown_community"
    assert "火星社区" in refused["detail"]["message"]
    assert "社区列表" in refused["detail"]["message"]
    unchanged = api.get(ME).json()
    assert (unchanged["community"], unchanged["name"]) == ("东风社区", None)
    assert save(api, expected=422, language="中文")["detail"]["code"] == "invalid_request"
    never = save(api, "/api/v1/residents/telegram/2002", expected=422, community="火星社区")
    assert never["detail"]["code"] == "unknown_community"
    assert api.get("/api/v1/residents/telegram/2002").status_code == 404


def test_the_communities_come_from_the_city_map(api: Api) -> None:
    communities = api.get("/api/v1/geo/communities").json()
    assert {"name": "东风社区", "street": "白沙街道", "district": "蓬江区"} in communities
    expected = [(r.name, r.street, r.district) for r in load_city().regions if r.level == "community"]
    assert [(c["name"], c["street"], c["district"]) for c in communities] == expected
    for community in communities:
        assert save(api, community=community["name"])["community"] == community["name"]


def test_tips_default_to_eight_and_keep_their_time(api: Api) -> None:
    tips = "/api/v1/residents/web/ab12/tips"
    on = api.put(tips, {"enabled": True})
    assert on.status_code == 200, on.text
    assert on.json()["tips"] == {"enabled": True, "time": "08:00"}
    assert (on.json()["channel"], on.json()["user_id"]) == ("web", "ab12")
    assert api.put(tips, {"enabled": True, "time": "19:30"}).json()["tips"] == {
        "enabled": True,
        "time": "19:30",
    }
    assert api.put(tips, {"enabled": False, "time": None}).json()["tips"] == {
        "enabled": False,
        "time": "19:30",
    }
    assert api.put(tips, {"enabled": True, "time": "7:05"}).json()["tips"] == {
        "enabled": True,
        "time": "07:05",
    }


@pytest.mark.parametrize("time", ["24:00", "19:60", "7", "七点", "07:00:00", ""])
def test_an_invalid_tips_time_is_refused(sqlite_api: Api, time: str) -> None:
    refused = sqlite_api.put(f"{ME}/tips", {"enabled": True, "time": time})
    assert refused.status_code == 422
    assert refused.json()["detail"]["code"] == "invalid_time"
    assert "24 小时制" in refused.json()["detail"]["message"]
    assert sqlite_api.get(ME).status_code == 404


def test_erasure_leaves_no_personal_data_and_keeps_the_cases(api: Api) -> None:
    reporter = {
        "channel": "telegram",
        "user_id": "1001",
        "chat_id": "1001",
        "name": "陈女士",
        "phone": "13800000000",
    }
    code = api.report(reporter=reporter)["case"]["code"]
    other = api.report(category="noise", description="半夜装修噪声很大", reporter=reporter)["case"]["code"]
    neighbour = {"channel": "telegram", "user_id": "2002", "chat_id": "2002"}
    assert api.report(200, reporter=neighbour)["duplicate_of"] == code
    save(api, language="zh-hans", community="东风社区")
    api.put(f"{ME}/tips", {"enabled": True, "time": "07:30"})
    photo = api.upload().json()["id"]
    api.post(f"/api/v1/cases/{code}/photos", {"photo_ids": [photo], "channel": "telegram", "user_id": "1001"})
    sent = api.post(
        "/api/v1/outbox", {"channel": "telegram", "chat_id": "1001", "text": "已发出的通知"}
    ).json()
    api.post("/api/v1/outbox/claim", {"channel": "telegram"})
    api.post(f"/api/v1/outbox/{sent['id']}/sent")
    api.move(code, "file")
    api.move(code, "dispatch")  # a case update for each of them waits in the outbox
    api.post(
        "/api/v1/outbox", {"channel": "telegram", "chat_id": "1001", "text": "本周六社区清洁日，欢迎参加。"}
    )

    assert api.delete(ME).status_code == 204

    assert api.get(ME).status_code == 404
    assert api.get(f"{ME}/cases").json() == {"cases": []}
    assert api.get(f"/api/v1/cases/{code}", channel="telegram", user_id="1001").status_code == 403
    assert api.get(f"/api/v1/cases/{code}").json()["code"] == code
    with api.platform.sessions() as session:
        [erased] = session.scalars(select(Resident).where(Resident.erased_at.is_not(None))).all()
        assert erased.user_id.startswith("erased-")
        assert len(erased.user_id) > 20
        personal = (erased.chat_id, erased.name, erased.phone, erased.community, erased.language)
        assert personal == (None, None, None, None, None)
        assert erased.tips_enabled is False
        assert session.scalars(select(CaseFollower).where(CaseFollower.resident_id == erased.id)).all() == []
        actors = set(session.scalars(select(CaseEvent.actor)))
        assert not any("1001" in actor for actor in actors)
        assert "resident:erased" in actors
        rows = session.scalars(select(OutboxMessage)).all()
        assert not any(row.chat_id == "1001" or row.resident_id == erased.id for row in rows)
        theirs = [row for row in rows if row.chat_id == "erased"]
        assert sorted(row.status for row in theirs) == ["cancelled", "cancelled", "sent"]
        assert all(row.text == "" and row.buttons == [] for row in theirs)
        [kept] = [row for row in rows if row.chat_id == "2002"]
        assert kept.status == "pending"
    # the cases stay, and the neighbour still hears about the one they follow
    assert api.get(f"/api/v1/cases/{other}").json()["status"] == "reported"
    api.move(code, "handle", photo_ids=[api.upload().json()["id"]])
    updates = api.get("/api/v1/outbox", status="pending").json()["items"]
    assert [item["chat_id"] for item in updates] == ["2002", "2002"]


def test_erasure_is_idempotent_and_a_returning_resident_starts_afresh(api: Api) -> None:
    assert api.delete("/api/v1/residents/telegram/never-seen").status_code == 204
    api.report()
    save(api, community="东风社区")
    api.put(f"{ME}/tips", {"enabled": True, "time": "07:30"})
    assert api.delete(ME).status_code == 204
    assert api.delete(ME).status_code == 204
    again = save(api, chat_id="1001")
    assert (again["name"], again["community"], again["tips"]) == (
        None,
        None,
        {"enabled": False, "time": "08:00"},
    )
    assert api.get(f"{ME}/cases").json() == {"cases": []}
    code = api.report(**place("良化市场"))["case"]["code"]
    assert [case["code"] for case in api.get(f"{ME}/cases").json()["cases"]] == [code]
