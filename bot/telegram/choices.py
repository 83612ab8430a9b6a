"""Keyboards the adapter answers itself: the resident's community (/start), sorting tips (/tips) and
erasing their data (/delete_me). Their callback data are `~action:argument` (see keyboards.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram import texts
from bot.telegram.keyboards import KeyboardStore

DISTRICT, HOME, COMMUNITY, SKIP, TIPS, DELETE = "dist", "home", "comm", "skip", "tips", "del"
# Up to this many communities are shown at once; more are reached through their district first.
FLAT_LIMIT = 12
PER_ROW = 3
TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


def parse_time(text: str) -> str | None:
    """ "7:30" / "07：30" → "07:30"; None when it is not a time of day."""
    found = TIME.match(text.strip())
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


async def _button(
    store: KeyboardStore, chat_id: str, title: str, action: str, argument: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(title, callback_data=await store.action_data(chat_id, action, argument))


async def start_markup(
    store: KeyboardStore, chat_id: str, communities: Sequence[dict[str, str]]
) -> InlineKeyboardMarkup:
    """The districts to choose from, or the communities at once when there are few."""
    districts = sorted({c.get("district", "") for c in communities})
    if len(communities) <= FLAT_LIMIT or len(districts) < 2:
        return await communities_markup(store, chat_id, communities, None)
    rows = [[await _button(store, chat_id, name or "其他", DISTRICT, name)] for name in districts]
    rows.append([await _button(store, chat_id, texts.NO_COMMUNITY_BUTTON, SKIP)])
    return InlineKeyboardMarkup(rows)


async def communities_markup(
    store: KeyboardStore, chat_id: str, communities: Sequence[dict[str, str]], district: str | None
) -> InlineKeyboardMarkup:
    """The communities (of one district), a row per street."""
    chosen = [c for c in communities if district is None or c.get("district", "") == district]
    chosen.sort(key=lambda c: (c.get("district", ""), c.get("street", ""), c["name"]))
    rows: list[list[InlineKeyboardButton]] = []
    for _, street in groupby(chosen, key=lambda c: (c.get("district", ""), c.get("street", ""))):
        names = [c["name"] for c in street]
        for start in range(0, len(names), PER_ROW):
            rows.append(
                [
                    await _button(store, chat_id, name, COMMUNITY, name)
                    for name in names[start : start + PER_ROW]
                ]
            )
    last = [await _button(store, chat_id, texts.NO_COMMUNITY_BUTTON, SKIP)]
    if district is not None:
        last.insert(0, await _button(store, chat_id, texts.BACK_BUTTON, HOME))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def tips_state(view: dict[str, Any] | None) -> str:
    tips = (view or {}).get("tips") or {}
    if tips.get("enabled"):
        return texts.TIPS_ON.format(time=tips.get("time") or "08:00")
    return texts.TIPS_OFF


async def tips_markup(store: KeyboardStore, chat_id: str, enabled: bool | None) -> InlineKeyboardMarkup:
    rows = []
    if enabled is not True:
        rows.append([await _button(store, chat_id, texts.TIPS_BUTTON_ON, TIPS, "on")])
    rows.append(
        [
            await _button(store, chat_id, texts.TIPS_BUTTON_TIME.format(time=t), TIPS, t)
            for t in texts.TIPS_TIMES
        ]
    )
    if enabled is not False:
        rows.append([await _button(store, chat_id, texts.TIPS_BUTTON_OFF, TIPS, "off")])
    return InlineKeyboardMarkup(rows)


async def delete_markup(store: KeyboardStore, chat_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                await _button(store, chat_id, texts.DELETE_YES, DELETE, "yes"),
                await _button(store, chat_id, texts.DELETE_NO, DELETE, "no"),
            ]
        ]
    )
