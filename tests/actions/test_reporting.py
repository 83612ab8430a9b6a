from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.reporting import ActionAcknowledgeReport
from tests.actions.conftest import TrackerFactory


def selector(*ranked: tuple[str, float]) -> dict[str, Any]:
    ranking = [{"intent_response_key": f"report_issue/{k}", "confidence": c} for k, c in ranked]
    return {"report_issue": {"response": ranking[0], "ranking": ranking}}


async def test_confident_category_is_named_and_kept(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with(
        "五邑路井盖没了", "report_issue", response_selector=selector(("manhole", 0.91), ("road_damage", 0.05))
    )
    events = await ActionAcknowledgeReport().run(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", "manhole")]
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_report_received",
        "utter_report_issue/manhole",
        "utter_report_filing_soon",
    ]
    assert dispatcher.messages[0]["category_name"] == "井盖问题"
    assert all(m["response"] in domain["responses"] for m in dispatcher.messages)


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
    events = await ActionAcknowledgeReport().run(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", None)]
    [message] = dispatcher.messages
    assert message["response"] == "utter_choose_category"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("暴露垃圾", '/report_issue{"issue_category": "exposed_garbage"}'),
        ("建筑垃圾和渣土", '/report_issue{"issue_category": "construction_waste"}'),
        ("占道经营", '/report_issue{"issue_category": "street_vending"}'),
        ("都不是，其他问题", '/report_issue{"issue_category": "other"}'),
    ]


async def test_button_choice_wins_over_the_selector(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with(
        '/report_issue{"issue_category": "construction_waste"}',
        "report_issue",
        entities=[{"entity": "issue_category", "value": "construction_waste"}],
        response_selector=selector(("exposed_garbage", 0.9)),
    )
    events = await ActionAcknowledgeReport().run(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", "construction_waste")]
    assert dispatcher.messages[1]["response"] == "utter_report_issue/construction_waste"


async def test_unknown_keys_from_a_stale_model_are_ignored(
    dispatcher: CollectingDispatcher, tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with("x", "report_issue", response_selector=selector(("no_such_category", 0.99)))
    events = await ActionAcknowledgeReport().run(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", None)]
    assert dispatcher.messages[0]["response"] == "utter_choose_category"
