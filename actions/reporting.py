"""Complaint intake: acknowledge a report and settle its category.

The category comes from the ResponseSelector of the retrieval intent report_issue
(report_issue/<category key>), or from a button payload that sets the issue_category entity.
When the selector is unsure, the resident picks from the three most likely categories.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.taxonomy import categories

RETRIEVAL_INTENT = "report_issue"
# Below this selector confidence the resident confirms the category with a button.
CONFIDENT = 0.6
CHOICES = 3


def ranked_categories(latest_message: dict[str, Any]) -> list[tuple[str, float]]:
    """(category key, confidence) pairs from the response selector, best first."""
    selector = latest_message.get("response_selector", {}).get(RETRIEVAL_INTENT, {})
    ranked: list[tuple[str, float]] = []
    for entry in selector.get("ranking", []):
        key = str(entry.get("intent_response_key", "")).partition("/")[2]
        if key in categories():
            ranked.append((key, float(entry.get("confidence", 0.0))))
    return ranked


def category_from_entities(latest_message: dict[str, Any]) -> str | None:
    for entity in latest_message.get("entities", []):
        if entity.get("entity") == "issue_category" and entity.get("value") in categories():
            return str(entity["value"])
    return None


def category_button(key: str) -> dict[str, str]:
    payload = json.dumps({"issue_category": key}, ensure_ascii=False)
    return {"title": categories()[key].name, "payload": f"/{RETRIEVAL_INTENT}{payload}"}


class ActionAcknowledgeReport(Action):
    def name(self) -> str:
        return "action_acknowledge_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        key = category_from_entities(message)
        ranked = ranked_categories(message)
        if key is None and ranked and ranked[0][1] >= CONFIDENT:
            key = ranked[0][0]
        if key is None:
            choices = [k for k, _ in ranked[:CHOICES]] or ["street_vending", "exposed_garbage", "manhole"]
            buttons = [category_button(k) for k in choices]
            if "other" not in choices:
                buttons.append({"title": "都不是，其他问题", "payload": category_button("other")["payload"]})
            dispatcher.utter_message(response="utter_choose_category", buttons=buttons)
            return [SlotSet("issue_category", None)]
        dispatcher.utter_message(response="utter_report_received", category_name=categories()[key].name)
        dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{key}")
        dispatcher.utter_message(response="utter_report_filing_soon")
        return [SlotSet("issue_category", key)]
