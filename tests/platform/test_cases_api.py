"""Opening cases through the internal API: codes, places, deadlines, idempotency, "me too"."""

from __future__ import annotations

import re
from datetime import datetime

from tests.platform.conftest import Api, place


def test_a_report_becomes_a_geotagged_case_with_unit_and_deadline(api: Api) -> None:
    answer = api.report()
    case = answer["case"]
    assert answer["created"] is True
    assert answer["duplicate_of"] is None
    assert case["code"] == "JM20261123-0001"
    assert case["status"] == "reported"
    assert case["status_name"] == "已受理"
    assert case["category_name"]
    assert case["gbt_code"]
    assert case["gbt_major"]
    assert case["district"] in {"蓬江区", "江海区"}
    assert case["street"]
    assert case["unit"]["code"]
    assert case["unit"]["name"]
    assert re.fullmatch(r"[0-9a-f]{15}", case["grid_cell"])
    # GCJ-02 is offset from WGS-84 by a few hundred metres in China.
    assert abs(case["gcj02"]["latitude"] - case["latitude"]) > 1e-4
    deadline = datetime.fromisoformat(case["deadline"])
    assert deadline > api.clock.now
    assert deadline.utcoffset() is not None
    assert case["overdue"] is False
    assert [(h["from"], h["to"]) for h in case["history"]] == [(None, "reported")]
    assert case["history"][0]["actor"] == "群众"


def test_codes_count_per_day_in_city_time(api: Api) -> None:
    assert api.report()["case"]["code"] == "JM20261123-0001"
    assert api.report(**place("良化市场"))["case"]["code"] == "JM20261123-0002"
    api.clock.advance(hours=14)  # 00:00 on the 24th in Jiangmen
    assert api.report(**place("下沙公园"))["case"]["code"] == "JM20261124-0001"


def test_the_same_idempotency_key_files_once(api: Api) -> None:
    first = api.report(key="report-abc")
    again = api.report(key="report-abc", expected=200)
    assert again["case"]["code"] == first["case"]["code"]
    assert api.get("/api/v1/cases").json()["total"] == 1


def test_an_idempotency_key_is_required(api: Api) -> None:
    response = api.post("/api/v1/cases", {"category": "noise", "description": "吵", **place("东湖公园")})
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "invalid_request"


def test_a_point_outside_the_city_is_refused_politely(api: Api) -> None:
    answer = api.report(expected=422, latitude=23.1291, longitude=113.2644)  # Guangzhou
    assert answer["detail"]["code"] == "outside_city"
    assert "江门" in answer["detail"]["message"]
    assert api.get("/api/v1/cases").json()["total"] == 0


def test_an_address_is_placed_with_the_gazetteer(api: Api) -> None:
    answer = api.report(latitude=None, longitude=None, address="东湖公园正门口")
    assert (answer["case"]["latitude"], answer["case"]["longitude"]) == tuple(place("东湖公园").values())
    assert answer["case"]["address"] == "东湖公园正门口"
    unknown = api.report(expected=422, latitude=None, longitude=None, address="火星基地")
    assert unknown["detail"]["code"] == "unknown_place"


def test_bad_input_gets_a_clear_answer(api: Api) -> None:
    assert api.report(expected=422, category="flying_saucers")["detail"]["code"] == "unknown_category"
    assert api.report(expected=422, description="   ")["detail"]["code"] == "empty_description"
    huge = api.report(expected=422, description="垃圾" * 3000)
    assert huge["detail"]["code"] == "invalid_request"
    assert "description" in huge["detail"]["message"]
    assert api.report(expected=422, latitude=200)["detail"]["code"] == "invalid_request"
    assert api.report(expected=422, photo_ids=["nope"])["detail"]["code"] == "unknown_photo"
    response = api.client.post(
        "/api/v1/cases", content=b"{not json", headers={**api.headers, "Idempotency-Key": "x"}
    )
    assert response.status_code == 422
    assert api.get("/api/v1/cases").json()["total"] == 0


def test_the_api_needs_the_token(api: Api) -> None:
    response = api.client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "unauthorized"
    assert api.client.get("/api/v1/cases", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_me_too_links_a_nearby_report_of_the_same_category(api: Api) -> None:
    first = api.report()["case"]
    near = {"latitude": first["latitude"] + 0.0002, "longitude": first["longitude"]}  # about 22 m north
    neighbour = {"channel": "telegram", "user_id": "2002", "chat_id": "2002"}
    linked = api.report(expected=200, reporter=neighbour, **near)
    assert linked["created"] is False
    assert linked["duplicate_of"] == first["code"]
    assert linked["case"]["code"] == first["code"]
    # The neighbour now follows the case: it is in their list and they may see it.
    mine = api.get("/api/v1/residents/telegram/2002/cases").json()["cases"]
    assert [c["code"] for c in mine] == [first["code"]]
    assert api.get(f"/api/v1/cases/{first['code']}", channel="telegram", user_id="2002").status_code == 200
    # Another category at the same spot, or the same category 200 m away, is a new case.
    assert api.report(category="street_light", **near)["created"] is True
    far = {"latitude": first["latitude"] + 0.0018, "longitude": first["longitude"]}
    if api.get("/api/v1/geo/locate", **far).status_code == 200:
        assert api.report(**far)["created"] is True


def test_closed_cases_do_not_swallow_new_reports(api: Api) -> None:
    code = api.report()["case"]["code"]
    api.move(code, "reject", reason="不属于城管职责")
    assert api.report()["created"] is True


def test_only_reporters_and_followers_see_a_case_through_the_bot(api: Api) -> None:
    code = api.report()["case"]["code"]
    assert api.get(f"/api/v1/cases/{code}", channel="telegram", user_id="1001").status_code == 200
    stranger = api.get(f"/api/v1/cases/{code}", channel="telegram", user_id="9999")
    assert stranger.status_code == 403
    assert stranger.json()["detail"]["code"] == "not_yours"
    assert api.get("/api/v1/cases/JM20261123-9999").status_code == 404
    # Codes are normalised: lower case and without the hyphen.
    assert api.get(f"/api/v1/cases/{code.lower().replace('-', '')}").json()["code"] == code


def test_urgent_reports_get_minute_deadlines(api: Api) -> None:
    case = api.report(category="manhole", description="五邑路上井盖缺失，车道上有个大洞")["case"]
    assert case["urgency"] == "urgent"
    dispatch = datetime.fromisoformat(case["dispatch_deadline"])
    assert (dispatch - api.clock.now).total_seconds() == 10 * 60
    assert case["arrive_deadline"] is not None
    normal = api.report(category="manhole", description="井盖有点松，踩上去会响", **place("良化市场"))["case"]
    assert normal["urgency"] == "normal"
    assert datetime.fromisoformat(normal["dispatch_deadline"]) > dispatch
