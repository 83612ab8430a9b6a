"""Learned items: volunteers' agreement, a steward's approval and corrections, their history, and
lookups that use them at once (also when another process changed them)."""

from __future__ import annotations

from typing import Any

import pytest

from cityplatform.db.models import LearnedItemChange, LearnedWasteItem
from tests.platform.conftest import Api
from tests.platform.desk import (
    STEWARD,
    UNKNOWN_PHRASE,
    UNKNOWN_TEXT,
    answer,
    ask,
    learned,
    lookup,
    run_sweep,
    volunteers,
)
from tests.platform.outbox import drain as sent

NAME = UNKNOWN_PHRASE.lower()


def history(api: Api, name: str = NAME) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/waste/learned/{name}/history")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == name
    return list(response.json()["changes"])


def put(api: Api, name: str, expected: int = 200, **body: Any) -> dict[str, Any]:
    response = api.put(f"/api/v1/waste/learned/{name}", {"actor": STEWARD, **body})
    assert response.status_code == expected, response.text
    return dict(response.json())


def test_two_volunteers_agreeing_teach_the_matcher_at_once(api: Api) -> None:
    first, second, _ = volunteers(api, "2001", "2002", "2003")
    assert lookup(api, UNKNOWN_TEXT)["match"] == "none"
    qid = ask(api)["id"]
    assert answer(api, qid, "2001", "other")["learned"] is None
    assert learned(api) == {}
    vote = answer(api, qid, "2002", "other", expected=200)
    assert vote["learned"] == NAME
    assert learned(api) == {
        NAME: {
            "name": NAME,
            "category_key": "other",
            "subcategory": None,
            "advice": None,
            "reason": None,
            "source": "volunteers",
            "updated_at": "2026-11-23T10:00:00+08:00",
            "updated_by": f"volunteers:{first},{second}",
        }
    }
    found = lookup(api, UNKNOWN_TEXT)
    assert (found["match"], found["category_key"], found["category"]) == ("learned", "other", "其他垃圾")
    assert found["item_phrase"] == UNKNOWN_PHRASE
    assert found["ambiguous"] is None
    assert found["city"] == "jiangmen"
    assert found["items"][0]["bin"] == "灰色"
    shanghai = lookup(api, UNKNOWN_TEXT, city="上海")
    assert (shanghai["category"], shanghai["city"]) == ("干垃圾", "shanghai")
    [change] = history(api)
    assert change == {
        "at": "2026-11-23T10:00:00+08:00",
        "actor": f"volunteers:{first},{second}",
        "action": "create",
        "source": "volunteers",
        "before": None,
        "after": {
            "category_key": "other",
            "subcategory": None,
            "advice": None,
            "reason": None,
            "source": "volunteers",
        },
        "note": None,
    }
    # a third agreeing volunteer changes nothing
    assert answer(api, qid, "2003", "other", expected=200)["learned"] is None
    assert len(history(api)) == 1


def test_agreement_counts_across_questions_and_written_forms(api: Api) -> None:
    volunteers(api, "2001", "2002")
    one = ask(api, text="ＡＢＣ牌 电蚊拍 怎么扔", phrase=" ＡＢＣ牌 电蚊拍 ")["id"]
    two = ask(api, text="abc牌 电蚊拍是什么垃圾", phrase="abc牌   电蚊拍")["id"]
    answer(api, one, "2001", "hazardous")
    assert answer(api, two, "2002", "hazardous")["learned"] == "abc牌 电蚊拍"
    assert learned(api)["abc牌 电蚊拍"]["category_key"] == "hazardous"


def test_one_volunteer_answering_twice_is_no_agreement(api: Api) -> None:
    volunteers(api, "2001", "2002")
    one, two = ask(api)["id"], ask(api)["id"]
    answer(api, one, "2001", "kitchen")
    answer(api, two, "2001", "kitchen")
    assert learned(api) == {}
    assert answer(api, one, "2002", "kitchen", expected=200)["learned"] == NAME


def test_a_disagreement_learns_nothing_until_a_majority_agrees(api: Api) -> None:
    volunteers(api, "2001", "2002", "2003", "2004")
    qid = ask(api)["id"]
    answer(api, qid, "2001", "kitchen")
    answer(api, qid, "2002", "other", expected=200)
    assert learned(api) == {}
    assert lookup(api, UNKNOWN_TEXT)["match"] == "none"
    assert answer(api, qid, "2003", "kitchen", expected=200)["learned"] == NAME
    assert learned(api)[NAME]["category_key"] == "kitchen"
    # 2 kitchen : 2 other is a tie: the learned item stays as it is
    assert answer(api, qid, "2004", "other", expected=200)["learned"] is None
    assert learned(api)[NAME]["category_key"] == "kitchen"


