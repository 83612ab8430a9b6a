"""A complaint over Telegram, end to end: text, a shared location and a photo become a case on the
real platform with the photo stored (without EXIF); a photo sent as a file offers its GPS position;
files that are not photos, or too large, are refused politely."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cityplatform.geo import load_city
from citysteward.stack import StackConfig
from tests.gateway.chat import Resident, button_titles, rasa_events, user_texts, wait_for_user_texts
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.images import exif_of, jpeg

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("telegram_gateway")]
CODE = re.compile(r"JM\d{8}-\d{4}")


@pytest.fixture
async def api(stack_config: StackConfig) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {stack_config.platform_api_token}"}
    async with httpx.AsyncClient(base_url=stack_config.platform_url, headers=headers, timeout=30) as client:
        yield client


def place(name: str) -> tuple[float, float]:
    found = load_city().resolve(name)
    assert found is not None
    return found.latitude, found.longitude


async def photo_ids(config: StackConfig, chat_id: int) -> list[str]:
    """The media ids the gateway relayed to Rasa (`/inform{"photo_id": ...}`), with their metadata."""
    found = []
    for event in await rasa_events(config, f"tg:{chat_id}"):
        text = str(event.get("text") or "")
        if event.get("event") == "user" and text.startswith('/inform{"photo_id"'):
            found.append(str(json.loads(text.removeprefix("/inform"))["photo_id"]))
    return found


async def relayed_metadata(config: StackConfig, chat_id: int, text: str) -> dict[str, Any]:
    for event in await rasa_events(config, f"tg:{chat_id}"):
        if event.get("event") == "user" and event.get("text") == text:
            metadata: dict[str, Any] = event.get("metadata") or {}
            return metadata
    raise LookupError(text)


async def test_a_report_with_text_location_and_photo_becomes_a_case_with_the_photo(
    fake_telegram: FakeBotApi, stack_config: StackConfig, api: httpx.AsyncClient
) -> None:
    me = Resident(fake_telegram)
    marker = uuid.uuid4().hex[:6]
    me.says(f"这里有个井盖不见了，车道上很危险 {marker}")
    await me.expect("位置")
    fake_telegram.push_location(me.chat_id, *place("跃进路"))
    await me.expect("照片")
    sent = jpeg((1280, 960), camera=True)
    update = fake_telegram.push_photo(me.chat_id, sent)
    summary = await me.expect("核对")
    assert "照片：1" in summary["text"].replace(" ", "")
    fake_telegram.press(summary, "确认提交")
    filed = await me.expect("编号")
    found = CODE.search(filed["text"])
    assert found, filed["text"]
    assert "已为您登记" in filed["text"]  # a case of its own, not a "me too"

    [media_id] = await photo_ids(stack_config, me.chat_id)
    metadata = await relayed_metadata(stack_config, me.chat_id, f'/inform{{"photo_id": "{media_id}"}}')
    assert metadata["channel"] == "telegram"
    assert metadata["chat_id"] == str(me.chat_id)
    assert metadata["chat_type"] == "private"
    assert metadata["user"] == {
        "id": str(me.chat_id),
        "name": "测试 居民",
        "username": f"resident{me.chat_id}",
    }
    assert metadata["language"] == "zh-hans"
    assert metadata["attachments"] == [
        {"type": "photo", "media_id": media_id, "content_type": "image/jpeg", "from": "photo"}
    ]
    assert metadata["gateway_message_id"].startswith(f"telegram:{me.chat_id}:")

    resident = {"channel": "telegram", "user_id": str(me.chat_id)}
    case = (await api.get(f"/api/v1/cases/{found.group(0)}", params=resident)).json()
    assert [photo["id"] for photo in case["photos"]] == [media_id]
    assert marker in case["description"]
    stored = await api.get(f"/api/v1/media/{media_id}")
    assert stored.status_code == 200
    assert stored.content[:3] == b"\xff\xd8\xff"
    assert exif_of(stored.content) == {}
    # The largest of Telegram's sizes was downloaded, not a thumbnail.
    sizes = [size["file_id"] for size in update["message"]["photo"]]
    downloaded = [
        c.params["file_id"] for c in fake_telegram.calls_of("getFile") if c.params["file_id"] in sizes
    ]
    assert downloaded == [sizes[-1]]


async def test_a_photo_file_offers_its_gps_position_and_is_stored_without_exif(
    fake_telegram: FakeBotApi, stack_config: StackConfig, api: httpx.AsyncClient
) -> None:
    me = Resident(fake_telegram)
    me.says("路灯不亮了，晚上很黑")
    await me.expect("位置")
    latitude, longitude = place("丰乐路")
    photo = jpeg(gps=(latitude, longitude), camera=True)
    assert exif_of(photo)  # the file as the phone wrote it
    fake_telegram.push_document(me.chat_id, photo, "IMG_20261123_094100.jpg", "image/jpeg")
    offer = await me.expect("拍摄位置")
    assert button_titles(offer) == ["使用照片拍摄位置"]
    fake_telegram.press(offer, "使用照片拍摄位置")
    await me.expect("核对")

    [media_id] = await photo_ids(stack_config, me.chat_id)
    stored = (await api.get(f"/api/v1/media/{media_id}")).content
    assert exif_of(stored) == {}
    [location] = [t for t in await user_texts(stack_config, me.chat_id) if '"latitude"' in t]
    point = json.loads(location.removeprefix("/inform"))
    assert point == pytest.approx({"latitude": latitude, "longitude": longitude}, abs=1e-5)
    metadata = await relayed_metadata(stack_config, me.chat_id, f'/inform{{"photo_id": "{media_id}"}}')
    assert metadata["attachments"][0]["from"] == "document"


async def test_a_caption_goes_before_its_photo_and_the_next_message_after_it(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    """The photo takes a while (download, check, upload); a text sent right after still comes after it."""
    me = Resident(fake_telegram)
    fake_telegram.push_photo(me.chat_id, jpeg((1600, 1200)), caption="路边垃圾堆了好几天")
    me.says("就在建设三路路口")
    [caption, photo, after] = await wait_for_user_texts(stack_config, me.chat_id, 3)
    assert caption == "路边垃圾堆了好几天"
    assert photo.startswith('/inform{"photo_id"')
    assert after == "就在建设三路路口"


async def test_files_that_are_not_photos_or_too_large_are_refused(
    fake_telegram: FakeBotApi, stack_config: StackConfig
) -> None:
    me = Resident(fake_telegram)
    fake_telegram.push_document(me.chat_id, b"this is not a picture at all", "photo.jpg", "image/jpeg")
    await me.expect("不是有效的图片")
    gif = b"GIF89a" + b"\x00" * 64
    fake_telegram.push_document(me.chat_id, gif, "anim.gif", "image/gif")
    await me.expect("暂不支持这种图片格式")
    downloads = len(fake_telegram.calls_of("getFile"))
    fake_telegram.push_photo(me.chat_id, jpeg((64, 48)), file_size=11 * 1024 * 1024)
    await me.expect("照片超过 10 MB")
    assert len(fake_telegram.calls_of("getFile")) == downloads  # refused before downloading
    assert await user_texts(stack_config, me.chat_id) == []
