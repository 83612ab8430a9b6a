"""The web chat's JSON API: messages, photos and locations in, the bot's replies out.

Each resident message is relayed through `Gateway.receive` as an `Inbound` of channel "web" with
the page's session id as chat id and its message uuid as message key (a resent message is
harmless). The answer carries the replies delivered for it; later ones (after a Rasa outage, or
from the platform's outbox) wait in the session's mailbox for `GET /api/updates`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from bot import texts
from bot.gateway import Gateway
from bot.messages import Inbound
from bot.photos import CheckedPhoto, PhotoRejected, check_photo
from bot.platform import PlatformClient, PlatformError, PlatformUnavailable
from bot.relay import BotReply, Button
from bot.settings import GatewaySettings
from bot.webchat import inputs
from bot.webchat.channel import WebChannel
from bot.webchat.citymap import city_key, city_map, map_document, where
from bot.webchat.inputs import WebChatError

log = logging.getLogger(__name__)

JSON_LIMIT = 64 * 1024
MULTIPART_OVERHEAD = 64 * 1024
MAP_UNAVAILABLE = "地图暂时无法加载，您可以直接输入地址，例如“五邑路东湖公园门口”。"
PHOTO_LOCATION_OFFER = (
    "这张照片带有拍摄位置（{where}附近）。如果问题就在拍照的地方，可以点下面的按钮直接使用这个位置。"
)
PHOTO_LOCATION_BUTTON = "使用照片拍摄位置"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def location_payload(latitude: float, longitude: float) -> str:
    return "/inform" + json.dumps({"latitude": latitude, "longitude": longitude})


def chat_router(
    settings: GatewaySettings, gateway: Gateway, platform: PlatformClient, channel: WebChannel
) -> APIRouter:
    router = APIRouter(prefix="/api")
    mailboxes = channel.mailboxes
    # A 5,000-character text is up to 30 KB of JSON (\uXXXX escapes) plus the envelope.
    json_limit = max(JSON_LIMIT, settings.gateway_max_text_chars * 6 + 4096)

    async def relay(session: str, key: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        before = mailboxes.last_id
        await gateway.receive(
            Inbound(channel="web", chat_id=session, message_key=key, text=text, metadata=metadata)
        )
        return [posted.to_json() for posted in mailboxes.since(session, before)]

    @router.post("/messages")
    async def message(request: Request) -> dict[str, Any]:
        body = await inputs.json_object(request, json_limit)
        session, key = inputs.session_id(body.get("session")), inputs.message_id(body.get("message_id"))
        text = inputs.message_text(body.get("text"))
        return {"messages": await relay(session, key, text, _metadata(session, body))}

    @router.post("/location")
    async def location(request: Request) -> dict[str, Any]:
        body = await inputs.json_object(request, JSON_LIMIT)
        session, key = inputs.session_id(body.get("session")), inputs.message_id(body.get("message_id"))
        latitude = inputs.coordinate(body.get("latitude"), 90, "latitude")
        longitude = inputs.coordinate(body.get("longitude"), 180, "longitude")
        metadata = _metadata(session, body)
        return {"messages": await relay(session, key, location_payload(latitude, longitude), metadata)}

    @router.post("/photos")
    async def photo(request: Request) -> dict[str, Any]:
        limit = settings.max_photo_bytes + MULTIPART_OVERHEAD
        inputs.check_length(request, limit, texts.photo_too_large(settings.max_photo_bytes))
        try:
            form = await request.form(max_files=1, max_fields=8, max_part_size=4096)
        except Exception as error:  # python-multipart and starlette raise several kinds
            raise WebChatError(400, "bad_request", inputs.BAD_REQUEST, f"multipart: {error}") from error
        try:
            session = inputs.session_id(form.get("session"))
            key = inputs.message_id(form.get("message_id"))
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise WebChatError(400, "no_file", inputs.NO_FILE, "no file part")
            data = await upload.read(settings.max_photo_bytes + 1)
        finally:
            await form.close()
        checked = await _checked(data, settings.max_photo_bytes, session)
        media_id = await _stored(platform, checked)
        metadata = _metadata(session, dict(form))
        metadata["attachments"] = [
            {"type": "photo", "media_id": media_id, "content_type": checked.content_type, "from": "photo"}
        ]
        messages = await relay(session, key, "/inform" + json.dumps({"photo_id": media_id}), metadata)
        offer = _location_offer(checked)
        if offer is not None:
            messages.extend(posted.to_json() for posted in mailboxes.post(session, [offer]))
        return {"messages": messages, "photo": {"media_id": media_id, "has_location": offer is not None}}

    @router.get("/updates")
    async def updates(request: Request) -> dict[str, Any]:
        session = inputs.session_id(request.query_params.get("session"))
        after = inputs.after(request.query_params.get("after"))
        return {"messages": [posted.to_json() for posted in mailboxes.since(session, after)]}

    @router.get("/map")
    async def city() -> Response:
        try:
            document = map_document(city_key())
        except (OSError, ValueError, KeyError) as error:
            log.exception("web chat map of %r unavailable", city_key())
            raise WebChatError(503, "map_unavailable", MAP_UNAVAILABLE, str(error)) from error
        return Response(document, media_type="application/json", headers={"Cache-Control": "max-age=3600"})

    return router


def _metadata(session: str, body: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "channel": "web",
        "chat_id": session,
        "chat_type": "web",
        "user": {"id": session},
    }
    language = inputs.language(body.get("language"))
    if language:
        metadata["language"] = language
    return metadata


async def _checked(data: bytes, max_bytes: int, session: str) -> CheckedPhoto:
    try:  # decoding and re-encoding a large photo takes a while: not on the event loop
        return await asyncio.to_thread(check_photo, data, max_bytes=max_bytes)
    except PhotoRejected as rejected:
        raise WebChatError(
            400, f"photo_{rejected.code}", rejected.message, f"session {session}"
        ) from rejected


async def _stored(platform: PlatformClient, photo: CheckedPhoto) -> str:
    filename = f"photo.{EXTENSIONS.get(photo.content_type, 'jpg')}"
    try:
        return await platform.upload_photo(photo.data, photo.content_type, filename)
    except PlatformUnavailable as error:
        raise WebChatError(503, "platform_unavailable", texts.PHOTO_UPLOAD_FAILED, str(error)) from error
    except PlatformError as error:
        raise WebChatError(400, f"platform_{error.code}", error.message, str(error)) from error


def _location_offer(photo: CheckedPhoto) -> BotReply | None:
    """A button to use the photo's EXIF position, when it has one inside the city."""
    if photo.gps is None:
        return None
    latitude, longitude = (round(value, 6) for value in photo.gps)
    try:
        area = city_map().locate(latitude, longitude)
    except (OSError, ValueError, KeyError):
        log.exception("city map unavailable; no location offer for the photo")
        return None
    if area is None:
        return None
    return BotReply(
        text=PHOTO_LOCATION_OFFER.format(where=where(area)),
        buttons=(Button(PHOTO_LOCATION_BUTTON, location_payload(latitude, longitude)),),
    )
