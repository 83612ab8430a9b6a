"""action_case_status against the real platform: the resident's list, one case, 403, 404, outage."""

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.case_status import ActionCaseStatus, case_line, history_lines, normalise_case_ref
from actions.pending_reports import PendingReports
from actions.platform_client import PlatformClient
from tests.actions.conftest import RunningPlatform, TrackerFactory, entity, report_body


def file_case(platform: RunningPlatform, user_id: str, category: str, key: str) -> dict[str, Any]:
    body = report_body(category)
    body["reporter"] = {"channel": "telegram", "user_id": user_id, "chat_id": user_id}
    case: dict[str, Any] = PlatformClient(platform.url, platform.token).create_case(body, key).case
    return case


async def status(dispatcher: CollectingDispatcher, tracker: Any, domain: dict[str, Any]) -> list[Any]:
    return list(await ActionCaseStatus().run(dispatcher, tracker, domain))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("JM20261123-0007", "JM20261123-0007"),
        ("jm202611230007进度", "JM20261123-0007"),
        ("查一下 JM 20261123 - 0007", "JM20261123-0007"),
        ("我的投诉怎么样了", None),
        ("JM2026112300071", None),
    ],
)
def test_case_codes_are_normalised(text: str, code: str | None) -> None:
    assert normalise_case_ref(text) == code


async def test_my_recent_cases_are_listed_newest_first(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    older = file_case(platform_up, "status-1", "noise", "status-list-1")
    newer = file_case(platform_up, "status-1", "street_light", "status-list-2")
    tracker = tracker_with("我的投诉怎么样了", "check_case_status", sender_id="tg:status-1")
    assert await status(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_case_status_list"
    lines = message["cases"].split("\n")
    assert lines[0].startswith(f"1. {newer['code']}｜路灯故障｜已受理｜预计 ")
    assert lines[1].startswith(f"2. {older['code']}｜噪声扰民｜已受理｜预计 ")
    assert [b["payload"] for b in message["buttons"]] == [
        f'/check_case_status{{"case_ref": "{newer["code"]}"}}',
        f'/check_case_status{{"case_ref": "{older["code"]}"}}',
    ]


async def test_no_cases_yet(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    await status(dispatcher, tracker_with("查进度", "check_case_status", sender_id="web:nobody"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_case_status_none"]


async def test_one_case_shows_its_stage_history_and_deadline(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    case = file_case(platform_up, "status-2", "exposed_garbage", "status-one-1")
    platform_up.move(case["code"], "file", "dispatch")
    typed = case["code"].lower().replace("-", "")
    tracker = tracker_with(
        f"{typed}到哪一步了",
        "check_case_status",
        sender_id="tg:status-2",
        entities=[entity("case_ref", typed)],
    )
    await status(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_case_status_detail"
    assert (message["code"], message["category_name"], message["status_name"]) == (
        case["code"],
        "暴露垃圾",
        "已派遣，处置中",
    )
    assert message["progress"].startswith("\n预计办结：")
    assert message["progress"].endswith(" 前")
    history = message["history"].split("\n")
    assert [line.rsplit(" ", 1)[-1] for line in history] == ["已受理", "已立案：测试", "已派遣，处置中：测试"]


async def test_someone_elses_case_is_not_shown(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    case = file_case(platform_up, "status-3", "dust", "status-403")
    tracker = tracker_with(f"查一下{case['code']}", "check_case_status", sender_id="tg:someone-else")
    await status(dispatcher, tracker, domain)
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [
        ("utter_case_not_yours", case["code"])
    ]


async def test_an_unknown_case(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = tracker_with("JM20200101-9999 进度", "check_case_status", sender_id="tg:status-4")
    await status(dispatcher, tracker, domain)
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [
        ("utter_case_not_found", "JM20200101-9999")
    ]


async def test_outage_says_so_and_mentions_reports_still_waiting(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    PendingReports.from_environment().add("k", "tg:status-5", report_body())
    await status(dispatcher, tracker_with("查进度", "check_case_status", sender_id="tg:status-5"), domain)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_case_status_unavailable",
        "utter_case_status_pending",
    ]
    assert dispatcher.messages[1]["count"] == 1


def test_overdue_cases_are_marked_and_closed_ones_have_no_deadline() -> None:
    case = {
        "code": "JM20261120-0001",
        "category_name": "噪声扰民",
        "status": "dispatched",
        "status_name": "已派遣，处置中",
        "deadline": "2026-11-21T17:30:00+08:00",
        "overdue": True,
    }
    assert (
        case_line(1, case)
        == "1. JM20261120-0001｜噪声扰民｜已派遣，处置中｜预计 11月21日 17:30 前办结（已超期）"
    )
    closed = {**case, "status": "closed", "status_name": "已结案", "overdue": False}
    assert case_line(2, closed) == "2. JM20261120-0001｜噪声扰民｜已结案"


def test_history_shows_the_last_steps_with_notes() -> None:
    history = [
        {"at": f"2026-11-2{i}T09:0{i}:00+08:00", "to": status, "note": note}
        for i, (status, note) in enumerate(
            [("reported", None), ("filed", None), ("dispatched", "派给白沙街道"), ("handled", "已清理")]
        )
    ]
    assert history_lines({"history": history}).split("\n") == [
        "· 11月21日 09:01 已立案",
        "· 11月22日 09:02 已派遣，处置中：派给白沙街道",
        "· 11月23日 09:03 已处置，待核查：已清理",
    ]
