from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.reporting import ActionAskIssueCategory, acknowledge, category_from_text, confident_category
from tests.actions.conftest import TrackerFactory, selector, user_event


async def test_unsure_category_offers_the_top_three_and_other(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with(
        "门口那边又搞得乱七八糟",
        "report_issue",
        response_selector=selector(
            ("exposed_garbage", 0.35), ("construction_waste", 0.3), ("street_vending", 0.2), ("noise", 0.1)
        ),
    )
    assert await ActionAskIssueCategory().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_choose_category"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("暴露垃圾", '/report_issue{"issue_category": "exposed_garbage"}'),
        ("建筑垃圾和渣土", '/report_issue{"issue_category": "construction_waste"}'),
        ("占道经营", '/report_issue{"issue_category": "street_vending"}'),
        ("都不是，其他问题", '/report_issue{"issue_category": "other"}'),
    ]


async def test_after_a_button_press_the_ranking_of_the_complaint_is_used(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with('/inform{"correct_field": "issue_category"}', "inform")
    tracker.events.insert(
        0, user_event("晚上好吵", "report_issue", response_selector=selector(("noise", 0.5), ("other", 0.2)))
    )
    await ActionAskIssueCategory().run(dispatcher, tracker, domain)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["噪声扰民", "其他城市管理问题"]


async def test_without_any_ranking_common_categories_are_offered(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    await ActionAskIssueCategory().run(dispatcher, tracker_with("/report_issue", "report_issue"), domain)
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [
        "占道经营",
        "暴露垃圾",
        "井盖问题",
        "都不是，其他问题",
    ]


def test_unknown_keys_from_a_stale_model_are_ignored() -> None:
    assert confident_category({"response_selector": selector(("no_such_category", 0.99))}) is None
    assert confident_category({"response_selector": selector(("manhole", 0.91))}) == "manhole"
    assert confident_category({"response_selector": selector(("manhole", 0.59))}) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("其他", "other"),
        ("都不是", "other"),
        ("井盖问题", "manhole"),
        ("是路灯", "street_light"),
        ("不知道", None),
    ],
)
def test_typed_categories(text: str, key: str | None) -> None:
    assert category_from_text(text) == key


def test_the_category_is_named_back_with_its_reassurance(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    acknowledge(dispatcher, "manhole")
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_report_received",
        "utter_report_issue/manhole",
    ]
    assert dispatcher.messages[0]["category_name"] == "井盖问题"
    assert all(m["response"] in domain["responses"] for m in dispatcher.messages)
