"""The web chat's HTTP API in-process: the real Gateway, inbox and photo checks, with Rasa and the
platform replaced by fakes at their HTTP clients."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from PIL.ExifTags import GPS, IFD

from bot import texts
from bot.gateway import Gateway
from bot.inbox import Inbox
from bot.photos import check_photo
from bot.platform import PlatformClient, PlatformUnavailable
from bot.relay import BotReply, Button, RasaRelay
from bot.settings import GatewaySettings
from bot.webchat import create_http_app, web_channel
from bot.webchat.channel import Mailboxes
from bot.webchat.inputs import BAD_COORDINATES, BAD_SESSION, TOO_LARGE
from cityplatform.geo import load_city

SUMMARY = BotReply(
    text="请您核对一下要登记的内容", buttons=(Button("确认提交", "/affirm"), Button("修改", "/deny"))
)


def jpeg(gps: tuple[float, float] | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG, with the position in its EXIF GPS block when given (north and east only)."""
    image = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    if gps is not None:
        block = exif.get_ifd(IFD.GPSInfo)
        for tag, ref, value in (
            (GPS.GPSLatitude, GPS.GPSLatitudeRef, gps[0]),
            (GPS.GPSLongitude, GPS.GPSLongitudeRef, gps[1]),
        ):
            degrees, rest = divmod(value * 3600, 3600)
            minutes, seconds = divmod(rest, 60)
            block[tag] = (float(degrees), float(minutes), round(seconds, 4))
            block[ref] = "N" if tag == GPS.GPSLatitude else "E"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


class FakeRasa(RasaRelay):
    """Records what the gateway relays and answers from a script."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.answers: list[BotReply] = [SUMMARY]

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotReply]:
        self.received.append((sender_id, text, dict(metadata or {})))
        return list(self.answers)

    async def processed(self, sender_id: str, gateway_message_id: str) -> list[BotReply] | None:
        return None


class FakePlatform(PlatformClient):
    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9", "token")
        self.stored: list[tuple[bytes, str]] = []
        self.down = False

    async def upload_photo(self, data: bytes, content_type: str, filename: str = "photo") -> str:
        if self.down:
            raise PlatformUnavailable("POST /media: ConnectError")
        self.stored.append((data, content_type))
        return f"media-{len(self.stored)}"


def settings_for(tmp_path: Path, **changes: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "telegram_bot_token": None,
        "webchat_enabled": None,
        "rasa_auth_token": "rasa-token",
        "platform_api_token": "platform-token",
        "gateway_inbox_path": tmp_path / "inbox.sqlite3",
        **changes,
    }
    return GatewaySettings(**values)


class Chat:
    """One browser session against the app."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        rasa: FakeRasa,
        platform: FakePlatform,
        gateway: Gateway,
        app: FastAPI,
    ) -> None:
        self.client, self.rasa, self.platform, self.gateway, self.app = client, rasa, platform, gateway, app
        self.session = str(uuid.uuid4())

    async def say(self, text: str, message_id: str | None = None) -> httpx.Response:
        body = {"session": self.session, "message_id": message_id or str(uuid.uuid4()), "text": text}
        return await self.client.post("/api/messages", json=body)

    async def upload(
        self, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
    ) -> httpx.Response:
        form = {"session": self.session, "message_id": str(uuid.uuid4())}
        return await self.client.post("/api/photos", data=form, files={"file": (name, data, content_type)})


@asynccontextmanager
async def running(tmp_path: Path, **changes: Any) -> AsyncIterator[Chat]:
    """The HTTP app with the real Gateway and inbox, fake Rasa and platform; settings changed as given."""
    rasa, platform = FakeRasa(), FakePlatform()
    gateway = Gateway(rasa, Inbox(tmp_path / "inbox.sqlite3"), busy_after=5.0)
    app = create_http_app(settings_for(tmp_path, **changes), gateway, platform)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://webchat.test") as client:
            yield Chat(client, rasa, platform, gateway, app)
    finally:
        await gateway.stop()
        gateway.inbox.close()
        await rasa.aclose()
        await platform.aclose()


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    async with running(tmp_path) as started:
        yield started


def detail(response: httpx.Response) -> dict[str, str]:
    body: dict[str, dict[str, str]] = response.json()
    return body["detail"]


async def test_a_message_is_relayed_as_web_session_and_its_replies_come_back(chat: Chat) -> None:
    response = await chat.say("五邑路有个井盖不见了")
    assert response.status_code == 200
    [message] = response.json()["messages"]
    assert message["text"] == SUMMARY.text
    assert message["buttons"] == [
        {"title": "确认提交", "payload": "/affirm"},
        {"title": "修改", "payload": "/deny"},
    ]
    [(sender, text, metadata)] = chat.rasa.received
    assert sender == f"web:{chat.session}"
    assert text == "五邑路有个井盖不见了"
    assert metadata["channel"] == "web"
    assert metadata["chat_type"] == "web"
    assert metadata["chat_id"] == chat.session
    assert metadata["gateway_message_id"].startswith("web:")
    # Polling sees the same reply once, and nothing after it.
    updates = (await chat.client.get("/api/updates", params={"session": chat.session, "after": 0})).json()
    assert [m["id"] for m in updates["messages"]] == [message["id"]]
    later = await chat.client.get("/api/updates", params={"session": chat.session, "after": message["id"]})
    assert later.json()["messages"] == []


