"""Who is talking: the platform's resident (channel + user id) derived from the Rasa sender id.

The gateway sends `"<channel>:<id>"` as sender (`tg:123456`, `web:ab12cd`); plain ids come from
REST tests and curl and belong to the channel `rest`. Optional message metadata from the gateway
(`name`, `chat_id`, `phone`, `community`) completes the reporter.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.platform_client import Resident

# Sender-id prefixes the gateway uses -> the platform's channel names.
CHANNEL_ALIASES = {"tg": "telegram", "telegram": "telegram", "web": "web", "rest": "rest"}
METADATA_FIELDS = ("chat_id", "name", "phone", "community")


def split_sender(sender_id: str) -> tuple[str, str]:
    """("telegram", "123") for "tg:123"; ("rest", "me") for a plain "me"."""
    prefix, separator, rest = sender_id.partition(":")
    if not separator or not prefix or not rest:
        return "rest", sender_id
    channel = prefix.strip().lower()
    return CHANNEL_ALIASES.get(channel, channel), rest


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata of the newest user message that carried any (the gateway sends it with each one)."""
    metadata = (tracker.latest_message or {}).get("metadata")
    if isinstance(metadata, dict) and metadata:
        return metadata
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            found = event.get("metadata") or (event.get("parse_data") or {}).get("metadata")
            if isinstance(found, dict) and found:
                return found
    return {}


def resident_of(tracker: Tracker) -> Resident:
    channel, user_id = split_sender(str(tracker.sender_id))
    metadata = latest_metadata(tracker)
    extra = {
        field: str(metadata[field]).strip()[:100]
        for field in METADATA_FIELDS
        if metadata.get(field) not in (None, "")
    }
    # In private chats (the bot's only kind) the chat id is the user id.
    extra.setdefault("chat_id", user_id)
    return Resident(channel=channel, user_id=user_id, **extra)
