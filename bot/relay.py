"""The channel-agnostic relay core: a resident's message in, the bot's replies out.

Channels (the terminal chat now; Telegram and web chat later) call `RasaRelay.send` with a
namespaced sender id (`tg:<chat id>`, `cli:<user>`) and get typed replies back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

REST_WEBHOOK = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rest(cls, message: dict[str, Any]) -> BotReply:
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in message.get("buttons") or []
        )
        return cls(
            text=str(message.get("text") or ""),
            buttons=buttons,
            image=message.get("image"),
            custom=dict(message.get("custom") or {}),
        )


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the channel keeps the message and tells the resident to wait."""


class RasaRelay:
    def __init__(self, rasa_url: str, timeout: float = 30.0) -> None:
        self._client = httpx.AsyncClient(base_url=rasa_url, timeout=timeout)

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotReply]:
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self._client.post(REST_WEBHOOK, json=body)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        return [BotReply.from_rest(m) for m in response.json()]

    async def aclose(self) -> None:
        await self._client.aclose()
