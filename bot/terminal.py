"""`citysteward chat`: talk to the bot in a terminal through the same relay core as other channels.

Buttons are numbered; type the number to press one.
"""

from __future__ import annotations

import asyncio
import getpass
import sys

from bot.relay import BotReply, Button, RasaRelay, RasaUnavailable

BUSY = "系统繁忙，稍后为您处理。"


def render(replies: list[BotReply]) -> tuple[str, list[Button]]:
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        if reply.text:
            lines.append(f"城市管家：{reply.text}")
        if reply.image:
            lines.append(f"  [图片] {reply.image}")
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.title}")
    return "\n".join(lines), buttons


async def chat(rasa_url: str) -> None:
    relay = RasaRelay(rasa_url)
    sender = f"cli:{getpass.getuser()}"
    buttons: list[Button] = []
    print("城市管家 — 输入消息后回车，输入数字选择按钮，Ctrl-D 退出。")
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "您：")
            except EOFError:
                print()
                return
            choice = line.strip()
            if choice.isdigit() and 1 <= int(choice) <= len(buttons):
                line = buttons[int(choice) - 1].payload
            try:
                replies = await relay.send(sender, line, {"channel": "terminal"})
            except RasaUnavailable:
                print(f"城市管家：{BUSY}（无法连接 {rasa_url}，请先运行 make run）", file=sys.stderr)
                continue
            text, buttons = render(replies)
            print(text)
    finally:
        await relay.aclose()
