"""Case updates in the outbox: who hears of each transition, what they read, and late filings."""

from __future__ import annotations

from sqlalchemy import select

from cityplatform.db.models import Case, CaseEvent, OutboxMessage, Resident
from tests.platform.conftest import Api, place
from tests.platform.outbox import drain as pending

REPORTER = {"channel": "telegram", "user_id": "1001", "chat_id": "1001", "name": "陈女士"}
NEIGHBOUR = {"channel": "telegram", "user_id": "2002", "chat_id": "2002"}
WEB_VISITOR = {"channel": "web", "user_id": "ab12", "chat_id": "ab12"}
NO_CHAT = {"channel": "telegram", "user_id": "3003"}  # chat id unknown
CURL = {"channel": "rest", "user_id": "me", "chat_id": "me"}  # no chat to deliver to
LEAVER = {"channel": "telegram", "user_id": "4004", "chat_id": "4004"}  # erases their data
SANITATION = "江门市城市管理和综合执法局环境卫生管理中心"


def crowd_case(api: Api) -> str:
    """A garbage case reported by 1001 and followed ("me too") by five others."""
    code = str(api.report(reporter=REPORTER)["case"]["code"])
    for reporter in (NEIGHBOUR, WEB_VISITOR, NO_CHAT, CURL, LEAVER):
        assert api.report(200, reporter=reporter)["duplicate_of"] == code
    assert api.delete("/api/v1/residents/telegram/4004").status_code == 204
    return code


def test_each_transition_tells_the_reporter_and_reachable_followers(api: Api) -> None:
    code = crowd_case(api)
    assert pending(api) == []  # reported: the bot already answered in the chat
    api.move(code, "file")
    assert pending(api) == []

    api.move(code, "dispatch")
    dispatched = pending(api)
    assert [(i["channel"], i["chat_id"]) for i in dispatched] == [
        ("telegram", "1001"),
        ("telegram", "2002"),
        ("web", "ab12"),
    ]
    assert {i["text"] for i in dispatched} == {
        f"您反映的「暴露垃圾」问题（案件编号 {code}）已派遣至{SANITATION}处理，"
        "预计 11月23日 16:30 前办结。处理完成后我们会第一时间告诉您。"
    }
    assert all(i["kind"] == "case_update" and i["buttons"] == [] for i in dispatched)

    api.move(code, "handle", photo_ids=[api.upload().json()["id"]])
    handled = pending(api)
    assert len(handled) == 3
    assert "已由" in handled[0]["text"]
    assert "核查" in handled[0]["text"]
    api.move(code, "verify")
    assert pending(api) == []

    api.move(code, "close")
    closed = pending(api)
    assert len(closed) == 3
    assert code in closed[0]["text"]
    assert "评价" in closed[0]["text"]
    assert closed[0]["buttons"] == [
        {"title": "满意", "payload": f'/rate_service{{"rating": "satisfied", "case_ref": "{code}"}}'},
        {
            "title": "基本满意",
            "payload": f'/rate_service{{"rating": "basically_satisfied", "case_ref": "{code}"}}',
        },
        {"title": "不满意", "payload": f'/rate_service{{"rating": "dissatisfied", "case_ref": "{code}"}}'},
    ]

    api.clock.advance(days=1)
    rating = {"channel": "telegram", "user_id": "1001", "rating": "dissatisfied", "comment": "没扫干净"}
    assert api.post(f"/api/v1/cases/{code}/rating", rating).json()["status"] == "reopened"
    reopened = pending(api)
    assert [i["chat_id"] for i in reopened] == ["1001", "2002", "ab12"]
    assert "已重新受理" in reopened[0]["text"]
    assert "11月24日" in reopened[0]["text"]  # the fresh deadline

    with api.platform.sessions() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        events = {
            e.to_status: e.id for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        }
        reporter = session.scalars(select(Resident).where(Resident.user_id == "1001")).one()
        keys = set(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.chat_id == "1001")))
    assert keys == {
        f"case:{code}:{events[s]}:{reporter.id}" for s in ("dispatched", "handled", "closed", "reopened")
    }


def test_a_rejection_gives_the_reason(api: Api) -> None:
    code = api.report(reporter=REPORTER)["case"]["code"]
    api.move(code, "reject", reason="该处为小区内部道路，请联系物业处理。", note="内部备注：已电话核实")
    [rejected] = pending(api)
    assert rejected["chat_id"] == "1001"
    assert rejected["text"] == (
        f"很抱歉，您反映的「暴露垃圾」问题（案件编号 {code}）经审核不予立案，"
        "原因：该处为小区内部道路，请联系物业处理。如情况有变化，欢迎补充后重新反映；"
        "如有疑问，也可以拨打 12345 热线咨询。"
    )
    assert "内部备注" not in rejected["text"]


def test_a_refused_transition_writes_nothing(api: Api) -> None:
    code = api.report(reporter=REPORTER)["case"]["code"]
    api.move(code, "close", expected=409)
    api.move(code, "file")
    api.move(code, "dispatch", unit="no-such-unit", expected=422)
    assert pending(api) == []
    assert api.get(f"/api/v1/cases/{code}").json()["status"] == "filed"


def test_notify_reporter_tells_the_code_of_a_late_filing_once(api: Api) -> None:
    late = api.report(key="queued-1", reporter=REPORTER, notify_reporter=True)["case"]
    [filed] = pending(api)
    assert (filed["chat_id"], filed["kind"]) == ("1001", "report_filed")
    assert filed["text"] == (
        f"您之前反映的「暴露垃圾」问题已经登记，案件编号 {late['code']}，由{SANITATION}负责处理，"
        "预计 11月23日 16:30 前办结。让您久等了！有进展我们会及时通知您，您也可以随时发送“查进度”查看。"
    )
    api.report(200, key="queued-1", reporter=REPORTER, notify_reporter=True)  # the queue retries
    assert pending(api) == []

    api.report(key="at-once", reporter=REPORTER, category="noise", description="半夜装修很吵")
    assert pending(api) == []

    joined = api.report(200, key="queued-2", reporter=NEIGHBOUR, notify_reporter=True)
    [told] = pending(api)
    assert told["chat_id"] == "2002"
    assert f"案件编号 {joined['duplicate_of']}" in told["text"]
    assert "合并" in told["text"]


def test_notify_reporter_on_a_replay_of_a_silent_first_attempt(api: Api) -> None:
    """The first attempt filed the case but its answer was lost; the queue's retry tells the code."""
    first = api.report(key="lost-answer", reporter=REPORTER, **place("良化市场"))
    assert pending(api) == []
    api.report(200, key="lost-answer", reporter=REPORTER, notify_reporter=True, **place("良化市场"))
    [told] = pending(api)
    assert first["case"]["code"] in told["text"]
    assert api.report(201, reporter=CURL, notify_reporter=True, category="noise")["created"]
    assert pending(api) == []  # nobody to deliver to on `rest`
