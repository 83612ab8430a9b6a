"""Small pieces of the Telegram adapter that need no server: text splitting, callback data, keyboards,
command arguments."""

from __future__ import annotations

from pathlib import Path

from bot.relay import Button
from bot.telegram.channel import split_text
from bot.telegram.choices import parse_time
from bot.telegram.commands import status_payload
from bot.telegram.keyboards import KeyboardStore, Pressed, fits, layout, title_of


def test_long_texts_are_split_at_line_breaks_below_4096() -> None:
    paragraph = "这是一段说明。" * 100  # 700 characters
    text = "\n".join([paragraph] * 10)
    pieces = split_text(text)
    assert all(len(piece) <= 4096 for piece in pieces)
    assert len(pieces) == 2
    assert "\n".join(pieces) == text


def test_a_text_without_breaks_is_cut_hard() -> None:
    text = "字" * 9000
    assert [len(piece) for piece in split_text(text)] == [4096, 4096, 808]
    assert split_text("你好") == ["你好"]


async def test_short_payloads_go_verbatim_long_ones_by_key_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "keyboards.sqlite3"
    store = KeyboardStore(path)
    short = '/report_issue{"issue_category": "manhole"}'
    long = '/rate_service{"rating": "basically_satisfied", "case_ref": "JM20261123-0001"}'
    assert await store.relay_data("1", short) == short
    key = await store.relay_data("1", long)
    assert key.startswith("~k:")
    assert fits(key)
    assert await store.relay_data("1", "~odd") != "~odd"  # our prefix is never taken verbatim
    store.close()

    again = KeyboardStore(path)
    assert await again.decode(key) == Pressed("relay", long)
    assert await again.decode(short) == Pressed("relay", short)
    assert await again.decode("~k:unknown") is None
    assert await again.decode(await again.action_data("1", "tips", "07:30")) == Pressed(
        "action", "tips", "07:30"
    )
    assert await again.decode(await again.action_data("1", "comm", "社区" * 30)) == Pressed(
        "action", "comm", "社区" * 30
    )
    again.close()


async def test_a_keyboard_is_answered_once_and_forgotten_with_its_chat(tmp_path: Path) -> None:
    store = KeyboardStore(tmp_path / "k.sqlite3")
    assert await store.answer("5", 10)
    assert not await store.answer("5", 10)
    assert await store.answered("5", 10)
    assert not await store.answered("5", 11)
    key = await store.relay_data("5", "x" * 100)
    await store.forget("5")
    assert not await store.answered("5", 10)
    assert await store.decode(key) is None
    store.close()


async def test_buttons_are_laid_out_short_ones_side_by_side(tmp_path: Path) -> None:
    store = KeyboardStore(tmp_path / "k.sqlite3")
    markup = await store.markup(
        "1",
        [
            Button("确认提交", "/affirm"),
            Button("修改", "/deny"),
            Button("都不是，其他问题，麻烦人工看一下", '/report_issue{"issue_category": "other"}'),
        ],
    )
    rows = [[button.text for button in row] for row in markup.inline_keyboard]
    assert rows == [["确认提交", "修改"], ["都不是，其他问题，麻烦人工看一下"]]
    assert title_of(markup, "/deny") == "修改"
    assert title_of(layout([("a", "b")]), "c") is None
    store.close()


def test_status_and_tips_arguments() -> None:
    assert status_payload([]) == "/check_case_status"
    assert status_payload(["jm20261123-0001"]) == '/check_case_status{"case_ref": "JM20261123-0001"}'
    assert parse_time("7:30") == "07:30"
    assert parse_time("19：05") == "19:05"
    assert parse_time("24:00") is None
    assert parse_time("早上") is None
