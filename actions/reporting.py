"""The complaint category: from a button, the ResponseSelector, or the resident's pick.

The category comes from the ResponseSelector of the retrieval intent report_issue
(report_issue/<category key>), or from a button payload that sets the issue_category entity.
When the selector is unsure, the resident picks from the three most likely categories (asked by
`action_ask_issue_category`, the report form's question for the slot issue_category).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from knowledge.taxonomy import categories

RETRIEVAL_INTENT = "report_issue"
# Below this selector confidence the resident confirms the category with a button.
CONFIDENT = 0.6
CHOICES = 3
# Offered when nothing ranks the categories (e.g. the resident pressed "我要反映问题").
DEFAULT_CHOICES = ("street_vending", "exposed_garbage", "manhole")
OTHER = "other"
OTHER_WORDS = ("其他", "其它", "都不是", "别的", "另外的问题")
_NOT_WORD = re.compile(r"[\W_]+")


def ranked_categories(latest_message: dict[str, Any]) -> list[tuple[str, float]]:
    """(category key, confidence) pairs from the response selector, best first."""
    selector = latest_message.get("response_selector", {}).get(RETRIEVAL_INTENT, {})
    ranked: list[tuple[str, float]] = []
    for entry in selector.get("ranking", []):
        key = str(entry.get("intent_response_key", "")).partition("/")[2]
        if key in categories():
            ranked.append((key, float(entry.get("confidence", 0.0))))
    return ranked


def confident_category(latest_message: dict[str, Any]) -> str | None:
    ranked = ranked_categories(latest_message)
    return ranked[0][0] if ranked and ranked[0][1] >= CONFIDENT else None


def category_from_entities(latest_message: dict[str, Any]) -> str | None:
    for entity in latest_message.get("entities", []):
        if entity.get("entity") == "issue_category" and entity.get("value") in categories():
            return str(entity["value"])
    return None


def category_from_text(text: str) -> str | None:
    """A typed answer to "which kind of problem": 其他, a category's name, or one category's term."""
    words = _NOT_WORD.sub("", text)
    if not words:
        return None
    if any(word in words for word in OTHER_WORDS):
        return OTHER
    for key, category in categories().items():
        if words == _NOT_WORD.sub("", category.name):
            return key
    matching = {key for key, category in categories().items() for term in category.terms if term in words}
    return matching.pop() if len(matching) == 1 else None


def latest_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """The ranking of the newest user message that has one (a button press has none)."""
    ranked = ranked_categories(tracker.latest_message or {})
    if ranked:
        return ranked
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            ranked = ranked_categories(event.get("parse_data") or {})
            if ranked:
                return ranked
    return []


def category_button(key: str) -> dict[str, str]:
    payload = json.dumps({"issue_category": key}, ensure_ascii=False)
    return {"title": categories()[key].name, "payload": f"/{RETRIEVAL_INTENT}{payload}"}


def category_buttons(ranked: list[tuple[str, float]]) -> list[dict[str, str]]:
    """The three most likely categories and "other"."""
    choices = [key for key, _ in ranked[:CHOICES]] or list(DEFAULT_CHOICES)
    buttons = [category_button(key) for key in choices]
    if OTHER not in choices:
        buttons.append({"title": "都不是，其他问题", "payload": category_button(OTHER)["payload"]})
    return buttons


def acknowledge(dispatcher: CollectingDispatcher, key: str) -> None:
    """Name the category back to the resident, with the category's own reassurance."""
    dispatcher.utter_message(response="utter_report_received", category_name=categories()[key].name)
    dispatcher.utter_message(response=f"utter_{RETRIEVAL_INTENT}/{key}")


class ActionAskIssueCategory(Action):
    """The report form's question for issue_category: the likeliest categories as buttons."""

    def name(self) -> str:
        return "action_ask_issue_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_choose_category", buttons=category_buttons(latest_ranking(tracker))
        )
        return []
