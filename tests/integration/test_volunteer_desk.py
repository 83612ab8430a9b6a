"""The volunteer desk through the real stack: Rasa, the action server, the platform and
`citysteward serve gateway` polling our fake Bot API.

A steward creates an invite, two volunteers join with /volunteer, a resident asks about an item the
knowledge base does not know, the volunteers get the question with category buttons, the first
press answers the resident, a note follows, and the second volunteer is told it is answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.telegram import texts
from citysteward.stack import StackConfig
from tests.gateway.chat import Resident, button_titles, text_of, user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.updates import JSON

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("telegram_gateway")]

# Made up but plausible: the knowledge base has no such item (its lookup gives match "none").
QUESTION = "负离子发簪是什么垃圾"
PHRASE = "负离子发簪"
CATEGORIES = ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "我也不确定"]
WAIT = 60.0


@pytest.fixture
async def api(stack_config: StackConfig) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {stack_config.platform_api_token}"}
    async with httpx.AsyncClient(
        base_url=f"{stack_config.platform_url}/api/v1", headers=headers, timeout=30
    ) as client:
        yield client


async def join(fake: FakeBotApi, code: str) -> Resident:
    chat = Resident(fake)
    chat.says(f"/volunteer {code}")
    await chat.expect(texts.VOLUNTEER_WELCOME, WAIT)
    return chat


async def desk_question(chat: Resident) -> JSON:
    """The desk message about our question (others' questions may come too, e.g. escalated ones)."""
    message = await chat.expect(f"「{QUESTION}」", WAIT)
    assert text_of(message).startswith("居民提问")
    assert button_titles(message) == CATEGORIES
    return message


async def test_a_question_the_bot_cannot_answer_is_answered_by_a_volunteer(
    fake_telegram: FakeBotApi, stack_config: StackConfig, api: httpx.AsyncClient
) -> None:
    created = await api.post("/volunteers/invites", json={"actor": "steward:integration"})
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    first, second = await join(fake_telegram, code), await join(fake_telegram, code)

    resident = Resident(fake_telegram)
    resident.says(QUESTION)
    await resident.expect("志愿者帮忙看看", WAIT)

    asked_first, asked_second = await desk_question(first), await desk_question(second)
    fake_telegram.press(asked_first, "其他垃圾")
    await first.expect(texts.DESK_THANKS, WAIT)
    closed = first.current(asked_first)
    assert "reply_markup" not in closed
    assert text_of(closed).endswith(texts.CHOSEN.format(title="其他垃圾"))
    answer = await resident.expect("志愿者回复", WAIT)
    assert PHRASE in text_of(answer)
    assert "属于其他垃圾" in text_of(answer)

    # The volunteer's next text is a note for the resident, not a message for Rasa.
    first.says("发簪里如果有电池，请取下来单独投放")
    await first.expect(texts.DESK_NOTE_SENT, WAIT)
    await resident.expect("志愿者补充：发簪里如果有电池，请取下来单独投放", WAIT)

    await second.expect("已经有志愿者解答了", WAIT)
    fake_telegram.press(asked_second, "其他垃圾")
    await second.expect(texts.DESK_ANSWERED_BY_OTHERS, WAIT)
    assert "reply_markup" not in second.current(asked_second)

    questions = (await api.get("/waste/questions", params={"status": "answered"})).json()["items"]
    [ours] = [q for q in questions if q["text"] == QUESTION]
    assert ours["answer"]["category_key"] == "other"
    assert ours["votes"] == {"other": 2}
    # Commands, desk buttons and the note never reached Rasa.
    assert await user_texts(stack_config, first.chat_id) == []
    assert await user_texts(stack_config, second.chat_id) == []
