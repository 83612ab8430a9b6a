"""Open311 GeoReport v2: discovery, services from the taxonomy, requests without personal data."""

from __future__ import annotations

from knowledge.taxonomy import categories
from tests.platform.conftest import OPEN311_KEY, Api, place


def test_discovery_and_services(api: Api) -> None:
    discovery = api.client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services = api.client.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} == set(categories())
    manhole = next(s for s in services if s["service_code"] == "manhole")
    assert manhole["group"]
    assert manhole["service_name"] == categories()["manhole"].name
    assert api.client.get("/open311/v2/services/manhole.json").json()["service_code"] == "manhole"
    assert api.client.get("/open311/v2/services/nothing.json").status_code == 404


def test_post_needs_an_api_key_and_answers_in_open311_format(api: Api) -> None:
    form = {"service_code": "street_light", "description": "路灯不亮", **{"lat": 0.0, "long": 0.0}}
    form.update(lat=place("东湖公园")["latitude"], long=place("东湖公园")["longitude"])
    refused = api.client.post("/open311/v2/requests.json", data={**form, "api_key": "wrong"})
    assert refused.status_code == 403
    assert refused.json() == [{"code": 403, "description": "api_key 无效。"}]
    created = api.client.post("/open311/v2/requests.json", data={**form, "api_key": OPEN311_KEY})
    assert created.status_code == 201
    [answer] = created.json()
    assert answer["service_request_id"].startswith("JM20261123-")
    outside = api.client.post(
        "/open311/v2/requests.json", data={**form, "lat": 23.13, "long": 113.26, "api_key": OPEN311_KEY}
    )
    assert outside.status_code == 422
    assert outside.json()[0]["code"] == 422


def test_requests_show_status_and_deadline_but_never_the_reporter(api: Api) -> None:
    code = api.report(description="门口垃圾没人清理，联系我 13812345678")["case"]["code"]
    [request] = api.client.get(f"/open311/v2/requests/{code}.json").json()
    assert request["status"] == "open"
    assert "已受理" in request["status_notes"]
    assert request["expected_datetime"].endswith("+08:00")
    assert request["service_code"] == "exposed_garbage"
    assert request["agency_responsible"]
    text = api.client.get(f"/open311/v2/requests/{code}.json").text
    for personal in ("1001", "陈女士", "13812345678", "telegram"):
        assert personal not in text
    api.move(code, "reject", reason="已由物业处理")
    [closed] = api.client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert closed["service_request_id"] == code
    assert "已由物业处理" in closed["status_notes"]
    assert api.client.get("/open311/v2/requests.json", params={"status": "open"}).json() == []
    assert api.client.get("/open311/v2/requests/JM20000101-0001.json").status_code == 404
    bad = api.client.get("/open311/v2/requests.json", params={"start_date": "yesterday"})
    assert bad.status_code == 422
    assert isinstance(bad.json(), list)
