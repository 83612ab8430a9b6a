"""The outbox through the API: enqueue and dedupe, claims with leases, sent, retry, failed."""

from __future__ import annotations

from typing import Any

from tests.platform.conftest import Api

OUTBOX = "/api/v1/outbox"


def enqueue(api: Api, expected: int = 201, **body: Any) -> dict[str, Any]:
    payload = {"channel": "telegram", "chat_id": "1001", "text": "您好，这是一条测试通知。", **body}
    response = api.post(OUTBOX, payload)
    assert response.status_code == expected, response.text
    return dict(response.json())


def claim(api: Api, channel: str = "telegram", **body: Any) -> list[dict[str, Any]]:
    response = api.post(f"{OUTBOX}/claim", {"channel": channel, **body})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def report(api: Api, item_id: int, outcome: str, expected: int = 200, **body: Any) -> dict[str, Any]:
    response = api.post(f"{OUTBOX}/{item_id}/{outcome}", body)
    assert response.status_code == expected, response.text
    return dict(response.json())


def test_a_message_is_queued_once_per_dedupe_key(api: Api) -> None:
    buttons = [{"title": "报名", "payload": '/join_campaign{"campaign": "qingjie"}'}]
    first = enqueue(api, buttons=buttons, kind="campaign", dedupe_key="campaign:qingjie:1001")
    assert first["status"] == "pending"
    assert first["attempts"] == 0
    assert first["buttons"] == buttons
    assert (first["chat_type"], first["kind"]) == ("private", "campaign")
    assert first["not_before"] == "2026-11-23T10:00:00+08:00"
    again = enqueue(api, 200, text="另一段文字", dedupe_key="campaign:qingjie:1001")
    assert again == first
    assert enqueue(api)["id"] != first["id"]  # no key, no dedupe
    assert len(api.get(OUTBOX).json()["items"]) == 2


def test_malformed_messages_are_refused(api: Api) -> None:
    assert enqueue(api, 422, text="   ")["detail"]["code"] == "empty_text"
    naive = enqueue(api, 422, not_before="2026-11-23T12:00:00")
    assert naive["detail"]["code"] == "invalid_request"
    assert "not_before" in naive["detail"]["message"]
    assert enqueue(api, 422, chat_type="channel_post")["detail"]["code"] == "invalid_request"
    assert api.get(OUTBOX).json() == {"items": []}


def test_a_claim_takes_due_rows_of_its_channel_in_order_under_a_lease(api: Api) -> None:
    later = enqueue(api, text="稍后发送", not_before="2026-11-23T10:05:00+08:00")
    first = enqueue(api, text="第一条")
    second = enqueue(api, chat_id="-100200", chat_type="group", text="第二条")
    web = enqueue(api, channel="web", chat_id="ab12", chat_type="web", text="网页消息")

    items = claim(api, limit=1, lease_seconds=600)
    assert [item["id"] for item in items] == [first["id"]]
    assert set(items[0]) >= {"id", "channel", "chat_id", "chat_type", "text", "buttons", "kind", "attempts"}
    assert items[0]["lease_until"] == "2026-11-23T10:10:00+08:00"
    assert [item["id"] for item in claim(api, lease_seconds=600)] == [second["id"]]
    assert claim(api) == []  # leased, and `later` is not due
    assert [item["id"] for item in claim(api, "web")] == [web["id"]]
    api.clock.advance(minutes=5)
    [due] = claim(api)
    assert (due["id"], due["status"]) == (later["id"], "sending")


