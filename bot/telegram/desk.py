"""The volunteer desk on Telegram: joining and leaving, answering desk questions, adding a note.

- `/volunteer <邀请码>` registers the chat's resident as a volunteer (`POST /api/v1/volunteers`);
  `/volunteer_off` leaves (`DELETE /api/v1/volunteers/telegram/<chat id>`). Both are kept out of
  the command menu: stewards hand out the codes with instructions.
- Desk questions come through the platform's outbox with buttons `desk:<id>:<category key>` and
  `desk:<id>:skip`. They are the adapter's own buttons (never relayed to Rasa): a press answers the
  question (`POST /api/v1/waste/questions/<id>/answers`) and the keyboard closes like the others.
- After a first answer the volunteer may add a note: their next plain text in that chat within
  `NOTE_MINUTES` goes to the answer (`PATCH …/answers/mine`) and not to Rasa. The pending note is
  kept in the keyboards' SQLite file, so a gateway restart does not lose it.

In private chats (the only place these run) the chat id is the user id, so the volunteer is
("telegram", chat id), the same resident as in residents.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Message

from bot.platform import PlatformError, PlatformUnavailable
from bot.telegram import texts
from bot.telegram.adapter import Adapter
from bot.telegram.inbound import CHANNEL

log = logging.getLogger(__name__)

SKIP = "skip"
NOTE_MINUTES = texts.NOTE_MINUTES
# Invite codes are 8 characters; anything far longer is not one (the platform takes up to 20).
MAX_CODE = 20
# Refusals after which a later press of the same button may work (other refusals close the keyboard).
PASSING_REFUSALS = {401, 408, 429}
# Notes the volunteer can fix by sending another text (the note stays expected).
FIXABLE_NOTE = {"note_too_long", "empty_note"}


def invite_code(args: list[str]) -> str:
    """`/volunteer abcd 2345` → "ABCD2345" (spaces and dashes as people copy them from paper)."""
    return "".join(args).replace("-", "").replace("－", "").strip().upper()


class Desk:
    def __init__(self, adapter: Adapter, clock: Callable[[], float] = time.time) -> None:
        self.adapter = adapter
        self.clock = clock

    # -- joining and leaving

    async def join(self, message: Message, args: list[str]) -> None:
        adapter, chat_id = self.adapter, str(message.chat.id)
        code = invite_code(args)
        if not code:
            await adapter.say(chat_id, texts.VOLUNTEER_USAGE)
            return
        if len(code) > MAX_CODE or not code.isalnum():
            log.info("/volunteer with a malformed code in chat %s", chat_id)
            await adapter.say(chat_id, texts.VOLUNTEER_BAD_CODE)
            return
        user = message.from_user
        try:
            joined = await adapter.platform.join_desk(
                code, CHANNEL, chat_id, chat_id=chat_id, name=user.full_name if user else None
            )
        except PlatformUnavailable as error:
            log.warning("volunteer %s not registered, platform unavailable: %s", chat_id, error)
            await adapter.say(chat_id, texts.VOLUNTEER_TRY_LATER)
            return
        except PlatformError as error:
            log.info("volunteer code refused in chat %s: %s", chat_id, error.code)
            refusal = error.message if error.code == "invalid_invite" else texts.VOLUNTEER_BAD_CODE
            await adapter.say(chat_id, refusal)
            return
        created = bool(joined["created"])
        log.info("telegram:%s %s the volunteer desk", chat_id, "joined" if created else "is already on")
        await adapter.say(chat_id, texts.VOLUNTEER_WELCOME if created else texts.VOLUNTEER_ALREADY)

    async def leave(self, message: Message) -> None:
        adapter, chat_id = self.adapter, str(message.chat.id)
        try:
            await adapter.platform.leave_desk(CHANNEL, chat_id)
        except (PlatformUnavailable, PlatformError) as error:
            log.warning("volunteer %s could not leave: %s", chat_id, error)
            await adapter.say(chat_id, texts.VOLUNTEER_OFF_TRY_LATER)
            return
        await adapter.keyboards.drop_note(chat_id)
        log.info("telegram:%s left the volunteer desk", chat_id)
        await adapter.say(chat_id, texts.VOLUNTEER_OFF)

    # -- answering

    async def answer(self, chat_id: str, question_id: int, category_key: str) -> tuple[bool, str]:
        """A desk button pressed: whether the keyboard is done with, and what to tell the volunteer."""
        adapter = self.adapter
        try:
            answered = await adapter.platform.answer_question(question_id, CHANNEL, chat_id, category_key)
        except PlatformUnavailable as error:
            log.warning("desk answer of %s to #%s not sent: %s", chat_id, question_id, error)
            return False, texts.DESK_TRY_LATER
        except PlatformError as error:
            log.info("desk answer of %s to #%s refused: %s", chat_id, question_id, error.code)
            if error.code == "question_closed":
                return True, texts.DESK_CLOSED
            if error.code == "question_not_found":
                return True, texts.DESK_GONE
            return error.status not in PASSING_REFUSALS, error.message
        log.info("telegram:%s answered desk question #%s: %s", chat_id, question_id, category_key)
        if category_key == SKIP or answered.get("skipped"):
            return True, texts.DESK_SKIPPED
        if answered.get("repeated"):
            return True, texts.DESK_REPEATED
        if not answered.get("first"):
            return True, texts.DESK_ANSWERED_BY_OTHERS
        await adapter.keyboards.expect_note(chat_id, question_id, self.clock() + NOTE_MINUTES * 60)
        return True, texts.DESK_THANKS

    # -- notes

    async def take_note(self, message: Message) -> bool:
        """The volunteer's text is the note to their answer: sent to the platform, answered here.
        False when no note is expected (the text goes to Rasa as usual)."""
        adapter, chat_id = self.adapter, str(message.chat.id)
        text = (message.text or "").strip()
        if not text:
            return False
        question_id = await adapter.keyboards.pending_note(chat_id, self.clock())
        if question_id is None:
            return False
        try:
            await adapter.platform.add_answer_note(question_id, CHANNEL, chat_id, text)
        except PlatformUnavailable as error:
            log.warning("note of %s to #%s not sent: %s", chat_id, question_id, error)
            await adapter.say(chat_id, texts.DESK_NOTE_TRY_LATER)
            return True
        except PlatformError as error:
            log.info("note of %s to #%s refused: %s", chat_id, question_id, error.code)
            if error.code not in FIXABLE_NOTE:
                await adapter.keyboards.drop_note(chat_id, question_id)
            await adapter.say(chat_id, error.message)
            return True
        await adapter.keyboards.drop_note(chat_id, question_id)
        log.info("telegram:%s added a note to desk question #%s", chat_id, question_id)
        await adapter.say(chat_id, texts.DESK_NOTE_SENT)
        return True
