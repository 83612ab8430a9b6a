"""Pieces of the volunteer desk that need no server: desk buttons' callback data, invite codes as
people type them, and pending notes kept across a restart."""

from __future__ import annotations

import time
from pathlib import Path

from bot.relay import Button
from bot.telegram.desk import invite_code
from bot.telegram.keyboards import KeyboardStore, Pressed


async def test_desk_buttons_are_the_adapters_own_and_fit_as_they_are(tmp_path: Path) -> None:
    store = KeyboardStore(tmp_path / "k.sqlite3")
    markup = await store.markup(
        "9",
        [
            Button("可回收物", "desk:12:recyclable"),
            Button("有害垃圾", "desk:12:hazardous"),
            Button("厨余垃圾", "desk:12:kitchen"),
            Button("其他垃圾", "desk:12:other"),
            Button("我也不确定", "desk:12:skip"),
        ],
    )
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [
            ("可回收物", "desk:12:recyclable"),
            ("有害垃圾", "desk:12:hazardous"),
            ("厨余垃圾", "desk:12:kitchen"),
        ],
        [("其他垃圾", "desk:12:other"), ("我也不确定", "desk:12:skip")],
    ]
    assert await store.decode("desk:12:other") == Pressed("desk", "12", "other")
    assert await store.decode("desk:123456789012:skip") == Pressed("desk", "123456789012", "skip")
    # Anything else that merely looks alike is a payload for Rasa, as before.
    for other in ("desk:0:other", "desk:x:other", "desk:12:", "desk:12:Other", "/desk:12:other", "desk"):
        assert await store.decode(other) == Pressed("relay", other)
    store.close()


def test_invite_codes_as_people_type_them() -> None:
    assert invite_code(["abcd2345"]) == "ABCD2345"
    assert invite_code(["ABCD", "2345"]) == "ABCD2345"
    assert invite_code(["abcd-2345"]) == "ABCD2345"
    assert invite_code([]) == ""


async def test_a_pending_note_is_kept_across_a_restart_until_it_expires(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = KeyboardStore(path)
    soon, later = time.time() + 600, time.time() + 1200
    await store.expect_note("7", 31, expires_at=soon)
    await store.expect_note("8", 40, expires_at=soon)
    await store.expect_note("7", 32, expires_at=later)  # a later answer's note replaces it
    await store.expect_note("9", 50, expires_at=time.time() - 1)
    store.close()

    again = KeyboardStore(path)  # drops what expired meanwhile
    assert await again.pending_note("9", now=0.0) is None
    assert await again.pending_note("7", now=soon + 1) == 32
    assert await again.pending_note("8", now=soon - 1) == 40
    assert await again.pending_note("8", now=soon) is None  # expired, and dropped
    assert await again.pending_note("8", now=0.0) is None
    await again.drop_note("7", 31)  # another question's: this one stays
    assert await again.pending_note("7", now=soon) == 32
    await again.forget("7")
    assert await again.pending_note("7", now=soon) is None
    again.close()
