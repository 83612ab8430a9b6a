"""Telegram Bot API JSON shapes (https://core.telegram.org/bots/api#available-types) for the fake.

Only what PTB needs to parse them and what our adapter reads; every shape carries its required
fields (Message: message_id, date, chat; User: id, is_bot, first_name; PhotoSize: file_id,
file_unique_id, width, height; ...).
"""

from __future__ import annotations

import time
from typing import Any

JSON = dict[str, Any]


def user(
    user_id: int, *, first_name: str = "测试", last_name: str | None = "居民", language: str = "zh-hans"
) -> JSON:
    found: JSON = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "username": f"resident{user_id}",
        "language_code": language,
    }
    if last_name:
        found["last_name"] = last_name
    return found


def bot_user(bot_id: int, username: str) -> JSON:
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "城市管家",
        "username": username,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat(chat_id: int, chat_type: str = "private", sender: JSON | None = None) -> JSON:
    if chat_type == "private":
        found: JSON = {
            "id": chat_id,
            "type": "private",
            "first_name": (sender or {}).get("first_name", "测试"),
        }
        if sender and sender.get("username"):
            found["username"] = sender["username"]
        return found
    return {"id": chat_id, "type": chat_type, "title": "白沙街道居民群"}


def message(message_id: int, chat_json: JSON, sender: JSON | None, **content: Any) -> JSON:
    found: JSON = {"message_id": message_id, "date": int(time.time()), "chat": chat_json}
    if sender is not None:
        found["from"] = sender
    found.update(content)
    return found


def command_entities(text: str) -> list[JSON]:
    """Telegram marks a leading /command (with an optional @bot suffix) as a bot_command entity."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command)}]


def photo_size(file_id: str, unique_id: str, width: int, height: int, size: int) -> JSON:
    return {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "width": width,
        "height": height,
        "file_size": size,
    }


def document(file_id: str, unique_id: str, file_name: str, mime_type: str, size: int) -> JSON:
    return {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }


def voice(file_id: str, unique_id: str, duration: int = 3) -> JSON:
    return {"file_id": file_id, "file_unique_id": unique_id, "duration": duration, "mime_type": "audio/ogg"}


def sticker(file_id: str, unique_id: str) -> JSON:
    return {
        "file_id": file_id,
        "file_unique_id": unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }


def video_note(file_id: str, unique_id: str) -> JSON:
    return {"file_id": file_id, "file_unique_id": unique_id, "length": 240, "duration": 4}


def callback_query(query_id: str, sender: JSON, bot_message: JSON, data: str) -> JSON:
    return {
        "id": query_id,
        "from": sender,
        "message": bot_message,
        "chat_instance": f"ci{bot_message['chat']['id']}",
        "data": data,
    }
