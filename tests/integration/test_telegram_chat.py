"""Telegram through the real stack: our fake Bot API server, `citysteward serve gateway` polling it,
Rasa, the action server and the platform. Commands, buttons, unsupported and edited messages,
long texts and group chats."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from cityplatform.geo import load_city
from citysteward.stack import StackConfig
from tests.gateway.chat import Resident, button_titles, new_chat_id, text_of, user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.updates import JSON

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("telegram_gateway")]

COMMANDS = [
    {"command": "start", "description": "开始使用并选择所在社区"},
    {"command": "report", "description": "反映问题"},
    {"command": "status", "description": "查询办理进度（可附案件编号）"},
    {"command": "tips", "description": "垃圾分类提示：开启/关闭/时间"},
    {"command": "campaigns", "description": "社区活动"},
    {"command": "help", "description": "使用帮助"},
    {"command": "privacy", "description": "隐私说明与删除个人信息"},
    {"command": "delete_me", "description": "删除我的个人信息"},
]


@pytest.fixture
async def api(stack_config: StackConfig) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {stack_config.platform_api_token}"}
    async with httpx.AsyncClient(base_url=stack_config.platform_url, headers=headers, timeout=30) as client:
        yield client


def place(name: str) -> tuple[float, float]:
    found = load_city().resolve(name)
    assert found is not None
    return found.latitude, found.longitude


def location_payload(name: str) -> str:
    latitude, longitude = place(name)
    return "/inform" + json.dumps({"latitude": round(latitude, 6), "longitude": round(longitude, 6)})


async def test_commands_are_registered_with_chinese_descriptions(fake_telegram: FakeBotApi) -> None:
    assert fake_telegram.commands == COMMANDS
    assert fake_telegram.calls_of("setMyCommands")[0].status == 200


async def test_a_pressed_button_is_relayed_once_and_its_keyboard_closes(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    me.says("路边垃圾堆了好几天没人清理，味道很大")
    await me.expect("位置")
    fake_telegram.push_location(me.chat_id, *place("港口路"))
    question = await me.expect("照片")
    assert "跳过" in button_titles(question)
    answers = len(fake_telegram.calls_of("answerCallbackQuery"))
    fake_telegram.press(question, "跳过")
    summary = await me.expect("核对")
    assert "确认提交" in button_titles(summary)
    closed = me.current(question)
    assert "reply_markup" not in closed
    assert text_of(closed).endswith("✅ 您选择了：跳过")
    assert (await user_texts(stack_config, me.chat_id)).count("/deny") == 1

    # The same keyboard pressed again (a slow client, a double tap): a polite answer, nothing relayed.
    fake_telegram.press(question, "跳过")
    second = await fake_telegram.wait_for(
        lambda: fake_telegram.calls_of("answerCallbackQuery")[answers + 1 :], timeout=30
    )
    assert "已经用过" in second[0].params["text"]
    assert (await user_texts(stack_config, me.chat_id)).count("/deny") == 1
    assert me.unseen() == []


async def test_start_welcomes_and_saves_the_chosen_community(
    fake_telegram: FakeBotApi, api: httpx.AsyncClient
) -> None:
    me = Resident(fake_telegram)
    me.says("/start")
    welcome = await me.expect("欢迎使用城市管家")
    assert "反映" in text_of(welcome)
    choose = await me.expect("请选择您所在的社区")
    communities = (await api.get("/api/v1/geo/communities")).json()
    districts = sorted({c["district"] for c in communities})
    assert button_titles(choose) == [*districts, "暂不选择"]

    district = districts[0]
    fake_telegram.press(choose, district)

    def communities_shown() -> JSON | None:
        now = me.current(choose)
        return now if f"（{district}）" in text_of(now) else None

    shown = await fake_telegram.wait_for(communities_shown)
    names = [c["name"] for c in communities if c["district"] == district]
    assert sorted(button_titles(shown)[:-2]) == sorted(names)
    fake_telegram.press(shown, names[0])
    await me.expect(f"已记下您所在的社区：{names[0]}")
    assert text_of(me.current(choose)).endswith(f"✅ 您选择了：{names[0]}")
    resident = (await api.get(f"/api/v1/residents/telegram/{me.chat_id}")).json()
    assert resident["community"] == names[0]
    assert resident["chat_id"] == str(me.chat_id)
    assert resident["name"] == "测试 居民"


async def test_commands_become_rasa_payloads(fake_telegram: FakeBotApi, stack_config: StackConfig) -> None:
    sent = {
        "/report": "/report_issue",
        "/status jm20261123-9999": '/check_case_status{"case_ref": "JM20261123-9999"}',
        "/campaigns": "/ask_campaigns",
    }
    for command, payload in sent.items():
        me = Resident(fake_telegram)
        me.says(command)
        await fake_telegram.wait_for_messages(me.chat_id, 1, timeout=90)
        assert await user_texts(stack_config, me.chat_id) == [payload]


async def test_tips_can_be_switched_and_timed(fake_telegram: FakeBotApi, api: httpx.AsyncClient) -> None:
    me = Resident(fake_telegram)
    me.says("/tips")
    state = await me.expect("垃圾分类提示")
    assert "开启提示" in button_titles(state)
    fake_telegram.press(state, "开启提示")
    await me.expect("已开启垃圾分类提示，每天 08:00")
    me.says("/tips 7:30")
    await me.expect("每天 07:30")
    tips = (await api.get(f"/api/v1/residents/telegram/{me.chat_id}")).json()["tips"]
    assert tips == {"enabled": True, "time": "07:30"}
    me.says("/tips off")
    await me.expect("已关闭")
    tips = (await api.get(f"/api/v1/residents/telegram/{me.chat_id}")).json()["tips"]
    assert tips["enabled"] is False
    me.says("/tips 25:00")
    await me.expect("格式不对")


async def test_delete_me_erases_the_resident_and_the_conversation(
    fake_telegram: FakeBotApi, api: httpx.AsyncClient, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    me.says("/start")
    await me.expect("请选择您所在的社区")
    me.says("你好")
    await fake_telegram.wait_for(lambda: len(me.unseen()) > 0, timeout=90)
    assert await user_texts(stack_config, me.chat_id) == ["你好"]
    me.seen = len(me.messages())
    me.says("/privacy")
    await me.expect("/delete_me")
    me.says("/delete_me")
    confirm = await me.expect("确定要删除")
    fake_telegram.press(confirm, "确认删除")
    await me.expect("已经删除")
    assert (await api.get(f"/api/v1/residents/telegram/{me.chat_id}")).status_code == 404
    assert await user_texts(stack_config, me.chat_id) == []


async def test_unsupported_messages_are_answered_and_not_relayed(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    fake_telegram.push_voice(me.chat_id)
    await me.expect("语音")
    fake_telegram.push_sticker(me.chat_id)
    await me.expect("表情")
    fake_telegram.push_video_note(me.chat_id)
    await me.expect("视频消息")
    fake_telegram.push_document(me.chat_id, b"%PDF-1.7 report", "投诉材料.pdf", "application/pdf")
    await me.expect("图片文件")
    me.says("/nosuchcommand")
    await me.expect("/help")
    assert await user_texts(stack_config, me.chat_id) == []


async def test_a_5000_character_text_is_answered_and_a_longer_one_politely_refused(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    long_text = ("五邑路菜市场门口每天早上都有人占道摆摊，堵住了人行道。" * 200)[:5000]
    me.says(long_text)
    [reply, *_] = await fake_telegram.wait_for_messages(me.chat_id, 1, timeout=90)
    assert "繁忙" not in text_of(reply)
    assert "上限" not in text_of(reply)
    assert await user_texts(stack_config, me.chat_id) == [long_text]

    other = Resident(fake_telegram)
    other.says(long_text + "。")
    await other.expect("超过了 5000 字")
    assert await user_texts(stack_config, other.chat_id) == []


async def test_an_edited_message_does_not_start_a_second_report(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    complaint = "路口的井盖不见了，很危险"
    sent = me.says(complaint)
    await me.expect("位置")
    fake_telegram.push_edited(me.chat_id, sent["message"]["message_id"], complaint + "，请尽快处理")
    await me.expect("不会重新读取")
    fake_telegram.push_location(me.chat_id, *place("长堤路"))
    await me.expect("照片")
    assert await user_texts(stack_config, me.chat_id) == [complaint, location_payload("长堤路")]


async def test_in_groups_only_commands_are_handled(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    group = -new_chat_id()
    resident = new_chat_id()
    fake_telegram.push_text(group, "路边的垃圾桶满了", chat_type="group", user_id=resident)
    fake_telegram.push_text(group, "/report", chat_type="group", user_id=resident)
    [answer] = await fake_telegram.wait_for_messages(group, 1, timeout=30)
    assert "私聊" in text_of(answer)
    assert "https://t.me/citysteward_test_bot" in text_of(answer)
    assert await user_texts(stack_config, group) == []
