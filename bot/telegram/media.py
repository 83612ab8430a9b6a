"""Photos from Telegram: getFile, download, check (bot.photos), store on the platform, relay the id.

A photo arrives as several sizes (we take the largest) or as a document (a file: full size, and its
EXIF still holds the GPS position, which we offer as the location before the check strips it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Document, Message
from telegram.error import TelegramError

from bot import texts as shared_texts
from bot.photos import CheckedPhoto, PhotoRejected, check_photo
from bot.platform import PlatformError, PlatformUnavailable
from bot.relay import BotReply, Button
from bot.telegram import texts
from bot.telegram.adapter import Adapter
from bot.telegram.inbound import from_message, inform, location_payload

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff")
# Documents whose type says nothing: we look at their bytes (magic numbers decide, not names).
UNTYPED = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class IncomingFile:
    file_id: str
    size: int | None
    source: str  # "photo" | "document"
    filename: str


def looks_like_image(document: Document) -> bool:
    mime = (document.mime_type or "").lower()
    name = (document.file_name or "").lower()
    return mime.startswith("image/") or name.endswith(IMAGE_SUFFIXES)


def worth_sniffing(document: Document, max_bytes: int) -> bool:
    """An untyped file small enough to be a photo: download it and let the magic bytes decide."""
    return (document.mime_type or "").lower() in UNTYPED and (document.file_size or 0) <= max_bytes


def largest_photo(message: Message) -> IncomingFile:
    best = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
    return IncomingFile(best.file_id, best.file_size, "photo", "photo.jpg")


def document_file(document: Document) -> IncomingFile:
    return IncomingFile(document.file_id, document.file_size, "document", document.file_name or "photo")


class PhotoIntake:
    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    async def take(self, message: Message, incoming: IncomingFile, *, sniffed: bool = False) -> None:
        """Caption first (as its own text), then the photo as `/inform{"photo_id": ...}`."""
        adapter, chat_id = self.adapter, str(message.chat.id)
        if message.caption and message.caption.strip():
            await adapter.relay(from_message(message, message.caption, key_suffix="caption"))
        checked = await self._download_and_check(message, incoming, sniffed=sniffed)
        if checked is None:
            return
        try:
            media_id = await adapter.platform.upload_photo(
                checked.data, checked.content_type, incoming.filename
            )
        except (PlatformUnavailable, PlatformError) as error:
            log.warning("photo of chat %s not stored, the platform failed: %s", chat_id, error)
            await adapter.say(chat_id, shared_texts.PHOTO_UPLOAD_FAILED)
            return
        log.info(
            "photo of chat %s stored as %s (%s, from %s)",
            chat_id,
            media_id,
            checked.content_type,
            incoming.source,
        )
        attachment = {
            "type": "photo",
            "media_id": media_id,
            "content_type": checked.content_type,
            "from": incoming.source,
        }
        await adapter.relay(from_message(message, inform(photo_id=media_id), attachments=[attachment]))
        if checked.gps is not None:
            await self._offer_location(chat_id, checked.gps)

    async def _download_and_check(
        self, message: Message, incoming: IncomingFile, *, sniffed: bool
    ) -> CheckedPhoto | None:
        adapter, chat_id = self.adapter, str(message.chat.id)
        limit = adapter.settings.max_photo_bytes
        if incoming.size is not None and incoming.size > limit:
            log.warning(
                "photo of chat %s refused before download: %d bytes > %d", chat_id, incoming.size, limit
            )
            await adapter.say(chat_id, shared_texts.photo_too_large(limit))
            return None
        try:
            file = await message.get_bot().get_file(incoming.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.warning("photo of chat %s could not be downloaded: %r", chat_id, error)
            await adapter.say(chat_id, texts.PHOTO_DOWNLOAD_FAILED)
            return None
        try:
            # Decoding and re-encoding takes a moment: keep the other chats going meanwhile.
            return await asyncio.to_thread(check_photo, data, max_bytes=limit)
        except PhotoRejected as rejected:
            log.warning("photo of chat %s rejected (%s, %d bytes)", chat_id, rejected.code, len(data))
            not_a_photo = sniffed and rejected.code in ("not_image", "empty")
            await adapter.say(chat_id, texts.UNSUPPORTED["document"] if not_a_photo else rejected.message)
            return None

    async def _offer_location(self, chat_id: str, gps: tuple[float, float]) -> None:
        """The photo file knew where it was taken: one button sends that point as the location."""
        latitude, longitude = gps
        button = Button(texts.PHOTO_LOCATION_BUTTON, location_payload(latitude, longitude))
        try:
            await self.adapter.channel.deliver(
                chat_id, [BotReply(text=texts.PHOTO_LOCATION, buttons=(button,))]
            )
        except Exception as error:
            log.warning("could not offer the photo's location to chat %s: %r", chat_id, error)
