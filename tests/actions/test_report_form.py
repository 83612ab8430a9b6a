"""validate_report_form: what each answer does to the report, step by step (exact events)."""

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import (
    ASKED_SLOTS,
    ValidateReportForm,
    answered_just_now,
    says_more_than_a_category,
)
from actions.report_submission import ActionAskReportConfirmed
from tests.actions.conftest import RunningPlatform, TrackerFactory, entity, selector, user_event

FORM = ValidateReportForm()
STREET_VENDING = selector(("street_vending", 0.93), ("illegal_parking", 0.03))
READY = {
    "description": "五邑路有个井盖不见了",
    "issue_category": "manhole",
    "location": {
        "address": "五邑路东湖公园门口",
        "latitude": 22.5865,
        "longitude": 113.0905,
        "street": "白沙街道",
    },
    "photos": ["m1"],
}


async def validate(dispatcher: CollectingDispatcher, tracker: Any, domain: dict[str, Any]) -> list[Any]:
    return list(await FORM.run(dispatcher, tracker, domain))


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


def slot_events(events: list[Any]) -> dict[str, Any]:
    """The slots the validation set (what decides whether Rasa rejects the form)."""
    return {e["name"]: e["value"] for e in events if e["name"] != "requested_slot"}


# -- activation: the first message -------------------------------------------------------------


async def test_a_full_first_message_fills_what_it_can(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    text = "五邑路128号门口好多流动摊贩摆摊卖水果，人行道都走不了"
    tracker = form_turn(
        text,
        "report_issue",
        step=None,
        entities=[entity("place", "五邑路128号")],
        response_selector=STREET_VENDING,
    )
    events = await validate(dispatcher, tracker, domain)
    # the platform is unreachable here: the address is kept as said, the platform resolves it later
    assert events == [
        SlotSet("description", text),
        SlotSet("issue_category", "street_vending"),
        SlotSet("location", {"address": "五邑路128号"}),
        SlotSet("photos", None),
        SlotSet("report_confirmed", None),
        SlotSet("report_key", None),
        SlotSet("requested_slot", "photos"),
    ]
    assert responses(dispatcher) == ["utter_report_received", "utter_report_issue/street_vending"]
    assert dispatcher.messages[0]["category_name"] == "占道经营"


@pytest.mark.parametrize("text", ["井盖", "我要投诉井盖问题", "反映一下噪音扰民", "/report_issue", "路灯！"])
async def test_a_bare_category_asks_for_a_description(
    text: str, dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(text, "report_issue", step=None, response_selector=selector(("manhole", 0.4)))
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events)["description"] is None
    assert events[-1] == SlotSet("requested_slot", "description")


def test_what_counts_as_a_description() -> None:
    assert says_more_than_a_category("井盖没了")
    assert says_more_than_a_category("楼下烧烤店油烟好大")
    assert not says_more_than_a_category("我想反映一个占道经营的问题")
    assert not says_more_than_a_category("油烟")


async def test_a_category_button_settles_the_category(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        '/report_issue{"issue_category": "construction_waste"}',
        "report_issue",
        step=None,
        entities=[entity("issue_category", "construction_waste")],
        candidates={"issue_category": "construction_waste"},
    )
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events)["issue_category"] == "construction_waste"
    assert events[-1] == SlotSet("requested_slot", "description")
    assert responses(dispatcher) == ["utter_report_received", "utter_report_issue/construction_waste"]


async def test_stale_values_of_an_earlier_report_are_cleared(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "我要反映问题",
        "report_issue",
        step=None,
        slots={**READY, "report_confirmed": "edit", "report_key": "old"},
        candidates={"issue_category": "manhole"},
    )
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events) == {
        "issue_category": None,
        "description": None,
        "location": None,
        "photos": None,
        "report_confirmed": None,
        "report_key": None,
    }
    assert events[-1] == SlotSet("requested_slot", "description")


async def test_a_question_left_over_from_an_abandoned_report_is_ignored(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("井盖", "report_issue", step=None, response_selector=selector(("manhole", 0.9)))
    tracker.slots["requested_slot"] = "location"  # carried over into a new session
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events)["location"] is None
    assert events[-1] == SlotSet("requested_slot", "description")


