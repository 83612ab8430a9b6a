"""Our own fake Telegram Bot API server: the one thing the gateway tests may fake.

`FakeBotApi` runs `BotApiServer` (server.py) on a free port in a background thread. Tests push
updates as Telegram would send them (`push_text`, `push_location`, `push_photo`, `push_document`,
`push_callback` / `press`, `push_edited`, `push_voice`, `push_sticker`, `push_video_note`), read
what the bot did (`calls`, `messages`, `wait_for_messages`) and inject faults (`fail_next`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.gateway import updates
from tests.gateway.server import ApiCall, BotApiServer, Failure
from tests.gateway.updates import JSON

__all__ = ["ApiCall", "FakeBotApi"]
T = TypeVar("T")


class FakeBotApi(BotApiServer):
    def start(self) -> FakeBotApi:
        super().start()
        return self

    def __enter__(self) -> FakeBotApi:
        return self.start()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:
        """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = predicate()
            if found:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout:g} s")
            await asyncio.sleep(0.02)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[JSON]:
        """Wait until the bot has sent at least `count` messages to the chat; returns them all."""

        def enough() -> list[JSON] | None:
            sent = self.messages(chat_id)
            return sent if len(sent) >= count else None

        try:
            return await self.wait_for(enough, timeout)
        except TimeoutError:
            texts = [m.get("text") or m.get("caption") for m in self.messages(chat_id)]
            raise TimeoutError(
                f"chat {chat_id}: wanted {count} messages within {timeout:g} s, got {texts}"
            ) from None

    def fail_next(self, method: str, times: int = 1, status: int = 429, retry_after: int | None = 1) -> None:
        """The next `times` calls of `method` fail (429 with `retry_after` by default)."""
        description = (
            f"Too Many Requests: retry after {retry_after}" if status == 429 else "Internal Server Error"
        )
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(times, status, retry_after, description))

    def register_file(self, data: bytes, filename: str = "file") -> str:
        """Make bytes downloadable through getFile; returns the file_id."""
        return self.media.register(data, filename)[0]

    # -- updates in ----------------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue an update (its update_id is assigned here) for getUpdates."""
        with self._lock:
            update = {**update, "update_id": self._next_update_id}
            self._next_update_id += 1
            self._updates.append(update)
        self._wake()
        return update

    def user_message(
        self, chat_id: int, chat_type: str = "private", user_id: int | None = None, **content: Any
    ) -> JSON:
        """A resident's message (recorded, so replies to it and edits of it can refer to it)."""
        sender = updates.user(user_id if user_id is not None else chat_id)
        found = updates.message(
            self.new_message_id(), updates.chat(chat_id, chat_type, sender), sender, **content
        )
        with self._lock:
            self._messages[(chat_id, found["message_id"])] = found
        return found

    def push_message(
        self, chat_id: int, *, chat_type: str = "private", user_id: int | None = None, **content: Any
    ) -> JSON:
        return self.push_update({"message": self.user_message(chat_id, chat_type, user_id, **content)})

    def push_text(
        self, chat_id: int, text: str, *, chat_type: str = "private", user_id: int | None = None
    ) -> JSON:
        content: JSON = {"text": text}
        if entities := updates.command_entities(text):
            content["entities"] = entities
        return self.push_message(chat_id, chat_type=chat_type, user_id=user_id, **content)

    def push_location(
        self, chat_id: int, latitude: float, longitude: float, *, chat_type: str = "private"
    ) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return self.push_message(chat_id, chat_type=chat_type, location=location)

    def push_photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        chat_type: str = "private",
        file_size: int | None = None,
    ) -> JSON:
        """A photo as Telegram sends it: several sizes, the largest last (`file_size` may claim a size)."""
        sizes = [
            self.media.photo_size(variant, width, height)
            for variant, width, height in self.media.variants(data)
        ]
        if file_size is not None:
            sizes[-1]["file_size"] = file_size
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self.push_message(chat_id, chat_type=chat_type, **content)

    def push_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        mime_type: str,
        *,
        caption: str | None = None,
        chat_type: str = "private",
    ) -> JSON:
        file_id, unique_id = self.media.register(data, filename)
        content: JSON = {"document": updates.document(file_id, unique_id, filename, mime_type, len(data))}
        if caption:
            content["caption"] = caption
        return self.push_message(chat_id, chat_type=chat_type, **content)

    def push_voice(self, chat_id: int) -> JSON:
        return self.push_message(
            chat_id, voice=updates.voice(*self.media.register(b"OggS voice", "voice.ogg"))
        )

    def push_sticker(self, chat_id: int) -> JSON:
        return self.push_message(
            chat_id, sticker=updates.sticker(*self.media.register(b"RIFF sticker", "s.webp"))
        )

    def push_video_note(self, chat_id: int) -> JSON:
        note = updates.video_note(*self.media.register(b"\x00\x00\x00\x18ftypmp42", "note.mp4"))
        return self.push_message(chat_id, video_note=note)

    def push_edited(self, chat_id: int, message_id: int, text: str) -> JSON:
        with self._lock:
            original = self._messages[(chat_id, message_id)]
            edited = {**original, "text": text, "edit_date": int(time.time())}
            self._messages[(chat_id, message_id)] = edited
        return self.push_update({"edited_message": edited})

    def push_callback(self, bot_message: JSON, data: str, *, user_id: int | None = None) -> JSON:
        """A press of a button of one of the bot's messages (as the resident's client saw it)."""
        chat_id = int(bot_message["chat"]["id"])
        with self._lock:
            query_id = str(self._next_query_id)
            self._next_query_id += 1
        sender = updates.user(user_id if user_id is not None else chat_id)
        return self.push_update(
            {"callback_query": updates.callback_query(query_id, sender, bot_message, data)}
        )

    def press(self, bot_message: JSON, title: str) -> JSON:
        """Press the button titled `title` on a message the bot sent."""
        for row in bot_message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == title:
                    return self.push_callback(bot_message, button["callback_data"])
        raise LookupError(f"no button {title!r} in {bot_message.get('reply_markup')}")

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)
