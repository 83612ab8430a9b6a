"""action_answer_waste_question: exact, alias, fuzzy, ambiguous, several items, a city's naming and
rules, nothing named, and nothing matched (the volunteer desk: asked, queued, down).

By default PLATFORM_URL points at a closed port (conftest), so lookups are answered by the local
matcher: that is the "platform down" path. Tests with `platform_up` run against a real platform.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.platform_client import PlatformClient, PlatformUnavailable, Resident
from actions.waste_answers import (
    MAX_LINE,
    ItemAnswer,
    is_general,
    item_line,
    resembling,
)
from actions.waste_sorting import ActionAnswerWasteQuestion, desk_key, question_of
from knowledge.waste import WasteItem, ambiguous_terms, waste_items
from knowledge.waste_cities import city_profile
from sorting import matcher
from sorting.index import localise
from tests.actions.conftest import RunningPlatform, TrackerFactory, entity, free_port

# Nobody's knowledge base knows these: the bot hands them to the desk.
UNKNOWN = "舞狮头套是什么垃圾"
UNKNOWN_PHRASE = "舞狮头套"
JIANGMEN_STYLES = {
    "recyclable": "可回收物",
    "recyclable_bin": "蓝色",
    "hazardous": "有害垃圾",
    "hazardous_bin": "红色",
    "kitchen": "厨余垃圾",
    "kitchen_bin": "绿色",
    "other": "其他垃圾",
    "other_bin": "灰色",
    "naming_note": "有的城市把厨余垃圾叫“湿垃圾”、其他垃圾叫“干垃圾”，说的是同一回事。",
}


def kb(name: str) -> WasteItem:
    return next(item for item in waste_items() if item.name == name)


def clause(text: str) -> str:
    return text.rstrip("。") + "。"


def line(name: str, category: str, colour: str, lead: str = "") -> str:
    """The reply line for a knowledge-base item, as the resident reads it."""
    item = kb(name)
    reason = item.reason.rstrip("。")
    return f"{lead}{name}属于{category}，请投放到{colour}桶。{clause(item.advice)}（原因：{reason}）"


def button(name: str) -> dict[str, str]:
    return {"title": name, "payload": f'/ask_waste_sorting{{"waste_item":"{name}"}}'}


def said(message: dict[str, Any], domain: dict[str, Any]) -> str:
    """The message's text as the resident reads it (the domain response filled in)."""
    template = str(domain["responses"][message["response"]][0]["text"])
    variables = {k: v for k, v in message.items() if k not in ("response", "buttons")}
    return template.format(**variables)


async def ask(
    tracker: Tracker, domain: dict[str, Any], dispatcher: CollectingDispatcher | None = None
) -> list[dict[str, Any]]:
    dispatcher = dispatcher or CollectingDispatcher()
    events = await ActionAnswerWasteQuestion().run(dispatcher, tracker, domain)
    assert events == []
    return list(dispatcher.messages)