async def test_a_resent_message_is_relayed_once(chat: Chat) -> None:
    message_id = str(uuid.uuid4())
    first = await chat.say("路灯坏了", message_id)
    again = await chat.say("路灯坏了", message_id)
    assert len(first.json()["messages"]) == 1
    assert again.json()["messages"] == []
    assert len(chat.rasa.received) == 1


async def test_a_location_becomes_the_inform_payload(chat: Chat) -> None:
    body = {
        "session": chat.session,
        "message_id": str(uuid.uuid4()),
        "latitude": 22.5795,
        "longitude": 113.0815,
    }
    assert (await chat.client.post("/api/location", json=body)).status_code == 200
    [(_, text, _)] = chat.rasa.received
    assert text == '/inform{"latitude": 22.5795, "longitude": 113.0815}'


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("22.5", "113.0"), (True, 113.0), (95.0, 113.0), (22.5, -181), (None, 113.0)],
)
async def test_coordinates_must_be_numbers_on_earth(chat: Chat, latitude: object, longitude: object) -> None:
    body = {
        "session": chat.session,
        "message_id": str(uuid.uuid4()),
        "latitude": latitude,
        "longitude": longitude,
    }
    response = await chat.client.post("/api/location", json=body)
    assert response.status_code == 400
    assert detail(response) == {"code": "bad_coordinates", "message": BAD_COORDINATES}
    assert chat.rasa.received == []


@pytest.mark.parametrize("session", ["", "abc", "../../etc/passwd", str(uuid.uuid1()), 42])
async def test_a_bad_session_id_is_refused_politely(chat: Chat, session: object) -> None:
    body = {"session": session, "message_id": str(uuid.uuid4()), "text": "你好"}
    response = await chat.client.post("/api/messages", json=body)
    assert response.status_code == 400
    assert detail(response) == {"code": "bad_session", "message": BAD_SESSION}
    updates = await chat.client.get("/api/updates", params={"session": "nope"})
    assert updates.status_code == 400


async def test_malformed_and_oversized_bodies_are_refused(chat: Chat) -> None:
    headers = {"Content-Type": "application/json"}
    broken = await chat.client.post("/api/messages", content=b"{not json", headers=headers)
    assert broken.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", detail(broken)["message"])
    listed = await chat.client.post("/api/messages", json=["text"])
    assert listed.status_code == 400
    nested = await chat.client.post("/api/messages", content=b"[" * 50_000, headers=headers)
    assert nested.status_code == 400
    assert detail(nested)["code"] == "bad_request"
    huge = {"session": chat.session, "message_id": str(uuid.uuid4()), "text": "\u4e00" * 40_000}
    too_large = await chat.client.post("/api/messages", content=json.dumps(huge), headers=headers)
    assert too_large.status_code == 413
    assert detail(too_large)["message"] == TOO_LARGE
    wrong_after = await chat.client.get("/api/updates", params={"session": chat.session, "after": "-1"})
    assert wrong_after.status_code == 400
    assert chat.rasa.received == []


async def test_a_5000_character_text_is_relayed(chat: Chat) -> None:
    text = "井盖" * 2500
    assert (await chat.say(text)).status_code == 200
    assert chat.rasa.received[0][1] == text


async def test_a_photo_is_checked_stored_stripped_and_relayed_with_an_offer_of_its_location(
    chat: Chat,
) -> None:
    place = load_city().resolve("良化市场")
    assert place is not None
    original = jpeg(gps=(place.latitude, place.longitude))
    response = await chat.upload(original)
    assert response.status_code == 200
    [(stored, content_type)] = chat.platform.stored
    assert content_type == "image/jpeg"
    assert stored == check_photo(original).data  # the stripped bytes, no EXIF
    assert Image.open(io.BytesIO(stored)).getexif().get_ifd(IFD.GPSInfo) == {}
    [(_, text, metadata)] = chat.rasa.received
    assert text == '/inform{"photo_id": "media-1"}'
    assert metadata["attachments"] == [
        {"type": "photo", "media_id": "media-1", "content_type": "image/jpeg", "from": "photo"}
    ]
    body = response.json()
    assert body["photo"] == {"media_id": "media-1", "has_location": True}
    summary, offer = body["messages"]
    assert summary["text"] == SUMMARY.text
    area = load_city().locate(place.latitude, place.longitude)
    assert area is not None
    assert area.street in offer["text"]
    [button] = offer["buttons"]
    assert button["title"] == "使用照片拍摄位置"
    position = json.loads(button["payload"].removeprefix("/inform"))
    assert position["latitude"] == pytest.approx(place.latitude, abs=1e-5)
    assert position["longitude"] == pytest.approx(place.longitude, abs=1e-5)


