"""Turning Telegram messages into the gateway's `Inbound` (text for Rasa plus metadata)."""

from __future__ import annotations

import json
from typing import Any

from telegram import Chat, Message, User

from bot.messages import Inbound

CHANNEL = "telegram"


def metadata(
    chat: Chat, user: User | None, attachments: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The metadata documented in docs/gateway.md (the gateway adds `gateway_message_id`)."""
    found: dict[str, Any] = {"channel": CHANNEL, "chat_id": str(chat.id), "chat_type": str(chat.type)}
    if user is not None:
        found["user"] = {"id": str(user.id), "name": user.full_name, "username": user.username or ""}
        found["name"] = user.full_name
        if user.language_code:
            found["language"] = user.language_code.lower()
    if attachments:
        found["attachments"] = attachments
    return found


def inbound(
    chat: Chat,
    message_id: int,
    text: str,
    user: User | None,
    *,
    key_suffix: str = "",
    attachments: list[dict[str, Any]] | None = None,
) -> Inbound:
    """`text` for Rasa, keyed "<chat id>:<message id>[:suffix]" (redelivered updates are ignored)."""
    key = f"{chat.id}:{message_id}" + (f":{key_suffix}" if key_suffix else "")
    return Inbound(
        channel=CHANNEL,
        chat_id=str(chat.id),
        message_key=key,
        text=text,
        metadata=metadata(chat, user, attachments),
    )


def from_message(
    message: Message, text: str, *, key_suffix: str = "", attachments: list[dict[str, Any]] | None = None
) -> Inbound:
    return inbound(
        message.chat,
        message.message_id,
        text,
        message.from_user,
        key_suffix=key_suffix,
        attachments=attachments,
    )


def inform(**slots: Any) -> str:
    """A Rasa payload: `/inform{"latitude": 22.58, "longitude": 113.08}`."""
    return "/inform" + json.dumps(slots, ensure_ascii=False)


def location_payload(latitude: float, longitude: float) -> str:
    return inform(latitude=round(latitude, 6), longitude=round(longitude, 6))
