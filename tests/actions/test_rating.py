"""action_rate_service against the real platform."""

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.platform_client import PlatformClient
from actions.rating import ActionRateService, comment_of, rating_of
from tests.actions.conftest import RunningPlatform, TrackerFactory, entity, report_body


def closed_case(platform: RunningPlatform, user_id: str, key: str, close: bool = True) -> str:
    body = report_body("public_toilet")
    body["reporter"] = {"channel": "telegram", "user_id": user_id, "chat_id": user_id}
    code = str(PlatformClient(platform.url, platform.token).create_case(body, key).case["code"])
    if close:
        platform.move(code, "file", "dispatch", "handle", "verify", "close")
    return code


async def rate(dispatcher: CollectingDispatcher, tracker: Any, domain: dict[str, Any]) -> list[Any]:
    return list(await ActionRateService().run(dispatcher, tracker, domain))


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("满意", "satisfied"),
        ("非常满意", "satisfied"),
        ("基本满意", "basically_satisfied"),
        ("还行吧", "basically_satisfied"),
        ("不满意", "dissatisfied"),
        ("不太满意，只处理了一半", "dissatisfied"),
        ("还是老样子", "dissatisfied"),
        ("處理得不錯，滿意", "satisfied"),
        ("我想评价一下", None),
    ],
)
def test_ratings_in_the_residents_words(text: str, rating: str | None) -> None:
    assert rating_of({"text": text, "entities": []}) == rating


def test_a_button_rating_wins() -> None:
    message = {
        "text": '/rate_service{"rating": "dissatisfied"}',
        "entities": [entity("rating", "dissatisfied")],
    }
    assert rating_of(message) == "dissatisfied"
    assert comment_of(message) is None


@pytest.mark.parametrize(
    ("text", "comment"),
    [("满意", None), ("非常不满意！", None), ("不满意，井盖还是松的", "不满意，井盖还是松的")],
)
def test_a_comment_is_more_than_the_rating(text: str, comment: str | None) -> None:
    assert comment_of({"text": text}) == comment


async def test_the_most_recent_closed_case_is_rated(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    code = closed_case(platform_up, "rate-1", "rate-1a")
    closed_case(platform_up, "rate-1", "rate-1b", close=False)  # newer, still open
    tracker = tracker_with("非常满意", "rate_service", sender_id="tg:rate-1")
    assert await rate(dispatcher, tracker, domain) == []
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [("utter_rating_thanks", code)]
    case = platform_up.call("GET", f"/api/v1/cases/{code}").json()
    assert (case["status"], case["rating"]) == ("rated", "satisfied")


async def test_dissatisfied_reopens_the_named_case(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    code = closed_case(platform_up, "rate-2", "rate-2a")
    tracker = tracker_with(
        f"{code} 不满意，还是很臭", "rate_service", sender_id="tg:rate-2", entities=[entity("case_ref", code)]
    )
    await rate(dispatcher, tracker, domain)
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [("utter_rating_reopened", code)]
    case = platform_up.call("GET", f"/api/v1/cases/{code}").json()
    assert case["status"] not in ("closed", "rated")
    assert any("还是很臭" in (step.get("note") or "") for step in case["history"])


async def test_an_open_case_can_be_rated_once_closed(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    code = closed_case(platform_up, "rate-3", "rate-3a", close=False)
    tracker = tracker_with(
        f'/rate_service{{"rating": "satisfied", "case_ref": "{code}"}}',
        "rate_service",
        sender_id="tg:rate-3",
        entities=[entity("rating", "satisfied"), entity("case_ref", code)],
    )
    await rate(dispatcher, tracker, domain)
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [("utter_rating_not_closed", code)]

    other = CollectingDispatcher()
    await rate(other, tracker_with("满意", "rate_service", sender_id="tg:rate-3"), domain)
    assert [m["response"] for m in other.messages] == ["utter_rating_nothing_closed"]


async def test_a_rated_case_is_not_rated_twice(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    code = closed_case(platform_up, "rate-4", "rate-4a")
    first = CollectingDispatcher()
    await rate(first, tracker_with(f"{code} 满意", "rate_service", sender_id="tg:rate-4"), domain)
    await rate(dispatcher, tracker_with(f"{code} 基本满意", "rate_service", sender_id="tg:rate-4"), domain)
    assert [(m["response"], m["code"]) for m in dispatcher.messages] == [("utter_rating_already", code)]


async def test_without_words_for_a_rating_the_buttons_are_offered(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    code = closed_case(platform_up, "rate-5", "rate-5a")
    await rate(dispatcher, tracker_with("我想评价一下", "rate_service", sender_id="tg:rate-5"), domain)
    [message] = dispatcher.messages
    assert (message["response"], message["code"]) == ("utter_ask_rating", code)
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("满意", f'/rate_service{{"rating": "satisfied", "case_ref": "{code}"}}'),
        ("基本满意", f'/rate_service{{"rating": "basically_satisfied", "case_ref": "{code}"}}'),
        ("不满意", f'/rate_service{{"rating": "dissatisfied", "case_ref": "{code}"}}'),
    ]


async def test_nothing_to_rate_and_outage(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    await rate(dispatcher, tracker_with("满意", "rate_service", sender_id="tg:rate-6"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_rating_unavailable"]


async def test_a_resident_without_cases_is_told_how_to_rate(
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    await rate(dispatcher, tracker_with("满意", "rate_service", sender_id="tg:rate-7"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_rating_no_case"]
