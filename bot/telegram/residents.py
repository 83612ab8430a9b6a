"""The resident's own data through the platform: registering, community, tips, erasure.

In private chats (the only place these run) the chat id is the user id, and the Rasa sender is
`tg:<chat id>`, so the platform's resident is ("telegram", chat id) like in actions/residents.py.
"""

from __future__ import annotations

import logging

from telegram import Chat, User

from bot import texts as shared_texts
from bot.platform import PlatformError, PlatformUnavailable
from bot.relay import RasaUnavailable
from bot.telegram import texts
from bot.telegram.adapter import Adapter
from bot.telegram.inbound import CHANNEL

log = logging.getLogger(__name__)


async def register(adapter: Adapter, chat: Chat, user: User | None, community: str | None = None) -> bool:
    """Create or update the resident (chat id, name, language, community); False if it failed."""
    name = user.full_name if user is not None else None
    language = user.language_code.lower() if user is not None and user.language_code else None
    try:
        await adapter.platform.save_resident(
            CHANNEL, str(chat.id), chat_id=str(chat.id), name=name, language=language, community=community
        )
    except (PlatformUnavailable, PlatformError) as error:
        log.warning("resident %s not saved: %s", chat.id, error)
        return False
    log.info("resident telegram:%s saved%s", chat.id, " with a community" if community else "")
    return True


async def set_tips(
    adapter: Adapter, chat_id: str, *, enabled: bool, time: str | None = None
) -> tuple[bool, str]:
    """Turn tips on/off (and set their time); whether it worked, and what to tell the resident."""
    try:
        view = await adapter.platform.set_tips(CHANNEL, chat_id, enabled=enabled, time=time)
    except PlatformError as error:
        log.warning("tips of %s not set: %s", chat_id, error)
        return False, error.message
    except PlatformUnavailable as error:
        log.warning("tips of %s not set, platform unavailable: %s", chat_id, error)
        return False, texts.SAVE_FAILED
    if not enabled:
        return True, texts.TIPS_SAVED_OFF
    return True, texts.TIPS_SAVED_ON.format(time=(view.get("tips") or {}).get("time") or time or "08:00")


async def erase(adapter: Adapter, chat_id: str) -> tuple[bool, str]:
    """/delete_me: the platform's resident, Rasa's conversation, the gateway's inbox rows and our
    keyboards. Whether it all worked, and what to tell the resident."""
    try:
        await adapter.platform.erase_resident(CHANNEL, chat_id)
        await adapter.gateway.relay.erase_conversation(adapter.gateway.sender_id(CHANNEL, chat_id))
        await adapter.gateway.forget(CHANNEL, chat_id)
        await adapter.keyboards.forget(chat_id)
    except (PlatformUnavailable, PlatformError, RasaUnavailable) as error:
        log.error("erasing telegram:%s did not complete: %s", chat_id, error)
        return False, texts.DELETE_FAILED
    log.info("resident telegram:%s erased on request", chat_id)
    return True, shared_texts.FORGOTTEN
