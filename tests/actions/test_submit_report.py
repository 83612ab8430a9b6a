"""action_submit_report against the real platform: filed, "me too", queued, refused, cancelled."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.pending_reports import PendingReports, drain
from actions.platform_client import PlatformClient
from actions.report_form import REPORT_SLOTS
from actions.report_submission import ActionSubmitReport, report_of
from tests.actions.conftest import RunningPlatform, TrackerFactory, spot
from tests.actions.test_pending_reports import notices

CLEARED = [SlotSet(slot, None) for slot in REPORT_SLOTS]


def confirmed(
    tracker_with: TrackerFactory, sender_id: str = "tg:777", key: str | None = "rasa-test", **slots: Any
) -> Tracker:
    latitude, longitude = spot()
    values = {
        "description": "五邑路有个井盖不见了，晚上很危险",
        "issue_category": "manhole",
        "location": {"address": "五邑路", "latitude": latitude, "longitude": longitude},
        "photos": [],
        "report_confirmed": "yes",
        "report_key": key,
        **slots,
    }
    return tracker_with("确认提交", "affirm", sender_id=sender_id, slots=values, metadata={"name": "陈先生"})


async def submit(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
    return list(await ActionSubmitReport().run(dispatcher, tracker, domain))


def test_the_report_body_follows_the_platform_api(tracker_with: TrackerFactory) -> None:
    tracker = confirmed(tracker_with, photos=["m1", "m2"])
    location = tracker.get_slot("location")
    assert report_of(tracker) == {
        "category": "manhole",
        "description": "五邑路有个井盖不见了，晚上很危险",
        "photo_ids": ["m1", "m2"],
        "reporter": {
            "channel": "telegram",
            "user_id": "777",
            "chat_id": "777",
            "name": "陈先生",
            "phone": None,
            "community": None,
        },
        "source": "telegram",
        "latitude": location["latitude"],
        "longitude": location["longitude"],
        "address": "五邑路",
    }


async def test_a_confirmed_report_is_filed_with_its_code_unit_and_deadline(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
    isolated_environment: Any,
) -> None:
    photo = platform_up.upload_photo()
    tracker = confirmed(tracker_with, key="rasa-filed-1", photos=[photo])
    assert await submit(dispatcher, tracker, domain) == CLEARED
    [message] = dispatcher.messages
    assert message["response"] == "utter_report_filed"
    assert message["code"].startswith("JM")
    assert message["category_name"] == "井盖问题"
    assert message["unit"]
    assert message["deadline"].count("月") == 1
    case = platform_up.call("GET", f"/api/v1/cases/{message['code']}").json()
    assert case["photos"] == [{"id": photo, "stage": "before"}]
    assert PendingReports.from_environment().all() == []  # write-ahead entry removed
    assert notices(platform_up, message["code"]) == []  # answered here, not again through the outbox


async def test_the_same_problem_nearby_joins_the_open_case(
    tracker_with: TrackerFactory, domain: dict[str, Any], platform_up: RunningPlatform
) -> None:
    point = spot()
    location = {"address": "建设路", "latitude": point[0], "longitude": point[1]}
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await submit(first, confirmed(tracker_with, "tg:1", "rasa-dup-1", location=location), domain)
    await submit(second, confirmed(tracker_with, "web:2", "rasa-dup-2", location=location), domain)
    code = first.messages[0]["code"]
    [message] = second.messages
    assert message["response"] == "utter_report_joined"
    assert message["code"] == code
    assert message["deadline"] == first.messages[0]["deadline"]
    # the second resident now follows the case
    followed = platform_up.call("GET", "/api/v1/residents/web/2/cases").json()["cases"]
    assert [c["code"] for c in followed] == [code]


async def test_platform_down_the_report_waits_in_the_queue_and_is_filed_once(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform: RunningPlatform,
) -> None:
    tracker = confirmed(tracker_with, key="rasa-outage-1")
    assert await submit(dispatcher, tracker, domain) == CLEARED
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_queued"]
    queue = PendingReports.from_environment()
    [item] = queue.all()
    assert (item.key, item.sender_id, item.report) == ("rasa-outage-1", "tg:777", report_of(tracker))
    assert (item.status, item.attempts) == ("pending", 1)
    assert "127.0.0.1" in (item.last_error or "")

    before = platform.case_count()
    up = PlatformClient(platform.url, platform.token)
    [(_, filing)] = drain(queue, up).filed
    assert filing.created
    assert filing.case["description"] == "五邑路有个井盖不见了，晚上很危险"
    assert drain(queue, up).filed == []
    assert platform.case_count() == before + 1
    [notice] = notices(platform, filing.case["code"])  # the code reaches the resident's chat
    assert (notice["channel"], notice["chat_id"]) == ("telegram", "777")


async def test_a_repeated_confirmation_files_the_same_case(
    tracker_with: TrackerFactory, domain: dict[str, Any], platform_up: RunningPlatform
) -> None:
    point = spot()
    location = {"address": "港口路", "latitude": point[0], "longitude": point[1]}
    first, again = CollectingDispatcher(), CollectingDispatcher()
    before = platform_up.case_count()
    await submit(first, confirmed(tracker_with, key="rasa-twice", location=location), domain)
    await submit(again, confirmed(tracker_with, key="rasa-twice", location=location), domain)
    assert again.messages[0]["code"] == first.messages[0]["code"]
    assert platform_up.case_count() == before + 1


async def test_a_refused_report_is_explained_and_not_retried(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = confirmed(tracker_with, key="rasa-refused", location={"address": "火星基地三号门"})
    assert await submit(dispatcher, tracker, domain) == CLEARED
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_refused_location"]
    [item] = PendingReports.from_environment().all()
    assert item.status == "failed"
    assert "unknown_place" in (item.last_error or "")


async def test_a_cancelled_report_is_not_filed(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    before = platform_up.case_count()
    tracker = confirmed(tracker_with, report_confirmed="cancelled", key=None)
    assert await submit(dispatcher, tracker, domain) == CLEARED
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_cancelled"]
    assert platform_up.case_count() == before
    assert PendingReports.from_environment().all() == []


async def test_every_message_of_the_report_exists_in_the_domain(domain: dict[str, Any]) -> None:
    for response in (
        "utter_report_filed",
        "utter_report_joined",
        "utter_report_queued",
        "utter_report_not_saved",
        "utter_report_refused",
        "utter_report_refused_location",
        "utter_report_cancelled",
    ):
        assert response in domain["responses"]
    assert domain["responses"]["utter_report_queued"][0]["text"].startswith("系统暂时繁忙，您的反映已经保存")
