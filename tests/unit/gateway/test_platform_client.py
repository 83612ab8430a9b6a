"""The gateway's platform client against the real platform app, served by uvicorn on a free port."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from PIL import Image

from bot.platform import OutboxItem, PlatformClient, PlatformError, PlatformUnavailable
from bot.relay import Button
from citysteward.stack import free_port
from tests.unit.gateway.platform_server import TOKEN, RunningPlatform, serve, serve_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    """One platform for this module: each test uses its own residents and outbox chats."""
    with serve_platform(tmp_path_factory.mktemp("platform")) as running:
        yield running


@pytest.fixture
async def client(platform: RunningPlatform) -> AsyncIterator[PlatformClient]:
    async with PlatformClient(platform.url, platform.token) as client:
        yield client


def png_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_a_photo_is_stored_and_comes_back(client: PlatformClient, platform: RunningPlatform) -> None:
    data = png_photo()
    media_id = await client.upload_photo(data, "image/png", "street.png")
    async with platform.http() as http:
        stored = await http.get(f"/media/{media_id}")
    assert stored.status_code == 200
    assert stored.headers["content-type"] == "image/png"
    assert stored.content == data


async def test_a_refused_upload_carries_the_code_and_the_chinese_message(client: PlatformClient) -> None:
    with pytest.raises(PlatformError) as refused:
        await client.upload_photo(b"%PDF-1.7 not a photo", "image/png")
    assert (refused.value.status, refused.value.code) == (415, "unsupported_media_type")
    assert "JPEG、PNG 或 WebP" in refused.value.message


async def test_a_resident_is_saved_changed_and_erased(client: PlatformClient) -> None:
    assert await client.resident("telegram", "555") is None
    saved = await client.save_resident("telegram", "555", chat_id="555", name="陈女士", language="zh-hans")
    assert (saved["channel"], saved["user_id"], saved["chat_id"]) == ("telegram", "555", "555")
    assert (saved["name"], saved["language"], saved["community"]) == ("陈女士", "zh-hans", None)
    assert saved["tips"] == {"enabled": False, "time": "08:00"}

    communities = await client.communities()
    community = communities[0]["name"]
    changed = await client.save_resident("telegram", "555", community=community)
    assert (changed["name"], changed["community"]) == ("陈女士", community)  # the rest is kept

    tips = await client.set_tips("telegram", "555", enabled=True, time="19:30")
    assert tips["tips"] == {"enabled": True, "time": "19:30"}
    assert await client.resident("telegram", "555") == tips

    await client.erase_resident("telegram", "555")
    assert await client.resident("telegram", "555") is None
    await client.erase_resident("telegram", "555")  # erasing again is not an error


async def test_communities_name_their_street_and_district(client: PlatformClient) -> None:
    communities = await client.communities()
    assert len(communities) > 1
    for community in communities:
        assert set(community) == {"name", "street", "district"}
        assert all(isinstance(value, str) and value for value in community.values())


async def test_an_unknown_community_is_refused_in_chinese(client: PlatformClient) -> None:
    with pytest.raises(PlatformError) as refused:
        await client.save_resident("web", "ab12", community="火星社区")
    assert (refused.value.status, refused.value.code) == (422, "unknown_community")
    assert "火星社区" in refused.value.message
    assert "社区列表" in refused.value.message


async def test_a_bad_tips_time_is_refused_in_chinese(client: PlatformClient) -> None:
    with pytest.raises(PlatformError) as refused:
        await client.set_tips("web", "ab12", enabled=True, time="25:99")
    assert refused.value.code == "invalid_time"
    assert "24 小时制" in refused.value.message


async def queue(platform: RunningPlatform, **body: Any) -> dict[str, Any]:
    async with platform.http() as http:
        response = await http.post("/outbox", json={"channel": "telegram", "chat_type": "private", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_outbox_items_are_claimed_typed_and_reported(
    client: PlatformClient, platform: RunningPlatform
) -> None:
    buttons = [{"title": "满意", "payload": '/rate{"score": 5}'}, {"title": "不满意", "payload": "/rate"}]
    queued = await queue(
        platform, chat_id="-100", chat_type="group", text="您反映的问题已处理。", buttons=buttons
    )

    [item] = await client.claim_outbox("telegram", limit=10, lease_seconds=30)
    assert item == OutboxItem(
        id=queued["id"],
        channel="telegram",
        chat_id="-100",
        chat_type="group",
        text="您反映的问题已处理。",
        buttons=(Button("满意", '/rate{"score": 5}'), Button("不满意", "/rate")),
        attempts=0,
        kind="notice",
    )
    assert await client.claim_outbox("telegram") == []  # leased

    await client.outbox_retry(item.id, after_seconds=0, error="x" * 2000)  # long errors are cut
    [again] = await client.claim_outbox("telegram")
    assert (again.id, again.attempts) == (item.id, 1)
    await client.outbox_failed(item.id, "bot blocked by the user")
    with pytest.raises(PlatformError) as closed:
        await client.outbox_sent(item.id)
    assert (closed.value.status, closed.value.code) == (409, "outbox_closed")
    assert closed.value.message


async def test_a_wrong_token_is_a_refusal_not_an_outage(platform: RunningPlatform) -> None:
    async with PlatformClient(platform.url, "wrong-token") as client:
        with pytest.raises(PlatformError) as refused:
            await client.communities()
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert "令牌" in refused.value.message


async def test_nothing_listening_is_unavailable() -> None:
    async with PlatformClient(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=2) as client:
        with pytest.raises(PlatformUnavailable):
            await client.claim_outbox("telegram")
        with pytest.raises(PlatformUnavailable):
            await client.upload_photo(png_photo(), "image/png")


@pytest.fixture
def failing_server() -> Iterator[str]:
    app = FastAPI()

    @app.get("/teapot/{path:path}")
    def teapot(path: str) -> PlainTextResponse:
        return PlainTextResponse("no json here", status_code=418)

    @app.api_route("/{path:path}", methods=["GET", "PUT", "POST"])
    def down(path: str) -> PlainTextResponse:
        return PlainTextResponse("upstream down", status_code=503)

    with serve(app, free_port()) as url:
        yield url


async def test_a_5xx_answer_is_unavailable_and_a_bare_4xx_still_a_refusal(failing_server: str) -> None:
    async with PlatformClient(failing_server, TOKEN) as client:
        with pytest.raises(PlatformUnavailable, match="503"):
            await client.resident("telegram", "1")
    async with PlatformClient(f"{failing_server}/teapot", TOKEN) as client:
        with pytest.raises(PlatformError) as refused:
            await client.communities()
    assert (refused.value.status, refused.value.code) == (418, "http_418")
    assert "请稍后再试" in refused.value.message
