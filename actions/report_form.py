"""The complaint conversation: the form report_form and its validation (actions/report_submission.py
shows the summary and files the report).

Slots the form asks for, in this order (domain.yml `forms`):
  description       the resident's own words (pre-filled from the first message when it says more
                    than a category word)
  issue_category    a category key: button, confident ResponseSelector, or the resident's pick
  location          {"latitude", "longitude"} of a shared point and/or {"address"}, plus the
                    district/street the platform placed it in
  photos            media ids from the gateway; [] when the resident skips
  report_confirmed  "yes" (submit) | "edit" (then correct_field is asked) | "cancelled"
plus report_key, the idempotency key generated once at confirmation.

Every slot has a custom mapping: `ValidateReportForm` reads the message itself (extract_<slot>)
and checks the value (validate_<slot>). Messages the form does not handle — a question about
waste sorting, a status check, thanks — leave the slots untouched, so the form rejects them and a
rule in nlu/dialogue/rules.yml answers and returns to the form (INTERRUPTIONS below). A cancel
("算了", "不报了", goodbye, or "no" to one of the first questions) ends the form with
report_confirmed "cancelled"; `action_submit_report` then says so instead of filing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.pending_reports import (
    nudge_retry,
)
from actions.platform_client import (
    PlatformClient,
    PlatformError,
    PlatformUnavailable,
)
from actions.reporting import (
    acknowledge,
    category_from_entities,
    category_from_text,
    confident_category,
)
from knowledge.taxonomy import categories

logger = logging.getLogger(__name__)

FORM = "report_form"
REQUESTED_SLOT = "requested_slot"
ASKED_SLOTS = ("description", "issue_category", "location", "photos", "report_confirmed")
CORRECT_FIELD = "correct_field"
KEY_SLOT = "report_key"
# Everything a report keeps between turns; cleared when it is filed, queued or cancelled.
REPORT_SLOTS = (*ASKED_SLOTS, CORRECT_FIELD, KEY_SLOT)
CORRECTABLE = ("issue_category", "description", "location", "photos")

# Intents that pause the form: it rejects them, a rule answers, and the form asks again.
INTERRUPTIONS = frozenset(
    {
        "greet",
        "thank",
        "ask_capabilities",
        "ask_waste_sorting",
        "check_case_status",
        "subscribe_tips",
        "unsubscribe_tips",
        "ask_campaigns",
        "join_campaign",
        "rate_service",
        "out_of_scope",
    }
)
# Where a free-text answer is expected, only a confident interruption counts as one.
CONFIDENT_INTERRUPTION = 0.7

MAX_PHOTOS = 9  # the platform's limit per case
MIN_DESCRIPTION = 3  # characters, punctuation aside
MAX_DESCRIPTION = 2000
MAX_ADDRESS = 300

CANCEL_WORDS = (
    "算了", "取消", "不报了", "不反映了", "不投诉了", "不举报了", "不登记了", "不提交", "别提交",
    "不用报", "不要报", "不弄了", "唔报", "唔使报",
)  # fmt: skip
SKIP_WORDS = (
    "跳过", "没有", "没", "沒", "冇", "无", "不用", "不需要", "唔使", "不方便", "拍不到", "no", "skip",
)  # fmt: skip
CONFIRM_WORDS = ("确认", "提交", "确定")
EDIT_WORDS = ("修改", "改", "不对", "不對", "错", "錯", "不是", "更正", "重新", "换")
# Said when all is well; removed before looking for edit words ("没错" contains 错).
FINE_PHRASES = ("没错", "沒錯", "冇错", "没问题", "沒問題", "不错")
FIELD_WORDS = {
    "issue_category": ("类别", "类型", "分类", "种类", "类"),
    "description": ("描述", "情况", "内容", "说明"),
    "location": ("位置", "地址", "地点", "定位", "地方"),
    "photos": ("照片", "图片", "相片", "相"),
}
# Filler around a bare category word: "我要投诉一下井盖问题" says no more than "井盖".
FILLER = (
    "我要", "我想", "想要", "我", "要", "想", "请问", "你好", "您好", "麻烦", "帮我", "帮忙", "一下",
    "投诉", "反映", "反应", "举报", "报告", "上报", "报", "问题", "情况", "事情", "的", "了", "个",
    "一个", "有", "关于", "城管", "呢", "啊", "吧", "呀", "哦", "喔",
)  # fmt: skip
_NOT_WORD = re.compile(r"[\W_]+")


# -- reading one turn -------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What the resident just said, as the form's validation sees it."""

    step: str | None  # the slot asked for; None while the form is being activated
    fresh: bool  # False when the form resumes after an interruption: nothing new to read
    text: str  # "" for button payloads and gateway messages ("/inform{...}")
    intent: str | None
    confidence: float
    message: dict[str, Any]

    def entity_values(self, entity: str) -> list[Any]:
        return [e.get("value") for e in self.message.get("entities", []) if e.get("entity") == entity]

    def has(self, *words: str) -> bool:
        lowered = self.text.lower()
        return any(word in lowered for word in words)

    @property
    def cancels(self) -> bool:
        return self.intent == "goodbye" or self.has(*CANCEL_WORDS)

    def interrupts(self, free_text: bool) -> bool:
        if self.intent not in INTERRUPTIONS:
            return False
        return not free_text or self.confidence >= CONFIDENT_INTERRUPTION


