"""`action_answer_waste_question`: which bin a thing goes in, as a 城管 hotline agent would say it.

The question goes to the platform (`GET /api/v1/waste/lookup`, which knows what the volunteers and
stewards have taught it); when the platform cannot be reached the local matcher (`sorting`, the
knowledge base only) answers, so the resident always gets an answer. What the bot cannot place is
handed to the community's volunteers at once (`POST /api/v1/waste/questions`); their answer
reaches the resident through the platform's outbox. Rendering: actions/waste_answers.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.platform_client import PlatformClient, PlatformError, PlatformProblem, PlatformUnavailable
from actions.residents import resident_of
from actions.waste_answers import (
    MAX_BUTTONS,
    WasteResult,
    answer_text,
    ask_button,
    general_styles,
    is_general,
    resembling,
    result_from_contract,
)
from knowledge.waste_cities import city_profile
from sorting import matcher

logger = logging.getLogger(__name__)

DEFAULT_CITY = "jiangmen"
ENTITY = "waste_item"
# The platform takes questions of up to 500 characters (cityplatform/desk/questions.py).
MAX_QUESTION = 500
CANDIDATES_PROMPT = "\n如果您问的是下面其中一样，也可以直接点一下查看："
OTHER_CANDIDATES_PROMPT = "\n如果不是这个，您问的可能是下面其中一样，点一下就能查看："


def city_key() -> str:
    """The city whose rules and naming apply: $CITY (the platform's setting), default jiangmen;
    an unknown city falls back to the national naming (and says so in the log)."""
    wanted = (os.environ.get("CITY") or DEFAULT_CITY).strip() or DEFAULT_CITY
    try:
        return city_profile(wanted).key
    except ValueError:
        logger.error("CITY=%r is not a city of knowledge/waste/cities/; using the national rules", wanted)
        return "national"


@dataclass(frozen=True)
class WasteQuestion:
    text: str  # what the resident wrote ("" for a button)
    query: str  # what is looked up: the text, or the item a button named
    items: tuple[str, ...]  # the waste_item entities (DIET or the button)
    message_id: str | None


def question_of(tracker: Tracker) -> WasteQuestion:
    message = tracker.latest_message or {}
    raw = str(message.get("text") or "").strip()
    items = tuple(
        dict.fromkeys(
            str(e.get("value")).strip()
            for e in message.get("entities") or []
            if e.get("entity") == ENTITY and str(e.get("value") or "").strip()
        )
    )
    text = "" if raw.startswith("/") else raw[:MAX_QUESTION]
    query = text or "和".join(items)
    message_id = str(message.get("message_id") or "") or latest_user_message_id(tracker)
    return WasteQuestion(text=text, query=query, items=items, message_id=message_id)


def latest_user_message_id(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            found = event.get("message_id")
            return str(found) if found else None
    return None


def local_lookup(query: str, city: str) -> dict[str, Any]:
    """The platform's contract from the local knowledge base (no learned items)."""
    return matcher(city).lookup(query).payload()


async def look_up(query: str, city: str) -> WasteResult:
    """The platform's answer; the local matcher's when the platform is down or refuses."""
    client = PlatformClient.from_environment()
    try:
        body = await asyncio.to_thread(client.waste_lookup, query, city)
    except PlatformProblem as error:
        logger.warning("waste lookup: no platform answer (%s); answering from the local data", error)
        try:
            body = await asyncio.to_thread(local_lookup, query, city)
        except Exception:  # broken local data must not leave the resident without a reply
            logger.exception("waste lookup: the local matcher failed too for %r", query)
            body = {"query": query, "match": "none", "items": [], "candidates": [], "item_phrase": ""}
    return result_from_contract(body, city)


def desk_key(sender_id: str, question: WasteQuestion) -> str:
    """The same message asks the desk once, even when Rasa runs the action again."""
    if not question.message_id:
        return f"waste-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{sender_id}\n{question.message_id}".encode()).hexdigest()[:40]
    return f"waste-{digest}"


class ActionAnswerWasteQuestion(Action):
    def name(self) -> str:
        return "action_answer_waste_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        city = city_key()
        question = question_of(tracker)
        if not question.query:  # the "垃圾分类查询" button, no item named
            tell_general(dispatcher, city)
            return []
        result = await look_up(question.query, city)
        if result.answers:
            tell_answers(dispatcher, result)
        if result.ambiguous is not None:
            explain = result.ambiguous.explain
            dispatcher.utter_message(
                response="utter_waste_ambiguous",
                explain=explain,
                question="" if explain.endswith(("？", "?")) else "请问您说的是哪一种？",
                buttons=[ask_button(option) for option in result.ambiguous.options],
            )
        if not result.understood_nothing:
            return []
        if is_general(question.query) or (result.item_phrase and is_general(result.item_phrase)):
            tell_general(dispatcher, city)
            return []
        await ask_volunteers(dispatcher, tracker, question, result, city)
        return []


def tell_answers(dispatcher: CollectingDispatcher, result: WasteResult) -> None:
    """The items' lines; after a guess (fuzzy), the other close names as buttons."""
    text = answer_text(result.answers)
    buttons = []
    if any(answer.match == "fuzzy" for answer in result.answers):
        answered = {answer.item for answer in result.answers}
        others = [name for name in result.candidates if name not in answered][:MAX_BUTTONS]
        if others:
            text += OTHER_CANDIDATES_PROMPT
            buttons = [ask_button(name) for name in others]
    dispatcher.utter_message(response="utter_waste_answer", answer=text, buttons=buttons)


def tell_general(dispatcher: CollectingDispatcher, city: str) -> None:
    dispatcher.utter_message(response="utter_waste_sorting_general", **general_styles(city))


async def ask_volunteers(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    question: WasteQuestion,
    result: WasteResult,
    city: str,
) -> None:
    """Nothing matched: hand the question to the desk at once, offer the closest items meanwhile."""
    item_phrase = result.item_phrase or "、".join(question.items) or question.text or question.query
    candidates = resembling(item_phrase, result.candidates)[:MAX_BUTTONS]
    buttons = [ask_button(name) for name in candidates]
    prompt = CANDIDATES_PROMPT if buttons else ""
    text = question.text or question.query
    client = PlatformClient.from_environment()
    key = desk_key(str(tracker.sender_id), question)
    try:
        asked = await asyncio.to_thread(
            client.ask_desk, resident_of(tracker), text, item_phrase, key, city=city
        )
    except PlatformUnavailable as error:
        logger.warning("volunteer desk unreachable for %r: %s", item_phrase, error)
        dispatcher.utter_message(
            response="utter_waste_desk_unavailable", candidates_prompt=prompt, buttons=buttons
        )
        return
    except PlatformError as error:
        logger.error("volunteer desk refused %r: %s", item_phrase, error)
        dispatcher.utter_message(
            response="utter_waste_desk_unavailable", candidates_prompt=prompt, buttons=buttons
        )
        return
    logger.info("waste question %s handed to %d volunteer(s): %r", asked.id, asked.notified, item_phrase)
    # No volunteer to notify yet: the question waits (the platform sends its best guess later), so
    # promise no quick answer.
    response = "utter_waste_desk_asked" if asked.notified else "utter_waste_desk_queued"
    dispatcher.utter_message(response=response, candidates_prompt=prompt, buttons=buttons)