async def test_a_photo_without_gps_or_outside_the_city_gets_no_offer(chat: Chat) -> None:
    for data in (jpeg(), jpeg(gps=(39.9, 116.4))):
        body = (await chat.upload(data)).json()
        assert body["photo"]["has_location"] is False
        assert not any("拍摄位置" in m["text"] for m in body["messages"])


async def test_a_file_that_is_no_image_is_refused_with_the_photo_message(chat: Chat) -> None:
    response = await chat.upload(b"%PDF-1.7 not a photo", name="photo.jpg")
    assert response.status_code == 400
    assert detail(response) == {"code": "photo_not_image", "message": texts.PHOTO_NOT_IMAGE}
    assert chat.platform.stored == []
    assert chat.rasa.received == []


async def test_a_photo_upload_needs_a_file_and_a_platform(chat: Chat) -> None:
    missing = await chat.client.post(
        "/api/photos", data={"session": chat.session, "message_id": str(uuid.uuid4())}
    )
    assert missing.status_code == 400
    assert detail(missing)["code"] == "no_file"
    chat.platform.down = True
    down = await chat.upload(jpeg())
    assert down.status_code == 503
    assert detail(down)["message"] == texts.PHOTO_UPLOAD_FAILED
    assert chat.rasa.received == []


async def test_replies_delivered_later_wait_in_the_mailbox(chat: Chat) -> None:
    channel = chat.gateway.channels["web"]
    await channel.deliver(chat.session, [BotReply(text="您反映的问题已处理完毕")])
    [message] = (await chat.client.get("/api/updates", params={"session": chat.session})).json()["messages"]
    assert message["text"] == "您反映的问题已处理完毕"
    other = str(uuid.uuid4())
    assert (await chat.client.get("/api/updates", params={"session": other})).json()["messages"] == []


async def test_the_page_map_and_health(chat: Chat) -> None:
    page = await chat.client.get("/")
    assert page.status_code == 200
    assert "城市管家" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("chat.js", "map.js", "chat.css"):
        static = await chat.client.get(f"/static/{name}")
        assert static.status_code == 200
    city = (await chat.client.get("/api/map")).json()
    assert city["type"] == "FeatureCollection"
    levels = {f["properties"]["level"] for f in city["features"]}
    assert levels == {"district", "street", "community"}
    west, south, east, north = city["bbox"]
    assert west < 113.08 < east
    assert south < 22.58 < north
    health = (await chat.client.get("/health")).json()
    assert health == {"status": "ok", "webchat": True, "telegram": False, "pending": 0}


def test_the_page_loads_nothing_from_elsewhere() -> None:
    static = Path(__file__).parents[3] / "bot" / "webchat" / "static"
    for path in static.iterdir():
        urls = re.findall(r"(?:https?:)?//[\w.-]+\.\w+[^\s\"'`)]*", path.read_text(encoding="utf-8"))
        assert [u for u in urls if u != "http://www.w3.org/2000/svg"] == [], path.name


async def test_without_web_chat_only_health_is_served(tmp_path: Path) -> None:
    async with running(tmp_path, telegram_bot_token="123:abc") as chat:
        assert web_channel(chat.app) is None
        assert (await chat.client.get("/health")).json()["webchat"] is False
        missing = await chat.client.get("/")
        assert missing.status_code == 404
        assert detail(missing)["message"] == "没有找到您要访问的页面。"
        assert (await chat.say("你好")).status_code == 404


def test_mailboxes_are_bounded_and_ids_only_grow() -> None:
    boxes = Mailboxes(per_session=3, max_sessions=2)
    posted = boxes.post("a", [BotReply(text=str(i)) for i in range(5)])
    assert [p.id for p in posted] == sorted(p.id for p in posted)
    assert [p.reply.text for p in boxes.since("a", 0)] == ["2", "3", "4"]
    boxes.post("b", [BotReply(text="b")])
    boxes.post("a", [BotReply(text="5")])  # a is now the most recent
    boxes.post("c", [BotReply(text="c")])  # b, idle longest, goes
    assert boxes.since("b", 0) == []
    assert len(boxes) == 2
    assert boxes.since("a", posted[-1].id)[0].reply.text == "5"


async def test_a_photo_far_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    async with running(tmp_path, max_photo_bytes=1024) as chat:
        response = await chat.upload(b"\xff" * 200_000)
        assert response.status_code == 413
        assert detail(response)["message"] == texts.photo_too_large(1024)
        assert chat.platform.stored == []