def answered_just_now(events: list[dict[str, Any]]) -> bool:
    """True if the newest user message is what the form runs on (not a resumption after a detour).

    Between that message and now there are only bookkeeping events (slots, the loop activation,
    the message's featurization, the form's own execution marker); after an interruption there
    are the rejection, the rule's answer and its bot messages.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind in ("bot", "action_execution_rejected"):
            return False
        if kind == "action" and event.get("name") != FORM:
            return False
    return False


def activating(events: list[dict[str, Any]]) -> bool:
    """True while the form is being activated by the newest message (Rasa adds ActiveLoop first).

    A stale requested_slot carried over from an abandoned report must not be taken for a question.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "active_loop" and event.get("name") == FORM:
            return True
    return False


def turn_of(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    text = str(message.get("text") or "").strip()
    intent = message.get("intent") or {}
    return Turn(
        step=None if activating(tracker.events) else tracker.get_slot(REQUESTED_SLOT),
        fresh=answered_just_now(tracker.events),
        text="" if text.startswith("/") else text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        message=message,
    )


def says_more_than_a_category(text: str) -> bool:
    """ "五邑路井盖没了" describes something; "我要投诉井盖问题" only names the category."""
    rest = _NOT_WORD.sub("", text)
    words = sorted(
        {w for c in categories().values() for w in (c.name, *c.terms, *c.synonyms)} | set(FILLER),
        key=len,
        reverse=True,
    )
    for word in words:
        rest = rest.replace(word, "")
    return bool(rest)


def shared_before(tracker: Tracker) -> tuple[dict[str, float] | None, list[str]]:
    """A location and photos the resident sent just before saying what the problem is."""
    point: dict[str, float] | None = None
    photos: list[str] = []
    user_events = [e for e in reversed(tracker.events) if e.get("event") == "user"][1:11]
    for event in user_events:
        parse = event.get("parse_data") or {}
        turn = Turn(None, False, "", None, 0.0, parse)
        found_point = point_of(turn)
        found_photos = photo_ids_of(turn)
        if not found_point and not found_photos:
            break
        point = point or found_point
        photos = found_photos + photos
    return point, photos


def point_of(turn: Turn) -> dict[str, float] | None:
    latitudes, longitudes = turn.entity_values("latitude"), turn.entity_values("longitude")
    if not latitudes or not longitudes:
        return None
    try:
        latitude, longitude = float(latitudes[0]), float(longitudes[0])
    except (TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return {"latitude": latitude, "longitude": longitude}


def photo_ids_of(turn: Turn) -> list[str]:
    return [str(v) for v in turn.entity_values("photo_id") if isinstance(v, str) and v.strip()]


def field_named(turn: Turn) -> str | None:
    """The field a correction is about: a button's correct_field entity or a word for it."""
    for value in turn.entity_values(CORRECT_FIELD):
        if value in CORRECTABLE:
            return str(value)
    for field, words in FIELD_WORDS.items():
        if turn.has(*words):
            return field
    return None


def wants_changes(turn: Turn) -> bool:
    text = turn.text
    for phrase in FINE_PHRASES:
        text = text.replace(phrase, "")
    return turn.intent == "deny" or any(word in text for word in EDIT_WORDS)


def location_candidate(turn: Turn) -> dict[str, str] | None:
    """An address the resident typed: the place entity to look up, the whole answer to keep."""
    if not turn.text:
        return None
    places = [str(v) for v in turn.entity_values("place") if v]
    candidate = {"address": turn.text[:MAX_ADDRESS]}
    if len(places) == 1:
        candidate["place"] = places[0]
    return candidate


def cancelled() -> dict[str, Any]:
    """What a cancel does to the report: the form ends and nothing is filed."""
    return {"report_confirmed": "cancelled"}


# -- the form's validation --------------------------------------------------------------------


class ValidateReportForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        nudge_retry()
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        """The asked slots, correct_field while the resident is choosing what to change, the key."""
        slots = list(ASKED_SLOTS)
        if tracker.get_slot("report_confirmed") == "edit":
            slots.append(CORRECT_FIELD)
        return [*slots, KEY_SLOT]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> EventType:
        if tracker.get_slot("report_confirmed") in ("yes", "cancelled"):
            return SlotSet(REQUESTED_SLOT, None)
        slots = await self.required_slots(list(ASKED_SLOTS), dispatcher, tracker, domain)
        missing = (slot for slot in slots if slot != KEY_SLOT and tracker.slots.get(slot) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))

    # -- extraction: what this message says about each slot --

    async def extract_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if not turn.fresh:
            return {}
        if turn.step is None:  # the first message of the report
            described = turn.text and says_more_than_a_category(turn.text)
            return {"description": turn.text if described else None}
        if turn.step != "description":
            return {}
        if turn.cancels or turn.intent == "deny":
            return cancelled()
        if not turn.text or turn.interrupts(free_text=True):
            return {}
        return {"description": turn.text}

    async def extract_issue_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if not turn.fresh:
            return {}
        chosen = category_from_entities(turn.message)
        if chosen:
            return {"issue_category": chosen}
        if turn.step is None:
            return {"issue_category": confident_category(turn.message)}
        if turn.step == "description" and tracker.get_slot("issue_category") is None:
            # The description the resident just gave may settle the category.
            found = confident_category(turn.message)
            return {"issue_category": found} if found else {}
        if turn.step != "issue_category":
            return {}
        if turn.cancels or turn.intent == "deny":
            return cancelled()
        if not turn.text or turn.interrupts(free_text=False):
            return {}
        return {"issue_category": category_from_text(turn.text) or confident_category(turn.message)}

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if not turn.fresh:
            return {}
        point = point_of(turn)
        if point:  # a shared location counts whenever it arrives
            return {"location": point}
        if turn.step is None:
            before, _ = shared_before(tracker)
            if before:
                return {"location": before}
            places = [str(v) for v in turn.entity_values("place") if v]
            return {"location": {"address": places[0], "place": places[0]} if places else None}
        if turn.step == "description" and tracker.get_slot("location") is None:
            places = [str(v) for v in turn.entity_values("place") if v]
            return {"location": {"address": places[0], "place": places[0]}} if places else {}
        if turn.step != "location":
            return {}
        if turn.cancels or turn.intent == "deny":
            return cancelled()
        if not turn.text or turn.interrupts(free_text=True):
            return {}
        return {"location": location_candidate(turn)}

    async def extract_photos(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if not turn.fresh:
            return {}
        new = photo_ids_of(turn)
        if turn.step is None:
            _, before = shared_before(tracker)
            photos = list(dict.fromkeys(before + new))
            return {"photos": photos[:MAX_PHOTOS] if photos else None}
        if new:  # more photos are welcome at any step
            photos = list(dict.fromkeys([*(tracker.get_slot("photos") or []), *new]))
            return {"photos": photos[:MAX_PHOTOS]}
        if turn.step != "photos" or point_of(turn):
            return {}
        if turn.cancels:
            return cancelled()
        if turn.intent == "deny" or turn.has(*SKIP_WORDS):
            return {"photos": []}
        if turn.interrupts(free_text=False):
            return {}
        return {"photos": None}  # anything else: ask for the photo again

    async def extract_report_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if turn.fresh and turn.step is None:
            return {"report_confirmed": None}  # a new report starts unconfirmed
        if not turn.fresh or turn.step != "report_confirmed":
            return {}
        if photo_ids_of(turn) or point_of(turn):
            return {}  # the summary is shown again with what just arrived
        if turn.cancels:
            return cancelled()
        field = field_named(turn) if wants_changes(turn) else None
        if field:
            return {field: None, "report_confirmed": None}
        if turn.intent == "inform" and turn.entity_values("place"):
            # "地址是五邑路128号": a new address, then the summary again
            return {"location": location_candidate(turn), "report_confirmed": None}
        if turn.intent == "affirm" or (turn.has(*CONFIRM_WORDS) and not wants_changes(turn)):
            return {"report_confirmed": "yes"}
        if wants_changes(turn):
            return {"report_confirmed": "edit"}
        if turn.interrupts(free_text=False):
            return {}
        return {"report_confirmed": None}

    async def extract_correct_field(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        turn = turn_of(tracker)
        if not turn.fresh or turn.step != CORRECT_FIELD:
            return {}
        choice = next(iter(turn.entity_values(CORRECT_FIELD)), None)
        if choice == "cancel" or turn.cancels:
            return cancelled()
        field = field_named(turn)
        if field:
            return {field: None, "report_confirmed": None}
        if choice == "none" or turn.intent in ("affirm", "deny"):
            return {"report_confirmed": None}  # nothing to change: back to the summary
        if turn.interrupts(free_text=False):
            return {}
        return {"report_confirmed": "edit"}  # ask again which field

    async def extract_report_key(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Generated once, when the resident confirms; a repeated confirmation reuses it."""
        turn = turn_of(tracker)
        if turn.fresh and turn.step is None:
            return {KEY_SLOT: None}
        if tracker.get_slot("report_confirmed") != "yes" or tracker.get_slot(KEY_SLOT):
            return {}
        return {KEY_SLOT: f"rasa-{uuid.uuid4().hex}"}

    # -- validation: is the value usable --

    async def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value).strip() if value else ""
        if len(_NOT_WORD.sub("", text)) < MIN_DESCRIPTION:  # "好的", "嗯": ask again
            return {"description": None}
        return {"description": text[:MAX_DESCRIPTION]}

    async def validate_issue_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value not in categories():
            return {"issue_category": None}
        acknowledge(dispatcher, str(value))
        return {"issue_category": value}

    async def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            return {"location": None}
        client = PlatformClient.from_environment()
        if "latitude" in value and "longitude" in value and "address" not in value:
            point = await self._check_point(value, client, dispatcher)
            if point and turn_of(tracker).step is not None:
                dispatcher.utter_message(response="utter_location_received")
            return {"location": point}
        # Only an answer to the location question earns "not found"; a place named in passing
        # (in the first message or the description) that cannot be placed is simply asked for.
        asked = turn_of(tracker).step in ("location", "report_confirmed")
        return {"location": await self._place_address(value, client, dispatcher, quiet=not asked)}

    async def _check_point(
        self, point: dict[str, Any], client: PlatformClient, dispatcher: CollectingDispatcher
    ) -> dict[str, Any] | None:
        try:
            area = await asyncio.to_thread(client.locate, point["latitude"], point["longitude"])
        except PlatformError as error:
            if error.code == "outside_city":
                dispatcher.utter_message(response="utter_location_outside_city")
                return None
            logger.warning("locating %s failed, keeping the point as sent: %s", point, error)
            return dict(point)
        except PlatformUnavailable as error:
            logger.warning("platform unreachable while locating, keeping the point: %s", error)
            return dict(point)
        return {**point, **{k: area[k] for k in ("district", "street", "community") if area.get(k)}}

    async def _place_address(
        self, value: dict[str, Any], client: PlatformClient, dispatcher: CollectingDispatcher, quiet: bool
    ) -> dict[str, Any] | None:
        address = str(value.get("address") or "").strip()[:MAX_ADDRESS]
        if not address:
            return None
        # The whole answer first (the resolver picks the most specific name in it), then the place.
        for query in dict.fromkeys(q for q in (address, value.get("place")) if q):
            try:
                place = await asyncio.to_thread(client.resolve_place, str(query))
            except PlatformError as error:
                if error.status == 404 or error.code == "unknown_place":
                    continue
                logger.warning("resolving %r failed, keeping the address as given: %s", address, error)
                return {"address": address}
            except PlatformUnavailable as error:
                # The platform resolves the address itself when the report is filed.
                logger.warning("platform unreachable while resolving %r: %s", address, error)
                return {"address": address}
            return {
                "address": address,
                **{k: place[k] for k in ("latitude", "longitude") if place.get(k) is not None},
                **{k: place[k] for k in ("district", "street", "community") if place.get(k)},
            }
        if not quiet:
            dispatcher.utter_message(response="utter_location_unknown", address=address)
        return None

    async def validate_photos(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is None:
            return {"photos": None}
        photos = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        return {"photos": photos[:MAX_PHOTOS]}

    async def validate_report_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {"report_confirmed": value if value in ("yes", "edit", "cancelled") else None}

    async def validate_correct_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {CORRECT_FIELD: None}

    async def validate_report_key(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {KEY_SLOT: value}
