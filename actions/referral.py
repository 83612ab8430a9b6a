"""Out-of-scope messages: emergencies to 110/119/120, other government matters to 12345."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from knowledge.referrals import is_emergency


class ActionReferOutOfScope(Action):
    def name(self) -> str:
        return "action_refer_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        dispatcher.utter_message(
            response="utter_refer_emergency" if is_emergency(text) else "utter_refer_12345"
        )
        return []