def test_a_steward_creates_corrects_and_deletes_with_history(api: Api) -> None:
    created = put(
        api,
        "猫砂",
        expected=201,
        category_key="other",
        subcategory="灰土杂物",
        advice="装袋扎紧后投放",
        note="膨润土猫砂",
    )
    assert (created["source"], created["updated_by"]) == ("steward", STEWARD)
    assert lookup(api, "猫砂是什么垃圾")["category_key"] == "other"
    assert lookup(api, "猫砂是什么垃圾")["match"] == "learned"
    api.clock.advance(minutes=5)
    corrected = put(api, "  猫砂 ", category_key="kitchen", actor="steward:zhao", note="豆腐猫砂可以当厨余")
    assert (corrected["category_key"], corrected["subcategory"], corrected["updated_by"]) == (
        "kitchen",
        None,
        "steward:zhao",
    )
    assert lookup(api, "猫砂")["category_key"] == "kitchen"
    api.clock.advance(minutes=5)
    assert api.delete("/api/v1/waste/learned/猫砂?actor=steward:li&note=重新核实").status_code == 204
    assert "猫砂" not in learned(api)
    assert lookup(api, "猫砂")["match"] != "learned"
    changes = history(api, "猫砂")
    assert [(c["action"], c["actor"], c["note"], c["at"][11:16]) for c in changes] == [
        ("correct", STEWARD, "膨润土猫砂", "10:00"),
        ("correct", "steward:zhao", "豆腐猫砂可以当厨余", "10:05"),
        ("delete", STEWARD, "重新核实", "10:10"),
    ]
    assert changes[0]["before"] is None
    assert changes[1]["before"] == changes[0]["after"]
    assert changes[1]["after"] == {
        "category_key": "kitchen",
        "subcategory": None,
        "advice": None,
        "reason": None,
        "source": "steward",
    }
    assert (changes[2]["before"], changes[2]["after"]) == (changes[1]["after"], None)

    gone = api.delete("/api/v1/waste/learned/猫砂?actor=steward:li")
    assert (gone.status_code, gone.json()["detail"]["code"]) == (404, "learned_not_found")
    never = api.get("/api/v1/waste/learned/从没学过/history")
    assert (never.status_code, never.json()["detail"]["code"]) == (404, "learned_not_found")


def test_a_steward_correction_wins_over_the_knowledge_base(api: Api) -> None:
    before = lookup(api, "大骨头")
    assert before["category_key"] in ("kitchen", "other")
    wrong = "other" if before["category_key"] == "kitchen" else "kitchen"
    put(api, "大骨头", expected=201, category_key=wrong)
    after = lookup(api, "大骨头是什么垃圾")
    assert (after["category_key"], after["match"]) == (wrong, "learned")


def test_volunteers_never_overwrite_a_stewards_entry(api: Api) -> None:
    volunteers(api, "2001", "2002")
    put(api, NAME, expected=201, category_key="recyclable")
    qid = ask(api)["id"]
    answer(api, qid, "2001", "other")
    assert answer(api, qid, "2002", "other", expected=200)["learned"] is None
    assert learned(api)[NAME]["category_key"] == "recyclable"
    assert lookup(api, UNKNOWN_TEXT)["category_key"] == "recyclable"
    assert [c["action"] for c in history(api)] == ["correct"]


def test_after_a_steward_deletes_an_item_only_new_answers_count(api: Api) -> None:
    volunteers(api, "2001", "2002", "2003", "2004")
    qid = ask(api)["id"]
    answer(api, qid, "2001", "other")
    answer(api, qid, "2002", "other", expected=200)
    api.clock.advance(minutes=1)
    assert api.delete(f"/api/v1/waste/learned/{NAME}?actor=steward:li").status_code == 204
    api.clock.advance(minutes=1)
    later = ask(api)["id"]
    answer(api, later, "2003", "hazardous")
    assert learned(api) == {}  # the two earlier votes no longer count
    answer(api, later, "2004", "hazardous", expected=200)
    assert learned(api)[NAME]["category_key"] == "hazardous"
    assert [c["action"] for c in history(api)] == ["create", "delete", "create"]