def test_an_expired_lease_is_claimed_again_and_counts_as_an_attempt(api: Api) -> None:
    item = enqueue(api)
    assert claim(api, lease_seconds=30)[0]["attempts"] == 0
    api.clock.advance(seconds=29)
    assert claim(api) == []
    api.clock.advance(seconds=1)
    [again] = claim(api, lease_seconds=30)
    assert (again["id"], again["attempts"], again["last_error"]) == (item["id"], 1, "lease expired")
    sent = report(api, item["id"], "sent")
    assert (sent["status"], sent["sent_at"], sent["lease_until"]) == (
        "sent",
        "2026-11-23T10:00:30+08:00",
        None,
    )
    assert report(api, item["id"], "sent") == sent  # a repeated report changes nothing
    api.clock.advance(minutes=5)
    assert claim(api) == []
    assert [i["id"] for i in api.get(OUTBOX, status="sent").json()["items"]] == [item["id"]]


def test_a_row_whose_leases_keep_expiring_fails_after_eight_attempts(api: Api) -> None:
    item = enqueue(api)
    for attempt in range(8):
        [claimed] = claim(api, lease_seconds=10)
        assert claimed["attempts"] == attempt
        api.clock.advance(seconds=10)
    assert claim(api) == []
    [failed] = api.get(OUTBOX, status="failed").json()["items"]
    assert (failed["id"], failed["attempts"]) == (item["id"], 8)


def test_retry_waits_then_fails_after_eight_attempts(api: Api) -> None:
    item = enqueue(api)
    for attempt in range(1, 8):
        [claimed] = claim(api)
        assert claimed["id"] == item["id"]
        retried = report(api, item["id"], "retry", after_seconds=30, error="429 Too Many Requests")
        assert (retried["status"], retried["attempts"]) == ("pending", attempt)
        assert retried["last_error"] == "429 Too Many Requests"
        api.clock.advance(seconds=29)
        assert claim(api) == []
        api.clock.advance(seconds=1)
    claim(api)
    failed = report(api, item["id"], "retry", after_seconds=30, error="still 429")
    assert (failed["status"], failed["attempts"]) == ("failed", 8)
    assert report(api, item["id"], "retry", after_seconds=30, error="again") == failed
    api.clock.advance(hours=1)
    assert claim(api) == []
    closed = report(api, item["id"], "sent", expected=409)
    assert closed["detail"]["code"] == "outbox_closed"


def test_failed_is_final_and_unknown_ids_are_404(api: Api) -> None:
    item = enqueue(api)
    claim(api)
    failed = report(api, item["id"], "failed", error="Forbidden: bot was blocked by the user")
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"] == "Forbidden: bot was blocked by the user"
    assert report(api, item["id"], "failed", error="again") == failed
    assert report(api, item["id"], "sent", expected=409)["detail"]["code"] == "outbox_closed"
    sent = enqueue(api)
    claim(api)
    report(api, sent["id"], "sent")
    assert report(api, sent["id"], "failed", expected=409)["detail"]["code"] == "outbox_closed"
    missing = report(api, 999_999, "sent", expected=404)
    assert missing["detail"]["code"] == "outbox_not_found"
    assert report(api, 999_999, "retry", expected=422)["detail"]["code"] == "invalid_request"


def test_staff_list_filters_by_status_and_channel(api: Api) -> None:
    a = enqueue(api)
    b = enqueue(api, channel="web", chat_id="ab12", chat_type="web")
    c = enqueue(api)
    [leased] = claim(api, limit=1)
    assert leased["lease_until"] == "2026-11-23T10:01:00+08:00"  # 60 s by default
    listed = api.get(OUTBOX).json()["items"]
    assert [i["id"] for i in listed] == [c["id"], b["id"], a["id"]]
    assert [i["id"] for i in api.get(OUTBOX, status="pending", channel="telegram").json()["items"]] == [
        c["id"]
    ]
    both = api.get(OUTBOX, status="pending,sending", limit=2).json()["items"]
    assert [i["id"] for i in both] == [c["id"], b["id"]]
    unknown = api.get(OUTBOX, status="pending,lost")
    assert unknown.status_code == 422
    assert unknown.json()["detail"]["code"] == "unknown_status"
    assert api.client.get(OUTBOX).status_code == 401