def answer_message(text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """What CollectingDispatcher records for utter_waste_answer."""
    return {
        "text": None,
        "buttons": buttons or [],
        "elements": [],
        "custom": {},
        "template": "utter_waste_answer",
        "response": "utter_waste_answer",
        "image": None,
        "attachment": None,
        "answer": text,
    }


# -- answers ----------------------------------------------------------------------------------------


async def test_an_item_by_name(tracker_with: TrackerFactory, domain: dict[str, Any]) -> None:
    messages = await ask(tracker_with("牛奶盒是什么垃圾", "ask_waste_sorting"), domain)
    assert messages == [answer_message(line("牛奶盒", "可回收物", "蓝色"))]
    assert said(messages[0], domain).startswith("牛奶盒属于可回收物，请投放到蓝色桶。")


async def test_an_alias_is_answered_with_the_item_name(
    tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    messages = await ask(tracker_with("纸皮能回收吗", "ask_waste_sorting"), domain)
    assert messages == [answer_message(line("快递纸箱", "可回收物", "蓝色"))]


async def test_a_typo_is_answered_as_a_guess_with_the_other_close_names(
    tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    messages = await ask(tracker_with("外卖参盒", "ask_waste_sorting"), domain)
    others = [c for c in matcher("jiangmen").lookup("外卖参盒").candidates if c != "外卖餐盒"]
    assert others, "the matcher offers other close names"
    expected = (
        line("外卖餐盒", "其他垃圾", "灰色", lead="您是不是想问：外卖餐盒？")
        + "\n如果不是这个，您问的可能是下面其中一样，点一下就能查看："
    )
    assert messages == [answer_message(expected, [button(name) for name in others])]


async def test_an_ambiguous_word_explains_and_offers_its_options(
    tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with("电池是什么垃圾", "ask_waste_sorting", entities=[entity("waste_item", "电池")])
    [message] = await ask(tracker, domain)
    battery = next(term for term in ambiguous_terms() if term.term == "电池")
    assert message["response"] == "utter_waste_ambiguous"
    assert message["explain"] == battery.explain
    # the explanation asks which one already; otherwise the bot asks
    assert message["question"] == ("" if battery.explain.endswith("？") else "请问您说的是哪一种？")
    assert message["buttons"] == [button(option) for option in battery.options]
    assert message["buttons"][:2] == [
        {"title": "普通干电池", "payload": '/ask_waste_sorting{"waste_item":"普通干电池"}'},
        {"title": "充电电池", "payload": '/ask_waste_sorting{"waste_item":"充电电池"}'},
    ]


async def test_an_option_button_answers_that_item(
    tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with(
        '/ask_waste_sorting{"waste_item":"充电电池"}',
        "ask_waste_sorting",
        entities=[entity("waste_item", "充电电池")],
    )
    messages = await ask(tracker, domain)
    assert messages == [answer_message(line("充电电池", "有害垃圾", "红色"))]


async def test_several_items_get_one_line_each_in_order(
    tracker_with: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = tracker_with(
        "请问外卖餐盒和纸巾分别扔哪个桶",
        "ask_waste_sorting",
        entities=[entity("waste_item", "外卖餐盒"), entity("waste_item", "纸巾")],
    )
    messages = await ask(tracker, domain)
    expected = line("外卖餐盒", "其他垃圾", "灰色") + "\n" + line("纸巾", "其他垃圾", "灰色")
    assert messages == [answer_message(expected)]
    assert all(len(part) <= MAX_LINE for part in expected.split("\n"))


async def test_shanghai_names_and_rules(
    tracker_with: TrackerFactory, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITY", "shanghai")
    override = city_profile("shanghai").overrides["充电宝"]
    messages = await ask(tracker_with("充电宝是什么垃圾", "ask_waste_sorting"), domain)
    assert messages == [
        answer_message(
            f"按本市规定，充电宝属于可回收物，请投放到蓝色桶。{clause(override.advice or '')}"
            f"（原因：{override.reason.rstrip('。')}）"
        )
    ]
    [leftovers] = await ask(tracker_with("剩饭扔哪", "ask_waste_sorting"), domain)
    # the advice is written with the national names and read in Shanghai's
    rice = kb("剩饭")
    assert "厨余" in rice.advice
    assert leftovers["answer"] == (
        f"剩饭属于湿垃圾，请投放到棕色桶。{clause(localise(rice.advice, city_profile('shanghai')))}"
        f"（原因：{localise(rice.reason, city_profile('shanghai')).rstrip('。')}）"
    )
    assert "厨余" not in leftovers["answer"]
    assert "湿垃圾桶" in leftovers["answer"]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("/ask_waste_sorting", []),  # the 垃圾分类查询 button
        ("垃圾分类怎么分", []),
        ("红色的桶是装什么的", []),
        ("可回收物有哪些", []),
        ("怎么区分干垃圾和湿垃圾", []),
        ("这个东西到底丢哪个桶啊", []),
    ],
)
async def test_a_question_naming_nothing_gets_the_overview(
    text: str,
    entities: list[dict[str, Any]],
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
    platform_up: RunningPlatform,
) -> None:
    before = len(open_questions(platform_up))
    [message] = await ask(tracker_with(text, "ask_waste_sorting", entities=entities), domain)
    assert message["response"] == "utter_waste_sorting_general"
    assert {k: message[k] for k in JIANGMEN_STYLES} == JIANGMEN_STYLES
    assert said(message, domain).startswith(
        "生活垃圾分四类：可回收物（蓝色桶，如纸箱、塑料瓶、旧衣服）、有害垃圾（红色桶，"
    )
    assert len(open_questions(platform_up)) == before, "no volunteer is bothered with it"


async def test_the_overview_uses_the_city_naming(
    tracker_with: TrackerFactory, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITY", "上海")
    [message] = await ask(tracker_with("/ask_waste_sorting", "ask_waste_sorting"), domain)
    text = said(message, domain)
    assert "湿垃圾（棕色桶，如剩饭剩菜、果皮）、干垃圾（黑色桶，" in text
    assert message["naming_note"] == ""


# -- the platform ------------------------------------------------------------------------------------


def open_questions(platform: RunningPlatform) -> list[dict[str, Any]]:
    answer = platform.call("GET", "/api/v1/waste/questions", params={"status": "open", "limit": 500})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def register_volunteer(platform: RunningPlatform, user_id: str) -> None:
    invite = platform.call("POST", "/api/v1/volunteers/invites", json={"actor": "steward:test"})
    assert invite.status_code == 201, invite.text
    body = {
        "invite_code": invite.json()["code"],
        "resident": {"channel": "telegram", "user_id": user_id, "chat_id": user_id},
    }
    joined = platform.call("POST", "/api/v1/volunteers", json=body)
    assert joined.status_code in (200, 201), joined.text


async def test_the_platform_answers_with_what_it_learned(
    tracker_with: TrackerFactory, domain: dict[str, Any], platform_up: RunningPlatform
) -> None:
    assert matcher("jiangmen").lookup("猫爬架扔哪").match == "none", "the knowledge base does not know it"
    learned = {
        "category_key": "other",
        "actor": "steward:test",
        "reason": "剑麻绳缠在压缩板上，拆不开回收",
        "advice": "拆成小块装袋投放，整个太大的请预约大件清运",
    }
    saved = platform_up.call("PUT", "/api/v1/waste/learned/猫爬架", json=learned)
    assert saved.status_code in (200, 201), saved.text
    messages = await ask(tracker_with("猫爬架扔哪", "ask_waste_sorting"), domain)
    assert messages == [
        answer_message(
            "猫爬架属于其他垃圾，请投放到灰色桶。拆成小块装袋投放，整个太大的请预约大件清运。"
            "（原因：剑麻绳缠在压缩板上，拆不开回收）"
        )
    ]


async def test_the_platform_answers_like_the_local_matcher(
    tracker_with: TrackerFactory, domain: dict[str, Any], platform_up: RunningPlatform
) -> None:
    messages = await ask(tracker_with("牛奶盒是什么垃圾", "ask_waste_sorting"), domain)
    assert messages == [answer_message(line("牛奶盒", "可回收物", "蓝色"))]


async def test_an_unknown_item_goes_to_the_volunteers_at_once(
    tracker_with: TrackerFactory, domain: dict[str, Any], platform_up: RunningPlatform
) -> None:
    register_volunteer(platform_up, "waste-volunteer-1")
    tracker = tracker_with(UNKNOWN, "ask_waste_sorting", sender_id="tg:waste-1", message_id="m-lion")
    [message] = await ask(tracker, domain)
    lookup = platform_up.call("GET", "/api/v1/waste/lookup", params={"q": UNKNOWN, "city": "jiangmen"}).json()
    assert lookup["match"] == "none"
    assert message["response"] == "utter_waste_desk_asked"
    buttons = [button(name) for name in resembling(UNKNOWN_PHRASE, tuple(lookup["candidates"]))]
    assert message["buttons"] == buttons
    assert message["candidates_prompt"] == (
        "\n如果您问的是下面其中一样，也可以直接点一下查看：" if buttons else ""
    )
    assert said(message, domain).startswith(
        "这个我暂时拿不准。我已经请社区的垃圾分类志愿者帮忙看看，通常几分钟内就会回复您。"
    )
    asked = [q for q in open_questions(platform_up) if q["text"] == UNKNOWN]
    assert [(q["item_phrase"], q["city"]) for q in asked] == [(UNKNOWN_PHRASE, "jiangmen")]
    assert asked[0]["notified"] >= 1
    # Rasa running the action again for the same message asks once
    await ask(tracker, domain)
    assert len([q for q in open_questions(platform_up) if q["text"] == UNKNOWN]) == 1


async def test_a_waste_lookup_and_a_desk_question_through_the_client(platform: RunningPlatform) -> None:
    client = PlatformClient(platform.url, platform.token)
    found = client.waste_lookup("电池是什么垃圾", "jiangmen")
    assert (found["match"], found["ambiguous"]["term"], found["item_phrase"]) == ("ambiguous", "电池", "电池")
    resident = Resident(channel="web", user_id="client-1", chat_id="client-1")
    first = client.ask_desk(resident, UNKNOWN, UNKNOWN_PHRASE, "client-key-1", city="jiangmen")
    again = client.ask_desk(resident, UNKNOWN, UNKNOWN_PHRASE, "client-key-1", city="jiangmen")
    assert first.id == again.id
    assert first.status == "open"


# -- the desk, when it cannot promise a quick answer ------------------------------------------------


@dataclass
class FakePlatform:
    """Lookups fail (503); desk questions are taken but nobody is notified. Records the requests."""

    url: str = ""
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)


@pytest.fixture
def quiet_desk(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    fake = FakePlatform()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.requests.append(("GET", self.path, dict(self.headers), None))
            self._reply(503, {"detail": "down"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length))
            fake.requests.append(("POST", self.path, dict(self.headers), body))
            self._reply(201, {"id": 7, "status": "open", "notified": 0, "best_guess": None})

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("PLATFORM_URL", fake.url)
    yield fake
    server.shutdown()


async def test_no_volunteer_to_notify_promises_no_quick_answer(
    tracker_with: TrackerFactory, domain: dict[str, Any], quiet_desk: FakePlatform
) -> None:
    tracker = tracker_with(
        UNKNOWN, "ask_waste_sorting", sender_id="tg:waste-2", message_id="m-2", metadata={"name": "陈女士"}
    )
    [message] = await ask(tracker, domain)
    assert message["response"] == "utter_waste_desk_queued"
    text = said(message, domain)
    assert text.startswith("这个我暂时拿不准。我已经把问题记下来转给社区的垃圾分类志愿者，回复可能要晚一些")
    assert "几分钟" not in text
    lookup, desk = quiet_desk.requests
    assert lookup[0:2] == (
        "GET",
        "/api/v1/waste/lookup?" + urlencode({"q": UNKNOWN, "city": "jiangmen"}),
    )
    assert desk[0:2] == ("POST", "/api/v1/waste/questions")
    assert desk[2]["Idempotency-Key"] == desk_key("tg:waste-2", question_of(tracker))
    assert desk[3] == {
        "resident": {"channel": "telegram", "user_id": "waste-2", "chat_id": "waste-2", "name": "陈女士"},
        "text": UNKNOWN,
        "item_phrase": UNKNOWN_PHRASE,
        "city": "jiangmen",
        "community": None,
    }


async def test_desk_down_says_so_honestly(tracker_with: TrackerFactory, domain: dict[str, Any]) -> None:
    [message] = await ask(tracker_with(UNKNOWN, "ask_waste_sorting", sender_id="tg:waste-3"), domain)
    assert message["response"] == "utter_waste_desk_unavailable"
    text = said(message, domain)
    assert text.startswith(
        "这个我暂时拿不准。抱歉，现在暂时联系不上社区的垃圾分类志愿者，您可以稍后再问我一次，或者直接问问小区的桶边督导员。"
    )
    assert "几分钟" not in text


async def test_a_closed_platform_is_unavailable_for_the_desk() -> None:
    client = PlatformClient(f"http://127.0.0.1:{free_port()}", "t")
    resident = Resident(channel="rest", user_id="x")
    with pytest.raises(PlatformUnavailable):
        client.ask_desk(resident, UNKNOWN, UNKNOWN_PHRASE, "k")


# -- rendering ------------------------------------------------------------------------------------


def test_a_long_line_drops_the_reason_first() -> None:
    answer = ItemAnswer(
        item="某物",
        category_key="other",
        category="其他垃圾",
        bin="灰色",
        reason="原" * 80,
        advice="投" * 120,
        match="exact",
        understood=None,
        city_rule=None,
    )
    text = item_line(answer)
    assert text == "某物属于其他垃圾，请投放到灰色桶。" + "投" * 120 + "。"
    assert len(item_line(ItemAnswer(**{**answer.__dict__, "advice": "投" * 300}))) == MAX_LINE


@pytest.mark.parametrize(
    ("text", "general"),
    [
        ("垃圾分类怎么分", True),
        ("有害垃圾都包括哪些东西", True),
        ("咁嘅嘢丢边个桶", True),
        ("旧沙发扔哪", False),
        ("舞狮头套是什么垃圾", False),
        ("红包扔哪", False),
    ],
)
def test_questions_naming_nothing(text: str, general: bool) -> None:
    assert is_general(text) is general


def test_buttons_only_for_names_that_resemble_the_question() -> None:
    assert resembling("旧沙发", ("沙发套", "过期药品", "凉薯")) == ["沙发套"]
    assert resembling("量子计算机", ("栓剂", "莲子", "计算器")) == ["计算器"]
    assert resembling("舞狮头套", ("伊丽莎白圈", "石头", "红烧狮子头")) == []
    assert resembling("砖", ("砖头", "板砖", "瓷砖碎片")) == ["砖头", "板砖"]
