"""Button presses. Rasa's buttons relay their payload; the adapter's own buttons (community, tips,
/delete_me, and the volunteer desk's answers: desk.py) are answered here. A keyboard is answered
once: the press is acknowledged, the keyboard is edited away with the choice written under the
message, and a second press is refused politely.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.platform import PlatformError, PlatformUnavailable
from bot.telegram import choices, residents, texts
from bot.telegram.adapter import Adapter
from bot.telegram.channel import MAX_TEXT
from bot.telegram.desk import Desk
from bot.telegram.inbound import inbound
from bot.telegram.keyboards import Pressed, title_of

log = logging.getLogger(__name__)


class Buttons:
    def __init__(self, adapter: Adapter, desk: Desk) -> None:
        self.adapter = adapter
        self.desk = desk

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        return [CallbackQueryHandler(self.on_press)]

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None or not query.data:
            if query is not None:
                await self._answer(query)
            return
        pressed = await self.adapter.keyboards.decode(query.data)
        chat_id, message_id = str(query.message.chat.id), query.message.message_id
        if pressed is None:
            log.info("expired button pressed in chat %s (message %s)", chat_id, message_id)
            await self._answer(query, texts.BUTTON_EXPIRED)
            return
        if await self.adapter.keyboards.answered(chat_id, message_id):
            log.info(
                "second press of an answered keyboard in chat %s (message %s) ignored", chat_id, message_id
            )
            await self._answer(query, texts.BUTTON_USED)
            return
        if pressed.kind == "action" and pressed.value in (choices.DISTRICT, choices.HOME):
            await self._navigate(query, chat_id, pressed)
        elif pressed.kind == "relay":
            await self._relay(query, chat_id, pressed.value)
        elif pressed.kind == "desk":
            ok, reply = await self.desk.answer(chat_id, int(pressed.value), pressed.argument)
            await self._finish(query, chat_id, ok, reply)
        else:
            await self._act(query, chat_id, pressed)

    async def _relay(self, query: CallbackQuery, chat_id: str, payload: str) -> None:
        assert query.message is not None
        await self.adapter.keyboards.answer(chat_id, query.message.message_id)
        await self._answer(query)
        await self._close(query)
        message = query.message
        log.info("button pressed in chat %s: relaying its payload", chat_id)
        await self.adapter.relay(
            inbound(message.chat, message.message_id, payload, query.from_user, key_suffix=f"cb{query.id}")
        )

    async def _act(self, query: CallbackQuery, chat_id: str, pressed: Pressed) -> None:
        """The adapter's own one-shot buttons; the keyboard closes once the action succeeded
        (a failure is explained and the buttons stay, to try again)."""
        assert query.message is not None
        done = await self._perform(query, chat_id, pressed.value, pressed.argument)
        if done is None:
            log.warning("unknown button action %r in chat %s", pressed.value, chat_id)
            await self._answer(query, texts.BUTTON_EXPIRED)
            return
        ok, reply = done
        erased = pressed.value == choices.DELETE and pressed.argument == "yes"
        # after erasure we keep nothing of the chat, not even this keyboard
        await self._finish(query, chat_id, ok, reply, remember=not erased)

    async def _finish(
        self, query: CallbackQuery, chat_id: str, ok: bool, reply: str, *, remember: bool = True
    ) -> None:
        """After an own button's action: close the keyboard when it succeeded, then answer."""
        assert query.message is not None
        if ok and remember:
            await self.adapter.keyboards.answer(chat_id, query.message.message_id)
        await self._answer(query)
        if ok:
            await self._close(query)
        await self.adapter.say(chat_id, reply)

    async def _perform(
        self, query: CallbackQuery, chat_id: str, action: str, argument: str
    ) -> tuple[bool, str] | None:
        assert query.message is not None
        adapter = self.adapter
        if action == choices.COMMUNITY:
            saved = await residents.register(adapter, query.message.chat, query.from_user, community=argument)
            return saved, texts.COMMUNITY_SAVED.format(community=argument) if saved else texts.SAVE_FAILED
        if action == choices.SKIP:
            return True, texts.COMMUNITY_SKIPPED
        if action == choices.TIPS:
            time = None if argument in ("on", "off") else argument
            return await residents.set_tips(adapter, chat_id, enabled=argument != "off", time=time)
        if action == choices.DELETE:
            return (
                await residents.erase(adapter, chat_id)
                if argument == "yes"
                else (True, texts.DELETE_CANCELLED)
            )
        return None

    async def _navigate(self, query: CallbackQuery, chat_id: str, pressed: Pressed) -> None:
        """District → its communities, and back: the same message's keyboard changes."""
        adapter = self.adapter
        try:
            communities = await adapter.communities()
        except (PlatformUnavailable, PlatformError) as error:
            log.warning("communities unavailable for chat %s: %s", chat_id, error)
            await self._answer(query, texts.COMMUNITIES_UNAVAILABLE)
            return
        if pressed.value == choices.DISTRICT:
            markup = await choices.communities_markup(
                adapter.keyboards, chat_id, communities, pressed.argument
            )
            text = texts.CHOOSE_COMMUNITY_IN.format(district=pressed.argument)
        else:
            markup = await choices.start_markup(adapter.keyboards, chat_id, communities)
            text = texts.CHOOSE_COMMUNITY
        await self._answer(query)
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except TelegramError as error:
            log.warning("could not show the communities in chat %s: %r", chat_id, error)

    @staticmethod
    async def _answer(query: CallbackQuery, text: str | None = None) -> None:
        try:
            await query.answer(text, show_alert=False)
        except TelegramError as error:  # e.g. "query is too old": the press still counts
            log.warning("could not answer a button press: %r", error)

    @staticmethod
    async def _close(query: CallbackQuery) -> None:
        """Edit the keyboard away and write the choice under the text, so it cannot be pressed twice."""
        message = query.message
        if message is None:
            return
        markup = message.reply_markup if isinstance(message, Message) else None
        title = title_of(markup if isinstance(markup, InlineKeyboardMarkup) else None, query.data or "")
        text = message.text if isinstance(message, Message) else None
        try:
            if text and title:
                marked = f"{text}\n\n{texts.CHOSEN.format(title=title)}"
                if len(marked) <= MAX_TEXT:
                    await query.edit_message_text(marked, reply_markup=None)
                    return
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as error:
            log.warning("could not close a keyboard in chat %s: %r", message.chat.id, error)
