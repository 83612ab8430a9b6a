"""What the Telegram handlers share: the gateway, the platform, the channel and the keyboard store."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.gateway import Gateway
from bot.messages import Inbound
from bot.platform import PlatformClient
from bot.settings import GatewaySettings
from bot.telegram.channel import TelegramChannel
from bot.telegram.keyboards import KeyboardStore

log = logging.getLogger(__name__)

COMMUNITIES_CACHE_SECONDS = 600.0


@dataclass
class Adapter:
    settings: GatewaySettings
    gateway: Gateway
    platform: PlatformClient
    channel: TelegramChannel
    keyboards: KeyboardStore
    _communities: tuple[float, list[dict[str, str]]] | None = field(default=None, repr=False)

    async def relay(self, message: Inbound) -> None:
        """Hand a message to the gateway (kept, relayed to Rasa in order; never raises)."""
        await self.gateway.receive(message)

    async def say(self, chat_id: str | int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """The adapter's own answer to a chat; Telegram errors are logged, not raised."""
        try:
            await self.channel.send_text(str(chat_id), text, markup)
        except TelegramError as error:
            log.warning("could not answer chat %s: %r", chat_id, error)

    async def communities(self) -> list[dict[str, str]]:
        """The city's communities (cached for a few minutes); raises PlatformUnavailable."""
        now = time.monotonic()
        if self._communities is None or now - self._communities[0] > COMMUNITIES_CACHE_SECONDS:
            self._communities = (now, await self.platform.communities())
        return self._communities[1]

    def private_link(self) -> str:
        """A t.me link to the bot's private chat (handlers run after getMe, so the name is known)."""
        return f"https://t.me/{self.channel.bot.username}"
