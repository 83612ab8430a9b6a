"""Messages from residents: text, locations, photos and image files are relayed; everything else is
answered here (unsupported kinds, edits, group chatter). A volunteer's text right after answering a
desk question is a note to that answer (desk.py), not a message for Rasa."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bot.telegram import texts
from bot.telegram.adapter import Adapter
from bot.telegram.desk import Desk
from bot.telegram.inbound import from_message, location_payload
from bot.telegram.media import PhotoIntake, document_file, largest_photo, looks_like_image, worth_sniffing

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
# What a message carries, in the order we look for it (the first one present names the kind).
KINDS = ("voice", "audio", "video", "video_note", "animation", "sticker", "contact", "poll", "document")


class MessageHandlers:
    def __init__(self, adapter: Adapter, desk: Desk) -> None:
        self.adapter = adapter
        self.desk = desk
        self.photos = PhotoIntake(adapter)

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        """Registered after the commands; the first that matches an update handles it."""
        return [
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edited),
            MessageHandler(filters.ChatType.GROUPS & ~filters.COMMAND, self.on_group_message),
            MessageHandler(PRIVATE & filters.COMMAND, self.on_unknown_command),
            MessageHandler(PRIVATE & filters.TEXT, self.on_text),
            MessageHandler(PRIVATE & filters.LOCATION, self.on_location),
            MessageHandler(PRIVATE & filters.PHOTO, self.on_photo),
            MessageHandler(PRIVATE & filters.Document.ALL, self.on_document),
            MessageHandler(PRIVATE, self.on_unsupported),
        ]

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        if await self.desk.take_note(message):
            return
        await self.adapter.relay(from_message(message, message.text))

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.location is None:
            return
        location = message.location
        await self.adapter.relay(
            from_message(message, location_payload(location.latitude, location.longitude))
        )

    async def on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.photo:
            return
        await self.photos.take(message, largest_photo(message))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.document is None:
            return
        document = message.document
        if looks_like_image(document):
            await self.photos.take(message, document_file(document))
        elif worth_sniffing(document, self.adapter.settings.max_photo_bytes):
            await self.photos.take(message, document_file(document), sniffed=True)
        else:
            await self._unsupported(message.chat.id, "document", document.mime_type or "?")

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        kind = next((name for name in KINDS if getattr(message, name, None)), "other")
        await self._unsupported(message.chat.id, kind, "")

    async def _unsupported(self, chat_id: int, kind: str, detail: str) -> None:
        log.info("unsupported %s message in chat %s answered, not relayed %s", kind, chat_id, detail)
        await self.adapter.say(chat_id, texts.UNSUPPORTED.get(kind, texts.UNSUPPORTED_OTHER))

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        log.info("unknown command %r in chat %s answered", (message.text or "")[:40], message.chat.id)
        await self.adapter.say(message.chat.id, texts.UNKNOWN_COMMAND)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not relayed: Rasa already took the original (it must not start a second report)."""
        message = update.edited_message
        if message is None:
            return
        if message.location is not None:  # live locations update by editing: nothing to say
            log.debug("live location update in chat %s ignored", message.chat.id)
            return
        log.info("edited message %s in chat %s not relayed", message.message_id, message.chat.id)
        if message.chat.type == "private":
            await self.adapter.say(message.chat.id, texts.EDITED)

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups only commands are handled; a resident who talks to the bot there is asked to
        write in a private chat, other group chatter is ignored."""
        message = update.effective_message
        if message is None:
            return
        bot = context.bot
        replied = message.reply_to_message
        to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
        mentioned = f"@{bot.username}".lower() in (message.text or message.caption or "").lower()
        if to_bot or mentioned:
            log.info("message to the bot in group %s: asked to write privately", message.chat.id)
            await self.adapter.say(
                message.chat.id, texts.PRIVATE_ONLY.format(link=self.adapter.private_link())
            )
        else:
            log.debug("group message in chat %s ignored", message.chat.id)
