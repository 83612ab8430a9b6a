"""The fake Bot API speaks real Telegram: a real PTB Bot works against it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter

from tests.gateway.fake_bot_api import FakeBotApi

TOKEN = "123:TEST"


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as client:
        yield client


def jpeg(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


async def test_get_me_answers_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "citysteward_test_bot"


async def test_send_message_is_recorded_with_its_keyboard(bot: Bot, fake: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("确认提交", callback_data="/affirm")]])
    sent = await bot.send_message(42, "请您核对", reply_markup=keyboard)
    [call] = fake.calls_of("sendMessage")
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "请您核对"
    [message] = await fake.wait_for_messages(42, 1)
    assert message["message_id"] == sent.message_id
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/affirm"


async def test_telegram_limits_are_enforced(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(42, "字" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="字" * 22)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(42, "hi", reply_markup=too_long)


async def test_get_updates_returns_pushed_updates_and_confirms_with_offset(
    bot: Bot, fake: FakeBotApi
) -> None:
    fake.push_text(7, "你好")
    fake.push_location(7, 22.58, 113.08)
    first = await bot.get_updates(timeout=0)
    assert [u.message.text if u.message else None for u in first] == ["你好", None]
    assert first[1].message is not None
    assert first[1].message.location is not None
    assert first[1].message.location.latitude == pytest.approx(22.58)
    again = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert again == ()


async def test_long_polling_returns_as_soon_as_an_update_arrives(bot: Bot, fake: FakeBotApi) -> None:
    fake.push_text(7, "早上好")
    [old] = await bot.get_updates(timeout=0)
    polling = bot.get_updates(offset=old.update_id + 1, timeout=20)
    fake.push_text(7, "/start")
    [update] = await polling
    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"


async def test_photo_download_through_get_file(bot: Bot, fake: FakeBotApi) -> None:
    data = jpeg()
    fake.push_photo(7, data, caption="井盖")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    largest = update.message.photo[-1]
    assert (largest.width, largest.height) == (640, 480)
    assert len(update.message.photo) == 3
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == data


async def test_callback_press_and_keyboard_edit(bot: Bot, fake: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("跳过", callback_data="/deny")]])
    await bot.send_message(42, "有照片吗？", reply_markup=keyboard)
    [message] = fake.messages(42)
    fake.press(message, "跳过")
    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.data == "/deny"
    await update.callback_query.answer()
    await bot.edit_message_text(
        "有照片吗？\n\n✅ 您选择了：跳过", chat_id=42, message_id=message["message_id"]
    )
    [edited] = fake.messages(42)
    assert "reply_markup" not in edited
    assert edited["text"].endswith("跳过")


async def test_fail_next_answers_429_with_retry_after(bot: Bot, fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", times=1, retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(42, "你好")
    assert "Retry in 3 seconds" in str(raised.value)
    await bot.send_message(42, "你好")
    assert [call.status for call in fake.calls_of("sendMessage")] == [429, 200]


async def test_commands_are_kept(bot: Bot, fake: FakeBotApi) -> None:
    await bot.set_my_commands([("start", "开始使用"), ("help", "使用帮助")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.commands[0] == {"command": "start", "description": "开始使用"}
