"""Delivering the bot's replies to a Telegram chat: texts with inline keyboards, and images."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.messages import DeliveryDeferred
from bot.relay import BotReply
from bot.telegram import texts
from bot.telegram.keyboards import KeyboardStore

log = logging.getLogger(__name__)

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)  # 1024


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's retry_after in seconds (an int or a timedelta, depending on PTB's settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break (or a sentence end) when possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = max(window.rfind(mark) for mark in "。！？!?.") + 1
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return [piece for piece in pieces if piece.strip()] or [text[:limit]]


class TelegramChannel:
    """The gateway's `Channel` for Telegram; also used by the outbox delivery."""

    def __init__(self, bot: Bot, keyboards: KeyboardStore) -> None:
        self.bot = bot
        self.keyboards = keyboards

    @property
    def name(self) -> str:
        return "telegram"

    @property
    def sender_prefix(self) -> str:
        return "tg"

    async def deliver(self, chat_id: str, replies: Sequence[BotReply]) -> None:
        """Send the replies in order. A 429 that outlasts the rate limiter's retries raises
        `DeliveryDeferred`; other Telegram errors propagate (the caller logs them)."""
        try:
            for reply in replies:
                await self._send(chat_id, reply)
        except RetryAfter as error:
            seconds = retry_seconds(error)
            log.warning("Telegram asks to wait %gs before writing to chat %s", seconds, chat_id)
            raise DeliveryDeferred(seconds, f"Telegram flood control: retry after {seconds:g} s") from error

    async def _send(self, chat_id: str, reply: BotReply) -> None:
        buttons = tuple(b for b in reply.buttons if b.title or b.payload)
        markup = await self.keyboards.markup(chat_id, buttons) if buttons else None
        text = reply.text.strip()
        if reply.image:
            caption_fits = len(text) <= MAX_CAPTION
            await self.bot.send_photo(
                int(chat_id),
                reply.image,
                caption=text if caption_fits and text else None,
                reply_markup=markup if caption_fits else None,
            )
            if caption_fits:
                return
        elif not text and markup is None:
            if reply.custom:
                log.info(
                    "custom payload for chat %s not shown on Telegram: %s", chat_id, sorted(reply.custom)
                )
            return
        await self.send_text(chat_id, text or texts.CHOOSE, markup)

    async def send_text(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """A text of any length (split at 4096 characters); the keyboard goes with the last piece."""
        pieces = split_text(text)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self.bot.send_message(int(chat_id), piece, reply_markup=markup if last else None)
