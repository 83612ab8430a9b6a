"""The volunteer desk on Telegram: /volunteer, the desk buttons and the optional note, with PTB
polling our fake Bot API, the real platform (SQLite, uvicorn in a thread) and a fake Rasa."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.telegram import texts
from bot.telegram.desk import NOTE_MINUTES
from cityplatform.db.models import DeskQuestion
from cityplatform.desk.sweep import sweep
from cityplatform.settings import PlatformSettings
from citysteward.stack import free_port
from tests.gateway.chat import Resident, button_titles, text_of
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.updates import JSON
from tests.unit.gateway.fake_rasa import FakeRasa
from tests.unit.gateway.platform_server import TOKEN, RunningPlatform, serve_platform
from tests.unit.gateway.telegram_bot import TelegramBot, telegram_bot

WAIT = 15.0
CATEGORIES = ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "我也不确定"]
QUESTION = "负离子发簪是什么垃圾"
PHRASE = "负离子发簪"


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[RunningPlatform]:
    (tmp_path / "platform").mkdir()
    with serve_platform(tmp_path / "platform") as running:
        yield running


@pytest.fixture
async def api(platform: RunningPlatform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.http() as client:
        yield client


@pytest.fixture
async def bot(
    fake: FakeBotApi, rasa: FakeRasa, platform: RunningPlatform, tmp_path: Path
) -> AsyncIterator[TelegramBot]:
    async with telegram_bot(fake, rasa, platform.url, platform.token, tmp_path / "gateway") as running:
        yield running


async def invite(api: httpx.AsyncClient, **body: Any) -> str:
    response = await api.post("/volunteers/invites", json={"actor": "steward:li", **body})
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def volunteer(fake: FakeBotApi, code: str) -> Resident:
    """A new chat that joins the desk with the code."""
    chat = Resident(fake)
    chat.says(f"/volunteer {code}")
    await chat.expect(texts.VOLUNTEER_WELCOME, WAIT)
    return chat


async def ask(api: httpx.AsyncClient, resident: Resident, text: str = QUESTION) -> int:
    """The resident's question handed to the desk (as the Rasa action does it)."""
    who = {"channel": "telegram", "user_id": str(resident.chat_id), "chat_id": str(resident.chat_id)}
    body = {"resident": who, "text": text, "item_phrase": PHRASE}
    response = await api.post("/waste/questions", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def desk_question(chat: Resident) -> JSON:
    message = await chat.expect("居民提问", WAIT)
    assert QUESTION in text_of(message)
    assert button_titles(message) == CATEGORIES
    return message


async def question_of(api: httpx.AsyncClient, question_id: int) -> dict[str, Any]:
    response = await api.get(f"/waste/questions/{question_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def volunteers(api: httpx.AsyncClient) -> list[str]:
    response = await api.get("/volunteers")
    return [item["user_id"] for item in response.json()["items"]]


def relayed(rasa: FakeRasa, chat: Resident) -> list[str]:
    return rasa.texts(f"tg:{chat.chat_id}")


def closed_with(chat: Resident, message: JSON, title: str) -> None:
    now = chat.current(message)
    assert "reply_markup" not in now
    assert text_of(now).endswith(texts.CHOSEN.format(title=title))


# -- /volunteer and /volunteer_off


async def test_volunteer_joins_with_a_code_and_may_leave(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    code = await invite(api)
    me = Resident(fake)
    me.says("/volunteer")
    await me.expect(texts.VOLUNTEER_USAGE, WAIT)
    me.says(f"/volunteer {code.lower()[:4]} {code.lower()[4:]}")  # as typed from paper
    await me.expect(texts.VOLUNTEER_WELCOME, WAIT)
    assert await volunteers(api) == [str(me.chat_id)]
    me.says(f"/volunteer {code}")
    await me.expect(texts.VOLUNTEER_ALREADY, WAIT)

    me.says("/volunteer_off")
    await me.expect(texts.VOLUNTEER_OFF, WAIT)
    assert await volunteers(api) == []
    assert relayed(rasa, me) == []
    # Hidden commands: not in the menu.
    assert all(not c["command"].startswith("volunteer") for c in fake.commands)


async def test_a_wrong_or_used_up_code_is_refused_politely(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient
) -> None:
    me = Resident(fake)
    me.says("/volunteer ZZZZ2222")
    await me.expect("这个邀请码不存在", WAIT)
    me.says("/volunteer " + "A" * 30)
    await me.expect(texts.VOLUNTEER_BAD_CODE, WAIT)
    code = await invite(api, max_uses=1)
    await volunteer(fake, code)
    me.says(f"/volunteer {code}")
    await me.expect("名额已经用完", WAIT)
    assert str(me.chat_id) not in await volunteers(api)


async def test_volunteer_in_a_group_is_asked_to_write_privately(fake: FakeBotApi, bot: TelegramBot) -> None:
    fake.push_text(-4242, "/volunteer ABCD2345", chat_type="group", user_id=777)
    [answer] = await fake.wait_for_messages(-4242, 1)
    assert "私聊" in text_of(answer)


async def test_platform_down_gets_an_honest_try_later(
    fake: FakeBotApi, rasa: FakeRasa, tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with telegram_bot(fake, rasa, nowhere, TOKEN, tmp_path):
        me = Resident(fake)
        me.says("/volunteer ABCD2345")
        await me.expect(texts.VOLUNTEER_TRY_LATER, WAIT)
        me.says("/volunteer_off")
        await me.expect(texts.VOLUNTEER_OFF_TRY_LATER, WAIT)


# -- desk buttons


async def test_the_first_answer_goes_to_the_resident_a_later_one_is_a_vote(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    code = await invite(api)
    first, second = await volunteer(fake, code), await volunteer(fake, code)
    resident = Resident(fake)
    question_id = await ask(api, resident)
    asked_first, asked_second = await desk_question(first), await desk_question(second)
    [button] = [
        b for row in asked_first["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "其他垃圾"
    ]
    assert button["callback_data"] == f"desk:{question_id}:other"

    fake.press(asked_first, "其他垃圾")
    await first.expect(texts.DESK_THANKS, WAIT)
    closed_with(first, asked_first, "其他垃圾")
    answer = await resident.expect("志愿者回复", WAIT)
    assert text_of(answer).startswith(f"志愿者回复：「{PHRASE}」属于其他垃圾")
    await second.expect("已经有志愿者解答了", WAIT)

    fake.press(asked_second, "可回收物")
    await second.expect(texts.DESK_ANSWERED_BY_OTHERS, WAIT)
    closed_with(second, asked_second, "可回收物")
    found = await question_of(api, question_id)
    assert found["status"] == "answered"
    assert found["answer"]["category_key"] == "other"
    assert found["votes"] == {"other": 1, "recyclable": 1}

    # The same keyboard pressed again: refused, nothing sent anywhere.
    answered = len(fake.calls_of("answerCallbackQuery"))
    fake.press(asked_first, "有害垃圾")
    calls = await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery")[answered:], WAIT)
    assert "已经用过" in calls[0].params["text"]
    assert (await question_of(api, question_id))["votes"] == {"other": 1, "recyclable": 1}
    assert relayed(rasa, first) == relayed(rasa, second) == []


async def test_skip_leaves_the_question_to_the_others(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    me = await volunteer(fake, await invite(api))
    question_id = await ask(api, Resident(fake))
    asked = await desk_question(me)
    fake.press(asked, "我也不确定")
    await me.expect(texts.DESK_SKIPPED, WAIT)
    closed_with(me, asked, "我也不确定")
    found = await question_of(api, question_id)
    assert found["status"] == "open"
    assert found["skipped"] == 1
    # No note is expected after a skip: the next text goes to Rasa.
    me.says("好的")
    await me.expect("收到：好的", WAIT)
    assert relayed(rasa, me) == ["好的"]


def nobody_answered(data_dir: Path, question_id: int) -> None:
    """The question asked three hours ago, then the platform's desk sweep (as its scheduler runs
    it): the resident gets the bot's guess and the question is closed."""
    url = f"sqlite:///{data_dir / 'platform.sqlite3'}"
    settings = PlatformSettings(database_url=url, platform_api_token=TOKEN)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            question = session.get(DeskQuestion, question_id)
            assert question is not None
            question.created_at -= timedelta(hours=3)
            session.commit()
            sweep(session, datetime.now(timezone.utc), settings)
    finally:
        engine.dispose()


async def test_a_closed_question_is_said_so(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    me = await volunteer(fake, await invite(api))
    resident = Resident(fake)
    question_id = await ask(api, resident)
    asked = await desk_question(me)
    nobody_answered(tmp_path / "platform", question_id)
    await resident.expect("暂时还没有志愿者回复", WAIT)
    fake.press(asked, "厨余垃圾")
    await me.expect(texts.DESK_CLOSED, WAIT)
    closed_with(me, asked, "厨余垃圾")
    assert (await question_of(api, question_id))["status"] == "guessed"


async def test_a_press_while_the_platform_is_down_can_be_repeated(
    fake: FakeBotApi, rasa: FakeRasa, tmp_path: Path
) -> None:
    data, port = tmp_path / "platform", free_port()
    data.mkdir()
    async with telegram_bot(fake, rasa, f"http://127.0.0.1:{port}", TOKEN, tmp_path / "gateway"):
        with serve_platform(data, port) as platform:
            async with platform.http() as api:
                me = await volunteer(fake, await invite(api))
                resident = Resident(fake)
                await ask(api, resident)
                asked = await desk_question(me)
        fake.press(asked, "有害垃圾")  # the platform is down now
        await me.expect(texts.DESK_TRY_LATER, WAIT)
        assert button_titles(me.current(asked)) == CATEGORIES  # still there, to press again
        with serve_platform(data, port):
            fake.press(asked, "有害垃圾")
            await me.expect(texts.DESK_THANKS, WAIT)
            closed_with(me, asked, "有害垃圾")
            await resident.expect("属于有害垃圾", WAIT)


# -- the note after an answer


async def test_the_next_text_is_a_note_for_the_resident_not_for_rasa(
    fake: FakeBotApi, bot: TelegramBot, api: httpx.AsyncClient, rasa: FakeRasa
) -> None:
    me = await volunteer(fake, await invite(api))
    resident = Resident(fake)
    await ask(api, resident)
    fake.press(await desk_question(me), "其他垃圾")
    await me.expect(texts.DESK_THANKS, WAIT)
    await resident.expect("志愿者回复", WAIT)

    me.says("发簪上的电池要先取下来")
    await me.expect(texts.DESK_NOTE_SENT, WAIT)
    note = await resident.expect("志愿者补充", WAIT)
    assert text_of(note) == "志愿者补充：发簪上的电池要先取下来。"
    me.says("谢谢")
    await me.expect("收到：谢谢", WAIT)
    assert relayed(rasa, me) == ["谢谢"]  # the note never reached Rasa


async def test_a_pending_note_survives_a_restart_and_expires_after_ten_minutes(
    fake: FakeBotApi, rasa: FakeRasa, platform: RunningPlatform, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    state = tmp_path / "gateway"
    async with telegram_bot(fake, rasa, platform.url, platform.token, state):
        me = await volunteer(fake, await invite(api))
        resident = Resident(fake)
        await ask(api, resident)
        fake.press(await desk_question(me), "可回收物")
        await me.expect(texts.DESK_THANKS, WAIT)
    async with telegram_bot(fake, rasa, platform.url, platform.token, state) as bot:
        bot.desk.clock = lambda: time.time() + NOTE_MINUTES * 60 + 1
        me.says("要先取下电池")
        await me.expect("收到：要先取下电池", WAIT)
        assert relayed(rasa, me) == ["要先取下电池"]
        assert not [m for m in resident.unseen() if "志愿者补充" in text_of(m)]

    # Within ten minutes (and after a restart) the text is the note.
    second = Resident(fake)
    await ask(api, second, "负离子发簪算什么垃圾")
    async with telegram_bot(fake, rasa, platform.url, platform.token, state):
        fake.press(await me.expect("居民提问", WAIT), "可回收物")
        await me.expect(texts.DESK_THANKS, WAIT)
    async with telegram_bot(fake, rasa, platform.url, platform.token, state):
        me.says("记得先冲洗干净")
        await me.expect(texts.DESK_NOTE_SENT, WAIT)
        await second.expect("志愿者补充：记得先冲洗干净", WAIT)
    assert relayed(rasa, me) == ["要先取下电池"]
