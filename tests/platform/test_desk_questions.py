"""Desk questions through the API: who is asked, escalation and the bot's guess by the sweep, the
first answer going to the resident, votes, notes, idempotency, validation and erasure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cityplatform.db.models import DeskAnswer, DeskQuestion, OutboxMessage, Volunteer
from cityplatform.desk.sweep import SweepResult
from tests.platform.conftest import Api
from tests.platform.desk import (
    UNKNOWN_PHRASE,
    UNKNOWN_TEXT,
    answer,
    ask,
    run_sweep,
    to,
    volunteers,
)
from tests.platform.outbox import drain as sent

BUTTONS = ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "我也不确定"]


def neighbourhood(api: Api) -> dict[str, int]:
    """Volunteers 2001 and 2002 of 东风社区, 3001 of 建设社区; the asker 1001 lives in 东风社区."""
    api.put("/api/v1/residents/telegram/1001", {"chat_id": "1001", "community": "东风社区"})
    east = volunteers(api, "2001", "2002", community="东风社区")
    [west] = volunteers(api, "3001", community="建设社区")
    return {"2001": east[0], "2002": east[1], "3001": west}


def test_a_question_goes_to_the_volunteers_of_the_residents_community(api: Api) -> None:
    ids = neighbourhood(api)
    question = ask(api)
    assert question["status"] == "open"
    assert question["notified"] == 2
    assert question["best_guess"] is None
    assert (question["text"], question["item_phrase"], question["city"], question["community"]) == (
        UNKNOWN_TEXT,
        UNKNOWN_PHRASE,
        "jiangmen",
        "东风社区",
    )
    asked = sent(api)
    assert to(asked) == ["2001", "2002"]
    qid = question["id"]
    for item, user_id in zip(asked, ["2001", "2002"], strict=True):
        assert item["text"] == f"居民提问：「{UNKNOWN_TEXT}」\n系统暂时没能判断出来。\n请选择正确的分类："
        assert [b["title"] for b in item["buttons"]] == BUTTONS
        assert [b["payload"] for b in item["buttons"]] == [
            f"desk:{qid}:recyclable",
            f"desk:{qid}:hazardous",
            f"desk:{qid}:kitchen",
            f"desk:{qid}:other",
            f"desk:{qid}:skip",
        ]
        assert item["kind"] == "desk"
        assert item["dedupe_key"] == f"desk:{qid}:ask:{ids[user_id]}"


def test_the_requests_community_counts_when_the_resident_has_none(api: Api) -> None:
    neighbourhood(api)
    other = {"channel": "telegram", "user_id": "1002", "chat_id": "1002"}
    assert ask(api, resident=other, community="建设社区")["notified"] == 1
    assert to(sent(api)) == ["3001"]


def test_everyone_is_asked_when_the_community_has_no_volunteers(api: Api) -> None:
    neighbourhood(api)
    stranger = {"channel": "telegram", "user_id": "1003", "chat_id": "1003"}
    assert ask(api, resident=stranger)["notified"] == 3
    assert to(sent(api)) == ["2001", "2002", "3001"]
    assert ask(api, resident=stranger, community="篁庄社区")["notified"] == 3


def test_unreachable_volunteers_and_the_asker_are_not_asked(api: Api) -> None:
    api.put("/api/v1/residents/telegram/1001", {"chat_id": "1001", "community": "东风社区"})
    [me] = volunteers(api, "1001")  # the asker is a volunteer too
    code = api.post("/api/v1/volunteers/invites", {"actor": "steward:li", "community": "东风社区"}).json()
    for resident in (
        {"channel": "rest", "user_id": "curl", "chat_id": "curl"},  # no chat to deliver to
        {"channel": "telegram", "user_id": "2009"},  # chat unknown
    ):
        joined = api.post("/api/v1/volunteers", {"invite_code": code["code"], "resident": resident})
        assert joined.status_code == 201
    volunteers(api, "3001", community="建设社区")
    assert ask(api)["notified"] == 1  # nobody reachable in 东风社区 but the asker: everyone else
    assert to(sent(api)) == ["3001"]
    assert me


def test_unanswered_questions_are_escalated_then_guessed_once(api: Api) -> None:
    neighbourhood(api)
    qid = ask(api)["id"]
    sent(api)
    assert run_sweep(api, minutes=9) == SweepResult()
    assert sent(api) == []

    assert run_sweep(api, minutes=1) == SweepResult(escalated=1, messages=1)
    escalated = sent(api)
    assert to(escalated) == ["3001"]
    assert escalated[0]["text"].startswith(f"居民提问：「{UNKNOWN_TEXT}」")
    assert run_sweep(api, minutes=1) == SweepResult()
    shown = api.get(f"/api/v1/waste/questions/{qid}").json()
    assert (shown["status"], shown["notified"], shown["escalated_at"]) == (
        "open",
        3,
        "2026-11-23T10:10:00+08:00",
    )

    assert run_sweep(api, minutes=108) == SweepResult()  # 119 minutes
    assert run_sweep(api, minutes=1) == SweepResult(guessed=1, messages=1)
    [guess] = sent(api)
    assert guess["chat_id"] == "1001"
    assert guess["text"].startswith("暂时还没有志愿者回复，先给您系统的初步判断（仅供参考）：")
    assert UNKNOWN_PHRASE in guess["text"]
    assert guess["dedupe_key"] == f"desk:{qid}:guess"
    assert run_sweep(api, minutes=60) == SweepResult()
    assert sent(api) == []
    assert api.get("/api/v1/waste/questions", status="guessed").json()["items"][0]["id"] == qid
    closed = answer(api, qid, "2001", "other", expected=409)
    assert closed["detail"]["code"] == "question_closed"


def test_a_question_nobody_saw_for_two_hours_is_guessed_without_escalation(api: Api) -> None:
    neighbourhood(api)
    ask(api)
    sent(api)
    assert run_sweep(api, hours=3) == SweepResult(guessed=1, messages=1)
    assert to(sent(api)) == ["1001"]


def test_the_first_answer_goes_to_the_resident_and_later_ones_are_votes(api: Api) -> None:
    ids = neighbourhood(api)
    qid = ask(api)["id"]
    sent(api)
    first = answer(api, qid, "2001", "hazardous", note="里面有纽扣电池，要单独拆出来")
    assert first == {
        "first": True,
        "question_id": qid,
        "category_key": "hazardous",
        "category": "有害垃圾",
        "skipped": False,
        "repeated": False,
        "resident_notified": True,
        "learned": None,
    }
    told = sent(api)
    assert to(told) == ["1001", "2002"]
    assert told[0]["text"] == (
        f"志愿者回复：「{UNKNOWN_PHRASE}」属于有害垃圾，请投放到红色桶。里面有纽扣电池，要单独拆出来。"
    )
    assert told[0]["dedupe_key"] == f"desk:{qid}:answer"
    assert told[1]["text"] == "这个问题已经有志愿者解答了，谢谢您的热心！"

    vote = answer(api, qid, "2002", "other", expected=200)
    assert (vote["first"], vote["category_key"], vote["resident_notified"]) == (False, "other", False)
    late = answer(api, qid, "3001", "hazardous", expected=200)  # not asked, may still vote
    assert late["first"] is False
    assert sent(api) == []
    again = answer(api, qid, "2001", "hazardous", expected=200)
    assert (again["first"], again["repeated"]) == (True, True)
    assert sent(api) == []

    shown = api.get(f"/api/v1/waste/questions/{qid}").json()
    assert shown["status"] == "answered"
    assert shown["answer"] == {
        "category_key": "hazardous",
        "by": f"volunteer:{ids['2001']}",
        "at": "2026-11-23T10:00:00+08:00",
    }
    assert shown["votes"] == {"hazardous": 2, "other": 1}
    # answered questions are neither escalated nor guessed
    assert run_sweep(api, hours=3) == SweepResult()
    assert sent(api) == []


def test_a_shanghai_question_is_answered_in_shanghai_naming(api: Api) -> None:
    neighbourhood(api)
    qid = ask(api, city="上海")["id"]
    assert api.get(f"/api/v1/waste/questions/{qid}").json()["city"] == "shanghai"
    sent(api)
    answer(api, qid, "2001", "other")
    assert sent(api)[0]["text"] == f"志愿者回复：「{UNKNOWN_PHRASE}」属于干垃圾，请投放到黑色桶。"


def test_a_skip_leaves_the_question_open_and_a_note_follows_the_first_answer(api: Api) -> None:
    neighbourhood(api)
    qid = ask(api)["id"]
    sent(api)
    skipped = answer(api, qid, "2001", "skip", expected=200)
    assert (skipped["first"], skipped["skipped"]) == (False, True)
    assert api.get(f"/api/v1/waste/questions/{qid}").json()["status"] == "open"
    assert sent(api) == []
    assert answer(api, qid, "2001", "kitchen")["first"] is True
    assert to(sent(api)) == ["1001", "2002"]

    path = f"/api/v1/waste/questions/{qid}/answers/mine"
    mine = {"channel": "telegram", "user_id": "2001"}
    noted = api.client.patch(path, json={"volunteer": mine, "note": "记得沥干水分"}, headers=api.headers)
    assert noted.status_code == 200, noted.text
    assert noted.json() == {
        "question_id": qid,
        "note": "记得沥干水分",
        "first": True,
        "resident_notified": True,
    }
    [note] = sent(api)
    assert (note["chat_id"], note["text"]) == ("1001", "志愿者补充：记得沥干水分。")
    again = api.client.patch(path, json={"volunteer": mine, "note": "再补充一句"}, headers=api.headers)
    assert again.json()["resident_notified"] is False
    assert sent(api) == []

    answer(api, qid, "2002", "kitchen", expected=200)
    theirs = {"channel": "telegram", "user_id": "2002"}
    vote_note = api.client.patch(path, json={"volunteer": theirs, "note": "同意"}, headers=api.headers)
    assert vote_note.json()["resident_notified"] is False
    assert sent(api) == []
    nobody = {"channel": "telegram", "user_id": "3001"}
    missing = api.client.patch(path, json={"volunteer": nobody, "note": "嗯"}, headers=api.headers)
    assert (missing.status_code, missing.json()["detail"]["code"]) == (404, "answer_not_found")
    empty = api.client.patch(path, json={"volunteer": mine, "note": "  "}, headers=api.headers)
    assert (empty.status_code, empty.json()["detail"]["code"]) == (422, "empty_note")


def test_only_volunteers_answer_known_questions_with_known_categories(api: Api) -> None:
    neighbourhood(api)
    qid = ask(api)["id"]
    stranger = answer(api, qid, "1001", "other", expected=403)
    assert stranger["detail"]["code"] == "not_volunteer"
    assert "邀请码" in stranger["detail"]["message"]
    assert api.delete("/api/v1/volunteers/telegram/2002").status_code == 204
    assert answer(api, qid, "2002", "other", expected=403)["detail"]["code"] == "not_volunteer"
    assert answer(api, 999, "2001", "other", expected=404)["detail"]["code"] == "question_not_found"
    wrong = answer(api, qid, "2001", "garbage", expected=422)
    assert wrong["detail"]["code"] == "unknown_category"
    assert "recyclable（可回收物）" in wrong["detail"]["message"]
    assert api.get(f"/api/v1/waste/questions/{qid}").json()["status"] == "open"


def test_the_same_idempotency_key_asks_once(api: Api) -> None:
    neighbourhood(api)
    first = ask(api, key="rasa-evt-1")
    assert len(sent(api)) == 2
    again = ask(api, expected=200, key="rasa-evt-1")
    assert again["id"] == first["id"]
    assert sent(api) == []
    other = ask(api, key="rasa-evt-2")
    assert other["id"] != first["id"]
    without_key = ask(api)
    assert without_key["id"] not in (first["id"], other["id"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "   "}, "empty_text"),
        ({"text": "纸" * 501}, "text_too_long"),
        ({"city": "火星"}, "unknown_city"),
        ({"community": "火星社区"}, "unknown_community"),
        ({"resident": {"channel": "telegram"}}, "invalid_request"),
    ],
)
def test_bad_questions_are_refused_politely(api: Api, body: dict[str, Any], code: str) -> None:
    refused = ask(api, expected=422, **body)
    assert refused["detail"]["code"] == code
    assert refused["detail"]["message"]
    assert api.get("/api/v1/waste/questions").json()["items"] == []


def test_questions_are_listed_by_status(api: Api) -> None:
    neighbourhood(api)
    one, two = ask(api)["id"], ask(api)["id"]
    answer(api, one, "2001", "other")
    listed = api.get("/api/v1/waste/questions").json()["items"]
    assert [q["id"] for q in listed] == [two, one]
    assert [q["id"] for q in api.get("/api/v1/waste/questions", status="open").json()["items"]] == [two]
    both = api.get("/api/v1/waste/questions", status="open,answered").json()["items"]
    assert len(both) == 2
    bad = api.get("/api/v1/waste/questions", status="closed")
    assert (bad.status_code, bad.json()["detail"]["code"]) == (422, "unknown_status")


def test_an_erased_asker_leaves_no_question_text_behind(api: Api) -> None:
    neighbourhood(api)
    unanswered = ask(api, text="我家王阿姨的旧暖宝宝是什么垃圾", phrase="旧暖宝宝")["id"]
    answered = ask(api)["id"]
    answer(api, answered, "2001", "other")
    assert api.delete("/api/v1/residents/telegram/1001").status_code == 204

    with api.platform.sessions() as session:
        assert session.get(DeskQuestion, unanswered) is None
        kept = session.get_one(DeskQuestion, answered)
        assert (kept.resident_id, kept.text, kept.item_phrase) == (None, "", UNKNOWN_PHRASE)
        rows = session.scalars(select(OutboxMessage)).all()
        assert not any("王阿姨" in row.text or UNKNOWN_TEXT in row.text for row in rows)
        about = [row for row in rows if (row.dedupe_key or "").startswith(f"desk:{unanswered}:")]
        assert {row.status for row in about} == {"cancelled"}
    assert run_sweep(api, hours=3) == SweepResult()


def test_an_erased_askers_open_question_is_gone_for_the_volunteers(api: Api) -> None:
    neighbourhood(api)
    qid = ask(api)["id"]
    answer(api, qid, "2001", "skip", expected=200)
    assert api.delete("/api/v1/residents/telegram/1001").status_code == 204
    assert api.get(f"/api/v1/waste/questions/{qid}").status_code == 404
    assert answer(api, qid, "2002", "other", expected=404)["detail"]["code"] == "question_not_found"
    assert run_sweep(api, hours=3) == SweepResult()


def test_an_erased_volunteer_leaves_anonymous_votes(api: Api) -> None:
    ids = neighbourhood(api)
    qid = ask(api)["id"]
    answer(api, qid, "2001", "other", note="我是王阿姨，住3栋")
    answer(api, qid, "2002", "other", expected=200)
    assert api.delete("/api/v1/residents/telegram/2001").status_code == 204

    with api.platform.sessions() as session:
        assert session.get(Volunteer, ids["2001"]) is None
        answers = session.scalars(select(DeskAnswer).order_by(DeskAnswer.id)).all()
        assert [(a.volunteer_id, a.category_key, a.note) for a in answers] == [
            (None, "other", None),
            (ids["2002"], "other", None),
        ]
    assert [v["user_id"] for v in api.get("/api/v1/volunteers").json()["items"]] == ["2002", "3001"]
    assert api.get(f"/api/v1/waste/questions/{qid}").json()["votes"] == {"other": 2}
    assert ask(api)["notified"] == 1  # 2002 only


def test_the_bots_best_guess_is_shown_to_volunteers_and_sent_to_the_resident_at_last(api: Api) -> None:
    neighbourhood(api)
    question = ask(api, text="我家楼下捡到的旧暖宝宝是什么垃圾", phrase="旧暖宝宝")
    assert question["best_guess"] == {"item": "暖宝宝", "category_key": "other"}
    asked = sent(api)
    assert asked[0]["text"] == (
        "居民提问：「我家楼下捡到的旧暖宝宝是什么垃圾」\n系统初步判断：暖宝宝，其他垃圾（不一定准确）。\n请选择正确的分类："
    )
    run_sweep(api, hours=2)
    [guess] = [item for item in sent(api) if item["chat_id"] == "1001"]
    assert guess["text"] == (
        "暂时还没有志愿者回复，先给您系统的初步判断（仅供参考）：「旧暖宝宝」可能是暖宝宝，属于其他垃圾，"
        "请投放到灰色桶。如果拿不准，可以咨询小区的垃圾分类督导员。"
    )