async def test_location_and_photo_sent_before_the_complaint_are_used(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    history = [
        user_event("/inform", "inform", [entity("photo_id", "p1")]),
        {"event": "bot", "text": "收到。请问您是想反映问题…"},
        user_event("/inform", "inform", [entity("latitude", 22.5795), entity("longitude", 113.0815)]),
        {"event": "bot", "text": "收到。请问您是想反映问题…"},
    ]
    tracker = form_turn(
        "这里的井盖不见了",
        "report_issue",
        step=None,
        history=history,
        response_selector=selector(("manhole", 0.9)),
    )
    events = await validate(dispatcher, tracker, domain)
    slots = slot_events(events)
    assert slots["location"] == {"latitude": 22.5795, "longitude": 113.0815}
    assert slots["photos"] == ["p1"]
    assert events[-1] == SlotSet("requested_slot", "report_confirmed")


# -- the description and the category ----------------------------------------------------------


async def test_the_description_can_settle_the_category(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "良化市场门口每天傍晚都有人摆摊",
        "report_issue",
        step="description",
        response_selector=STREET_VENDING,
        entities=[entity("place", "良化市场")],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [
        SlotSet("description", "良化市场门口每天傍晚都有人摆摊"),
        SlotSet("issue_category", "street_vending"),
        SlotSet("location", {"address": "良化市场"}),
        SlotSet("requested_slot", "photos"),
    ]


async def test_an_unsure_description_leads_to_the_category_question(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "门口又搞得乱七八糟",
        "report_issue",
        step="description",
        response_selector=selector(("exposed_garbage", 0.35), ("construction_waste", 0.3)),
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [
        SlotSet("description", "门口又搞得乱七八糟"),
        SlotSet("requested_slot", "issue_category"),
    ]


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("其他", "inform", "other"),
        ("路灯故障", "inform", "street_light"),
        ("是油烟", "report_issue", "cooking_fumes"),
    ],
)
async def test_a_typed_category(
    text: str,
    intent: str,
    expected: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(text, intent, step="issue_category", slots={"description": "门口乱七八糟"})
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", expected), SlotSet("requested_slot", "location")]


async def test_an_unclear_category_answer_asks_again(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "不知道啊",
        "inform",
        step="issue_category",
        slots={"description": "门口乱七八糟"},
        response_selector=selector(("noise", 0.2)),
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("issue_category", None), SlotSet("requested_slot", "issue_category")]


@pytest.mark.parametrize(
    ("text", "intent", "step"),
    [
        ("算了", "deny", "description"),
        ("不用了", "deny", "location"),
        ("不报了", "inform", "issue_category"),
        ("拜拜", "goodbye", "description"),
        ("/deny", "deny", "description"),
    ],
)
async def test_no_at_an_early_question_cancels(
    text: str,
    intent: str,
    step: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(text, intent, step=step, slots={"description": "x"} if step != "description" else {})
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("report_confirmed", "cancelled"), SlotSet("requested_slot", None)]


@pytest.mark.parametrize(
    ("text", "intent", "step"),
    [
        ("电池是什么垃圾", "ask_waste_sorting", "description"),
        ("谢谢", "thank", "location"),
        ("好的谢谢", "thank", "photos"),
        ("我的投诉怎么样了", "check_case_status", "report_confirmed"),
    ],
)
async def test_interruptions_fill_nothing_so_the_form_rejects(
    text: str,
    intent: str,
    step: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    before = {
        slot: value for slot, value in READY.items() if ASKED_SLOTS.index(slot) < ASKED_SLOTS.index(step)
    }
    tracker = form_turn(text, intent, step=step, slots=before)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("requested_slot", step)]
    assert dispatcher.messages == []


@pytest.mark.parametrize(("text", "intent"), [("好的", "affirm"), ("嗯嗯！", "affirm")])
async def test_a_description_says_something(
    text: str,
    intent: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    events = await validate(dispatcher, form_turn(text, intent, step="description"), domain)
    assert events == [SlotSet("description", None), SlotSet("requested_slot", "description")]


async def test_an_unsure_interruption_is_still_a_description(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("有人在路边烧垃圾，烟好大", "out_of_scope", confidence=0.58, step="description")
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events) == {"description": "有人在路边烧垃圾，烟好大"}


async def test_back_from_an_interruption_nothing_is_read_again(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "谢谢", "thank", step="location", slots={"description": "x", "issue_category": "noise"}, resumed=True
    )
    assert not answered_just_now(tracker.events)
    assert await validate(dispatcher, tracker, domain) == [SlotSet("requested_slot", "location")]


# -- the location -------------------------------------------------------------------------------

AT_LOCATION = {"description": "路灯不亮", "issue_category": "street_light"}


async def test_a_shared_point_is_placed_in_its_street(
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = form_turn(
        '/inform{"latitude": 22.5795, "longitude": 113.0815}',
        "inform",
        step="location",
        slots=AT_LOCATION,
        entities=[entity("latitude", 22.5795), entity("longitude", 113.0815)],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [
        SlotSet(
            "location",
            {
                "latitude": 22.5795,
                "longitude": 113.0815,
                "district": "蓬江区",
                "street": "白沙街道",
                "community": "东风社区",
            },
        ),
        SlotSet("requested_slot", "photos"),
    ]
    assert responses(dispatcher) == ["utter_location_received"]


async def test_a_point_outside_the_city_is_refused_politely(
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = form_turn(
        "/inform",
        "inform",
        step="location",
        slots=AT_LOCATION,
        entities=[entity("latitude", 23.13), entity("longitude", 113.26)],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("location", None), SlotSet("requested_slot", "location")]
    assert responses(dispatcher) == ["utter_location_outside_city"]


async def test_an_address_is_resolved_and_kept_in_the_residents_words(
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = form_turn(
        "就在东湖公园北门旁边",
        "inform",
        step="location",
        slots=AT_LOCATION,
        entities=[entity("place", "东湖公园北门")],
    )
    events = await validate(dispatcher, tracker, domain)
    location = slot_events(events)["location"]
    assert location["address"] == "就在东湖公园北门旁边"
    assert (location["street"], location["community"]) == ("白沙街道", "东湖社区")
    assert isinstance(location["latitude"], float)
    assert isinstance(location["longitude"], float)
    assert events[-1] == SlotSet("requested_slot", "photos")


async def test_an_unknown_place_is_asked_again(
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    tracker = form_turn("火星基地三号门", "inform", step="location", slots=AT_LOCATION)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("location", None), SlotSet("requested_slot", "location")]
    assert responses(dispatcher) == ["utter_location_unknown"]
    assert dispatcher.messages[0]["address"] == "火星基地三号门"


async def test_without_the_platform_the_address_is_accepted_as_said(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("火星基地三号门", "inform", step="location", slots=AT_LOCATION)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("location", {"address": "火星基地三号门"}), SlotSet("requested_slot", "photos")]
    assert dispatcher.messages == []


# -- photos -------------------------------------------------------------------------------------

AT_PHOTOS = {"description": "路灯不亮", "issue_category": "street_light", "location": {"address": "五邑路"}}


async def test_photos_arrive_from_the_gateway(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        '/inform{"photo_id": ["m1", "m2"]}',
        "inform",
        step="photos",
        slots=AT_PHOTOS,
        entities=[entity("photo_id", "m1"), entity("photo_id", "m2")],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("photos", ["m1", "m2"]), SlotSet("requested_slot", "report_confirmed")]


@pytest.mark.parametrize(
    ("text", "intent"), [("/deny", "deny"), ("没有照片", "inform"), ("跳过", "deny"), ("没拍到", "inform")]
)
async def test_the_photo_can_be_skipped(
    text: str,
    intent: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(text, intent, step="photos", slots=AT_PHOTOS)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("photos", []), SlotSet("requested_slot", "report_confirmed")]


async def test_something_else_at_the_photo_question_asks_again(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("等一下", "inform", step="photos", slots=AT_PHOTOS)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("photos", None), SlotSet("requested_slot", "photos")]


async def test_a_late_photo_joins_the_others_and_the_summary_comes_again(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        "/inform",
        "inform",
        step="report_confirmed",
        slots=READY,
        entities=[entity("photo_id", "m2"), entity("photo_id", "m1")],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("photos", ["m1", "m2"]), SlotSet("requested_slot", "report_confirmed")]


# -- the summary: confirm, correct, cancel ------------------------------------------------------


async def test_confirming_ends_the_form_with_a_new_key(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("确认提交", "affirm", step="report_confirmed", slots=READY)
    events = await validate(dispatcher, tracker, domain)
    assert events[0] == SlotSet("report_confirmed", "yes")
    assert events[1]["name"] == "report_key"
    assert events[1]["value"].startswith("rasa-")
    assert events[2:] == [SlotSet("requested_slot", None)]


async def test_a_repeated_confirmation_keeps_the_key(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("/affirm", "affirm", step="report_confirmed", slots={**READY, "report_key": "rasa-1"})
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("report_confirmed", "yes"), SlotSet("requested_slot", None)]


@pytest.mark.parametrize(("text", "intent"), [("/deny", "deny"), ("修改", "inform"), ("不对", "deny")])
async def test_edit_asks_which_field(
    text: str,
    intent: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(text, intent, step="report_confirmed", slots=READY)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("report_confirmed", "edit"), SlotSet("requested_slot", "correct_field")]


@pytest.mark.parametrize(
    ("text", "intent", "field"),
    [
        ("地址不对", "deny", "location"),
        ("照片要重新发", "inform", "photos"),
        ("类别选错了", "inform", "issue_category"),
        ("描述要改一下", "inform", "description"),
    ],
)
async def test_naming_the_wrong_field_asks_only_that_again(
    text: str,
    intent: str,
    field: str,
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(text, intent, step="report_confirmed", slots=READY)
    events = await validate(dispatcher, tracker, domain)
    assert slot_events(events) == {field: None, "report_confirmed": None}
    assert events[-1] == SlotSet("requested_slot", field)


async def test_choosing_the_field_from_the_buttons(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn(
        '/inform{"correct_field": "location"}',
        "inform",
        step="correct_field",
        slots={**READY, "report_confirmed": "edit"},
        entities=[entity("correct_field", "location")],
    )
    events = await validate(dispatcher, tracker, domain)
    assert events == [
        SlotSet("location", None),
        SlotSet("report_confirmed", None),
        SlotSet("requested_slot", "location"),
    ]


async def test_a_corrected_field_leads_back_to_the_summary(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    slots = {**READY, "location": None}
    tracker = form_turn("火星基地三号门", "inform", step="location", slots=slots)
    events = await validate(dispatcher, tracker, domain)
    assert events[-1] == SlotSet("requested_slot", "report_confirmed")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("none", [SlotSet("report_confirmed", None), SlotSet("requested_slot", "report_confirmed")]),
        ("cancel", [SlotSet("report_confirmed", "cancelled"), SlotSet("requested_slot", None)]),
    ],
)
async def test_no_change_or_cancel_from_the_field_buttons(
    payload: str,
    expected: list[Any],
    dispatcher: CollectingDispatcher,
    form_turn: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    tracker = form_turn(
        f'/inform{{"correct_field": "{payload}"}}',
        "inform",
        step="correct_field",
        slots={**READY, "report_confirmed": "edit"},
        entities=[entity("correct_field", payload)],
    )
    assert await validate(dispatcher, tracker, domain) == expected


async def test_cancel_at_the_summary(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("算了，不报了", "deny", step="report_confirmed", slots=READY)
    events = await validate(dispatcher, tracker, domain)
    assert events == [SlotSet("report_confirmed", "cancelled"), SlotSet("requested_slot", None)]


async def test_the_summary_lists_what_will_be_filed(
    dispatcher: CollectingDispatcher, form_turn: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = form_turn("/inform", "inform", step="report_confirmed", slots=READY)
    assert await ActionAskReportConfirmed().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_report_summary"
    assert (message["category_name"], message["description"], message["location"], message["photos"]) == (
        "井盖问题",
        "五邑路有个井盖不见了",
        "五邑路东湖公园门口（白沙街道）",
        "1 张",
    )
    buttons = domain["responses"]["utter_report_summary"][0]["buttons"]
    assert [(b["title"], b["payload"]) for b in buttons] == [("确认提交", "/affirm"), ("修改", "/deny")]


def test_the_domain_asks_in_the_forms_order(domain: dict[str, Any]) -> None:
    assert tuple(domain["forms"]["report_form"]["required_slots"]) == ASKED_SLOTS
    asked = {f"utter_ask_{slot}" for slot in ("description", "location", "photos", "correct_field")}
    assert asked <= set(domain["responses"])
    assert {"action_ask_issue_category", "action_ask_report_confirmed", "validate_report_form"} <= set(
        domain["actions"]
    )
