"""The closed loop through the API: transitions, photos, rating, reopening, overdue, statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.platform.conftest import Api


def close_case(api: Api, code: str) -> dict[str, Any]:
    api.move(code, "file")
    api.move(code, "dispatch")
    photo = api.upload().json()["id"]
    api.move(code, "handle", photo_ids=[photo], note="已清理完毕")
    api.move(code, "verify")
    return api.move(code, "close")


def test_a_case_goes_round_the_loop_with_its_history_and_photos(api: Api) -> None:
    before = api.upload().json()["id"]
    code = api.report(photo_ids=[before])["case"]["code"]
    closed = close_case(api, code)
    assert closed["status"] == "closed"
    steps = [(h["from"], h["to"]) for h in closed["history"]]
    assert steps == [
        (None, "reported"),
        ("reported", "filed"),
        ("filed", "dispatched"),
        ("dispatched", "handled"),
        ("handled", "verified"),
        ("verified", "closed"),
    ]
    assert sorted(p["stage"] for p in closed["photos"]) == ["after", "before"]


def test_illegal_transitions_answer_409_with_the_reason(api: Api) -> None:
    code = api.report()["case"]["code"]
    refused = api.move(code, "close", expected=409)
    assert refused["detail"]["code"] == "illegal_transition"
    assert "已受理" in refused["detail"]["message"]
    assert "file" in refused["detail"]["message"]
    api.move(code, "file")
    api.move(code, "dispatch")
    assert api.move(code, "handle", expected=422)["detail"]["code"] == "missing_requirement"
    assert api.move(code, "fly", expected=422)["detail"]["code"] == "missing_requirement"
    assert api.get(f"/api/v1/cases/{code}").json()["status"] == "dispatched"


def test_rating_needs_a_closed_case_and_dissatisfied_reopens_it(api: Api) -> None:
    code = api.report()["case"]["code"]
    rating = {"channel": "telegram", "user_id": "1001", "rating": "dissatisfied", "comment": "没有清理干净"}
    early = api.post(f"/api/v1/cases/{code}/rating", rating)
    assert early.status_code == 409
    assert early.json()["detail"]["code"] == "not_closed"
    close_case(api, code)
    stranger = api.post(f"/api/v1/cases/{code}/rating", {**rating, "user_id": "7"})
    assert stranger.status_code == 403
    api.clock.advance(days=3)
    reopened = api.post(f"/api/v1/cases/{code}/rating", rating).json()
    assert reopened["status"] == "reopened"
    assert reopened["rating"] == "dissatisfied"
    assert [h["to"] for h in reopened["history"]][-2:] == ["rated", "reopened"]
    assert datetime.fromisoformat(reopened["deadline"]) > api.clock.now
    assert api.move(code, "dispatch")["status"] == "dispatched"


def test_satisfied_rating_ends_the_loop(api: Api) -> None:
    code = api.report()["case"]["code"]
    close_case(api, code)
    rated = api.post(
        f"/api/v1/cases/{code}/rating", {"channel": "telegram", "user_id": "1001", "rating": "satisfied"}
    ).json()
    assert rated["status"] == "rated"
    assert rated["rating"] == "satisfied"


def test_overdue_is_computed_from_the_clock(api: Api) -> None:
    code = api.report()["case"]["code"]
    assert api.get("/api/v1/cases", overdue="true").json()["total"] == 0
    api.clock.advance(days=30)
    assert api.get(f"/api/v1/cases/{code}").json()["overdue"] is True
    assert [c["code"] for c in api.get("/api/v1/cases", overdue="true").json()["cases"]] == [code]
    api.move(code, "reject", reason="重复反映")
    assert api.get("/api/v1/cases", overdue="true").json()["total"] == 0


def test_staff_filters(api: Api) -> None:
    first = api.report()["case"]
    api.report(category="noise", description="晚上广场舞音响太大声")
    api.move(first["code"], "file")
    by_status = api.get("/api/v1/cases", status="filed").json()
    assert [c["code"] for c in by_status["cases"]] == [first["code"]]
    assert api.get("/api/v1/cases", category="noise").json()["total"] == 1
    assert api.get("/api/v1/cases", street=first["street"]).json()["total"] >= 1
    assert api.get("/api/v1/cases", grid_cell=first["grid_cell"]).json()["total"] >= 1
    assert api.get("/api/v1/cases", district="不存在区").json()["total"] == 0
    assert api.get("/api/v1/cases", limit=1).json()["total"] == 2
    assert len(api.get("/api/v1/cases", limit=1).json()["cases"]) == 1


def test_reassigning_a_case_is_recorded(api: Api) -> None:
    case = api.report()["case"]
    other = api.report(category="street_light", description="路灯不亮")["case"]["unit"]["code"]
    assert other != case["unit"]["code"]
    body = {"unit": other, "actor": "dispatcher:wang"}
    moved = api.post(f"/api/v1/cases/{case['code']}/assign", body).json()
    assert moved["unit"]["code"] == other
    assert "责任单位" in moved["history"][-1]["note"]
    bad = api.post(f"/api/v1/cases/{case['code']}/assign", {"unit": "nowhere", "actor": "x"})
    assert bad.status_code == 422


def test_statistics(api: Api) -> None:
    on_time = api.report()["case"]["code"]
    api.clock.advance(minutes=30)
    close_case(api, on_time)
    late = api.report(category="noise", description="工地夜间施工噪音")["case"]["code"]
    api.clock.advance(days=40)
    close_case(api, late)
    api.report(category="street_light", description="路灯不亮")
    stats = api.get("/api/v1/stats").json()
    assert stats["total"] == 3
    assert stats["closed"] == 2
    assert stats["filed"] == 2
    assert stats["closure_rate"] == 1.0
    assert stats["on_time_rate"] == 0.5
    assert stats["mean_hours_per_stage"]["filed"] > 0
    assert stats["by_status"] == {"closed": 2, "reported": 1}


def test_a_rated_case_cannot_be_rated_twice(api: Api) -> None:
    code = api.report()["case"]["code"]
    close_case(api, code)
    rating = {"channel": "telegram", "user_id": "1001", "rating": "basically_satisfied"}
    assert api.post(f"/api/v1/cases/{code}/rating", rating).status_code == 200
    again = api.post(f"/api/v1/cases/{code}/rating", rating)
    assert again.status_code == 409
    assert again.json()["detail"]["code"] == "already_rated"
