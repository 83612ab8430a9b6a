"""End to end through Rasa's REST channel: a complaint with a shared location and a photo becomes a
case on the real platform, findable through Open311; and a platform outage loses nothing."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.relay import BotReply, RasaRelay
from cityplatform.geo import load_city
from citysteward.stack import StackConfig
from tests.integration.conftest import PlatformProcess

pytestmark = pytest.mark.integration
CODE = re.compile(r"JM\d{8}-\d{4}")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 512


@pytest.fixture
async def api(stack_config: StackConfig) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {stack_config.platform_api_token}"}
    async with httpx.AsyncClient(base_url=stack_config.platform_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def relay(
    stack_config: StackConfig, platform: PlatformProcess, rasa_server: subprocess.Popen[bytes]
) -> AsyncIterator[RasaRelay]:
    client = RasaRelay(stack_config.rasa_url, timeout=60)
    yield client
    await client.aclose()


def text_of(replies: list[BotReply]) -> str:
    return "\n".join(reply.text for reply in replies)


def location_message(place: str) -> str:
    found = load_city().resolve(place)
    assert found is not None
    return "/inform" + json.dumps({"latitude": found.latitude, "longitude": found.longitude})


async def report_until_summary(relay: RasaRelay, sender: str, api: httpx.AsyncClient, complaint: str) -> str:
    """Complaint → location → photo → the summary; returns the summary text."""
    asked = text_of(await relay.send(sender, complaint))
    assert "位置" in asked, asked
    asked = text_of(await relay.send(sender, location_message("良化市场")))
    assert "照片" in asked, asked
    photo = (await api.post("/api/v1/media", files={"file": ("p.jpg", JPEG)})).json()["id"]
    summary = text_of(await relay.send(sender, "/inform" + json.dumps({"photo_id": photo})))
    if "确认" not in summary:  # the form may offer to take more photos first
        summary = text_of(await relay.send(sender, "/deny"))
    assert "核对" in summary, summary
    assert "照片：1" in summary.replace(" ", ""), summary
    return summary


async def cases_with(api: httpx.AsyncClient, marker: str) -> list[dict[str, Any]]:
    listed = (await api.get("/api/v1/cases", params={"limit": 500})).json()["cases"]
    return [case for case in listed if marker in case["description"]]


async def test_a_complaint_with_location_and_photo_becomes_a_case_found_via_open311(
    relay: RasaRelay, api: httpx.AsyncClient
) -> None:
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    marker = uuid.uuid4().hex[:6]
    await report_until_summary(relay, sender, api, f"这里有个井盖不见了，车道上很危险 {marker}")
    filed = text_of(await relay.send(sender, "/affirm"))
    found = CODE.search(filed)
    assert found, filed
    code = found.group(0)
    # Open311 is public: no token.
    async with httpx.AsyncClient(base_url=str(api.base_url)) as public:
        [request] = (await public.get(f"/open311/v2/requests/{code}.json")).json()
    assert request["service_code"] == "manhole"
    assert request["status"] == "open"
    place = load_city().resolve("良化市场")
    assert place is not None
    assert (request["lat"], request["long"]) == (place.latitude, place.longitude)
    resident = {"channel": "telegram", "user_id": sender.removeprefix("tg:")}
    case = (await api.get(f"/api/v1/cases/{code}", params=resident)).json()
    assert case["unit"]["name"] in filed
    assert [photo["stage"] for photo in case["photos"]] == ["before"]
    # The resident asks how it goes and sees their case.
    status = text_of(await relay.send(sender, "我的投诉怎么样了"))
    assert code in status


async def test_a_platform_outage_mid_conversation_loses_nothing_and_files_once(
    relay: RasaRelay, api: httpx.AsyncClient, platform: PlatformProcess
) -> None:
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    marker = uuid.uuid4().hex[:6]
    await report_until_summary(relay, sender, api, f"路边垃圾堆了好几天没人清理 {marker}")
    platform.stop()
    try:
        saved = text_of(await relay.send(sender, "/affirm"))
        assert "保存" in saved, saved
        assert not CODE.search(saved)
    finally:
        platform.start()
    # The action server retries every second (ACTIONS_RETRY_SECONDS in conftest).
    for _ in range(60):
        if await cases_with(api, marker):
            break
        await asyncio.sleep(1)
    [case] = await cases_with(api, marker)
    # Several retry rounds later there is still exactly one case.
    await asyncio.sleep(4)
    assert [c["code"] for c in await cases_with(api, marker)] == [case["code"]]
    status = text_of(await relay.send(sender, "我的投诉怎么样了"))
    assert case["code"] in status