def test_a_steward_approves_an_open_question_and_the_resident_hears_at_once(api: Api) -> None:
    volunteers(api, "2001", "2002")
    qid = ask(api)["id"]
    sent(api)
    response = api.post(
        f"/api/v1/waste/questions/{qid}/approve", {"actor": STEWARD, "category_key": "hazardous"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question"]["status"] == "answered"
    assert body["question"]["answer"]["by"] == STEWARD
    assert (body["learned"]["name"], body["learned"]["source"]) == (NAME, "steward")
    told = sent(api)
    assert [(i["chat_id"], i["text"]) for i in told] == [
        ("1001", f"工作人员回复：「{UNKNOWN_PHRASE}」属于有害垃圾，请投放到红色桶。"),
        ("2001", "这个问题已经由工作人员解答了，谢谢您的热心！"),
        ("2002", "这个问题已经由工作人员解答了，谢谢您的热心！"),
    ]
    assert [c["action"] for c in history(api)] == ["approve"]
    assert lookup(api, UNKNOWN_TEXT)["category_key"] == "hazardous"
    # a volunteer answering later only votes; the steward's entry stands
    answer(api, qid, "2001", "other", expected=200)
    answer(api, qid, "2002", "other", expected=200)
    assert learned(api)[NAME]["category_key"] == "hazardous"


def test_approving_an_answered_question_overrides_the_volunteers(api: Api) -> None:
    volunteers(api, "2001", "2002")
    qid = ask(api)["id"]
    answer(api, qid, "2001", "other")
    answer(api, qid, "2002", "other", expected=200)
    sent(api)
    approved = api.post(
        f"/api/v1/waste/questions/{qid}/approve",
        {"actor": STEWARD, "category_key": "kitchen", "note": "核实"},
    )
    assert approved.status_code == 200, approved.text
    assert sent(api) == []  # the resident already had an answer
    assert learned(api)[NAME]["source"] == "steward"
    changes = history(api)
    assert [(c["action"], c["note"]) for c in changes] == [("create", None), ("approve", "核实")]
    assert (changes[1]["before"]["source"], changes[1]["after"]["category_key"]) == ("volunteers", "kitchen")


def test_a_guessed_question_uses_what_was_learned_meanwhile(api: Api) -> None:
    volunteers(api, "2001")
    ask(api)
    sent(api)
    put(api, NAME, expected=201, category_key="recyclable")
    run_sweep(api, hours=2)
    [guess] = [item for item in sent(api) if item["chat_id"] == "1001"]
    assert "可回收物" in guess["text"]
    assert "蓝色桶" in guess["text"]
    assert guess["text"].startswith("暂时还没有志愿者回复，先给您系统的初步判断（仅供参考）：")


def test_lookups_see_changes_made_by_another_process(api: Api) -> None:
    assert lookup(api, "猫砂")["match"] != "learned"
    now = api.clock.now
    with api.platform.sessions() as session:  # as another platform process would write it
        session.add(
            LearnedWasteItem(
                name="猫砂",
                category_key="other",
                source="steward",
                created_at=now,
                updated_at=now,
                updated_by="steward:elsewhere",
            )
        )
        session.add(
            LearnedItemChange(
                name="猫砂", action="correct", actor="steward:elsewhere", source="steward", at=now
            )
        )
        session.commit()
    assert (lookup(api, "猫砂")["match"], lookup(api, "猫砂")["category_key"]) == ("learned", "other")


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("猫砂", {"category_key": "garbage"}, "unknown_category"),
        ("猫砂", {"category_key": "other", "subcategory": "电池"}, "unknown_subcategory"),
        ("%20", {"category_key": "other"}, "empty_name"),
        ("猫" * 101, {"category_key": "other"}, "name_too_long"),
        ("猫砂", {"category_key": "other", "actor": ""}, "invalid_request"),
    ],
)
def test_bad_learned_items_are_refused(api: Api, name: str, body: dict[str, Any], code: str) -> None:
    refused = put(api, name, expected=422, **body)
    assert refused["detail"]["code"] == code
    assert learned(api) == {}


def test_bad_lookups_and_approvals_are_refused(api: Api) -> None:
    for params, code in (
        ({"q": " "}, "empty_text"),
        ({"q": "纸" * 501}, "text_too_long"),
        ({"q": "电池", "city": "火星"}, "unknown_city"),
    ):
        refused = api.get("/api/v1/waste/lookup", **params)
        assert (refused.status_code, refused.json()["detail"]["code"]) == (422, code)
    assert "shanghai" in api.get("/api/v1/waste/lookup", q="电池", city="火星").json()["detail"]["message"]
    missing = api.post("/api/v1/waste/questions/42/approve", {"actor": STEWARD, "category_key": "other"})
    assert (missing.status_code, missing.json()["detail"]["code"]) == (404, "question_not_found")
    qid = ask(api)["id"]
    wrong = api.post(f"/api/v1/waste/questions/{qid}/approve", {"actor": STEWARD, "category_key": "x"})
    assert (wrong.status_code, wrong.json()["detail"]["code"]) == (422, "unknown_category")
    no_actor = api.delete("/api/v1/waste/learned/猫砂")
    assert no_actor.status_code == 422
