"""What flows through the gateway: a resident's message in (`Inbound`) and the Channel contract.

Every channel adapter (Telegram, web chat, terminal) turns its native updates into `Inbound` and
hands them to `bot.gateway.Gateway.receive`; the gateway relays them to Rasa in per-chat order and
calls the adapter's `Channel.deliver` with the bot's replies (`bot.relay.BotReply`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from bot.relay import BotReply


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Inbound:
    """One message from a resident, already in the form Rasa takes.

    `text` is what goes to Rasa: typed text, or a payload such as `/inform{"latitude": 22.6, ...}`.
    `message_key` is unique within the channel (Telegram: "<chat id>:<message id>", web chat: the
    client's message uuid) and makes redelivered updates harmless.
    `metadata` follows docs/gateway.md: channel, chat_id, chat_type, user {id, name, username},
    name, language, attachments [...]; the gateway adds `gateway_message_id`.
    """

    channel: str
    chat_id: str
    message_key: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    received_at: datetime = field(default_factory=utc_now)

    @property
    def gateway_message_id(self) -> str:
        return f"{self.channel}:{self.message_key}"


class Channel(Protocol):
    """An adapter the gateway can deliver replies through."""

    @property
    def name(self) -> str:
        """The channel name used in `Inbound.channel` and by the platform ("telegram", "web")."""

    @property
    def sender_prefix(self) -> str:
        """Prefix of the Rasa sender id: "tg" gives `tg:<chat id>` (see actions/residents.py)."""

    async def deliver(self, chat_id: str, replies: Sequence[BotReply]) -> None:
        """Send the bot's replies to one chat. Raises on failure; the gateway logs it."""


class DeliveryDeferred(Exception):
    """A channel asked us to wait (Telegram's 429 `retry_after`); try again after `retry_after` seconds.

    `everything` marks a bot-wide flood wait (hold every chat), not one chat's limit.
    """

    def __init__(self, retry_after: float, reason: str = "", *, everything: bool = False) -> None:
        super().__init__(reason or f"retry after {retry_after:g} s")
        self.retry_after = retry_after
        self.everything = everything
