"""The bot's commands (registered with Chinese descriptions via setMyCommands).

/report, /status [code] and /campaigns become Rasa payloads; /start, /tips, /help, /privacy and
/delete_me are answered here, and so are the volunteer desk's /volunteer <邀请码> and /volunteer_off
(not in the command menu; see desk.py). In groups only /start, /help and /privacy answer; the rest
ask the resident to write in a private chat.
"""

from __future__ import annotations

import json
import logging

from telegram import Bot, BotCommand, Message, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.platform import PlatformError, PlatformUnavailable
from bot.telegram import choices, residents, texts
from bot.telegram.adapter import Adapter
from bot.telegram.desk import Desk
from bot.telegram.inbound import CHANNEL, from_message

log = logging.getLogger(__name__)

MAX_CASE_REF = 40


async def set_commands(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(name, description) for name, description in texts.COMMANDS])


def status_payload(args: list[str]) -> str:
    """`/status` → `/check_case_status`; `/status jm20261123-0001` names the case."""
    ref = "".join(args).strip().upper()[:MAX_CASE_REF]
    if not ref:
        return "/check_case_status"
    return "/check_case_status" + json.dumps({"case_ref": ref}, ensure_ascii=False)


class Commands:
    def __init__(self, adapter: Adapter, desk: Desk) -> None:
        self.adapter = adapter
        self.desk = desk

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        messages = filters.UpdateType.MESSAGE  # an edited "/report" must not run again
        return [
            CommandHandler("start", self.start, filters=messages),
            CommandHandler("help", self.help, filters=messages),
            CommandHandler("privacy", self.privacy, filters=messages),
            CommandHandler("report", self.report, filters=messages),
            CommandHandler("status", self.status, filters=messages),
            CommandHandler("campaigns", self.campaigns, filters=messages),
            CommandHandler("tips", self.tips, filters=messages),
            CommandHandler("delete_me", self.delete_me, filters=messages),
            CommandHandler("volunteer", self.volunteer, filters=messages),
            CommandHandler("volunteer_off", self.volunteer_off, filters=messages),
        ]

    async def _private(self, update: Update) -> Message | None:
        """The command's message in a private chat; in a group, ask for a private chat instead."""
        message = update.effective_message
        if message is None:
            return None
        if message.chat.type != "private":
            log.info("command %r in group %s: asked to write privately", message.text, message.chat.id)
            await self.adapter.say(
                message.chat.id, texts.PRIVATE_ONLY.format(link=self.adapter.private_link())
            )
            return None
        return message

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        adapter, chat_id = self.adapter, str(message.chat.id)
        if message.chat.type != "private":
            await adapter.say(chat_id, texts.GROUP_HELLO.format(link=adapter.private_link()))
            return
        await residents.register(adapter, message.chat, message.from_user)
        try:
            communities = await adapter.communities()
        except (PlatformUnavailable, PlatformError) as error:
            log.warning("communities unavailable for /start in chat %s: %s", chat_id, error)
            communities = []
        if not communities:
            await adapter.say(chat_id, texts.WELCOME + "\n\n" + texts.COMMUNITIES_UNAVAILABLE)
            return
        await adapter.say(chat_id, texts.WELCOME)
        markup = await choices.start_markup(adapter.keyboards, chat_id, communities)
        await adapter.say(chat_id, texts.CHOOSE_COMMUNITY, markup)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := update.effective_message) is not None:
            await self.adapter.say(message.chat.id, texts.HELP)

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := update.effective_message) is not None:
            await self.adapter.say(message.chat.id, texts.PRIVACY)

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is not None:
            await self.adapter.relay(from_message(message, "/report_issue"))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is not None:
            await self.adapter.relay(from_message(message, status_payload(list(context.args or []))))

    async def campaigns(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is not None:
            await self.adapter.relay(from_message(message, "/ask_campaigns"))

    async def tips(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/tips` shows the setting with buttons; `/tips on|off|HH:MM` changes it."""
        if (message := await self._private(update)) is None:
            return
        adapter, chat_id = self.adapter, str(message.chat.id)
        argument = " ".join(context.args or []).strip().lower()
        if not argument:
            await self._show_tips(chat_id)
            return
        if argument in ("on", "开启", "开", "打开"):
            _, reply = await residents.set_tips(adapter, chat_id, enabled=True)
        elif argument in ("off", "关闭", "关", "取消"):
            _, reply = await residents.set_tips(adapter, chat_id, enabled=False)
        elif (time := choices.parse_time(argument)) is not None:
            _, reply = await residents.set_tips(adapter, chat_id, enabled=True, time=time)
        else:
            log.info("bad /tips argument %r in chat %s", argument[:20], chat_id)
            reply = texts.TIPS_BAD_TIME
        await adapter.say(chat_id, reply)

    async def _show_tips(self, chat_id: str) -> None:
        adapter = self.adapter
        try:
            view = await adapter.platform.resident(CHANNEL, chat_id)
        except (PlatformUnavailable, PlatformError) as error:
            log.warning("tips of %s unknown: %s", chat_id, error)
            markup = await choices.tips_markup(adapter.keyboards, chat_id, None)
            await adapter.say(chat_id, texts.TIPS_UNKNOWN + "\n" + texts.TIPS_USAGE, markup)
            return
        enabled = bool(((view or {}).get("tips") or {}).get("enabled"))
        markup = await choices.tips_markup(adapter.keyboards, chat_id, enabled)
        await adapter.say(chat_id, choices.tips_state(view) + "\n" + texts.TIPS_USAGE, markup)

    async def volunteer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is not None:
            await self.desk.join(message, list(context.args or []))

    async def volunteer_off(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is not None:
            await self.desk.leave(message)

    async def delete_me(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (message := await self._private(update)) is None:
            return
        chat_id = str(message.chat.id)
        await self.adapter.say(
            chat_id, texts.DELETE_CONFIRM, await choices.delete_markup(self.adapter.keyboards, chat_id)
        )
