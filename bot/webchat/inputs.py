"""Checking what the page sends: every rejection is a polite Chinese 4xx answer, and is logged."""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from starlette.requests import Request

log = logging.getLogger(__name__)

# crypto.randomUUID() in the page (or its getRandomValues fallback): a version-4 UUID.
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$")

BAD_REQUEST = "请求格式不正确，请刷新页面后再试一次。"
BAD_SESSION = "会话已失效，请刷新页面后再试一次。"
BAD_MESSAGE_ID = "消息编号不正确，请刷新页面后再发送一次。"
BAD_TEXT = "消息内容格式不正确，请重新输入后发送。"
BAD_COORDINATES = "位置坐标不正确，请重新选择位置，也可以直接输入地址。"
BAD_AFTER = "查询新消息的参数不正确，请刷新页面后再试一次。"
TOO_LARGE = "发送的内容太大了，请精简后再发送。"
LENGTH_REQUIRED = "请求缺少长度信息，请刷新页面后再试一次。"
NO_FILE = "没有收到照片，请重新选择一张照片上传。"


class WebChatError(Exception):
    """A request the web chat refuses: HTTP status, a stable code and the resident's message."""

    def __init__(self, status: int, code: str, message: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason or message}")
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason


def session_id(value: object) -> str:
    return _uuid(value, "bad_session", BAD_SESSION)


def message_id(value: object) -> str:
    return _uuid(value, "bad_message_id", BAD_MESSAGE_ID)


def _uuid(value: object, code: str, message: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if not UUID.match(text):
        raise WebChatError(400, code, message, f"not a version-4 UUID: {str(value)[:80]!r}")
    return text


def message_text(value: object) -> str:
    """Any string: the gateway answers empty and over-long texts itself (bot/gateway.py)."""
    if not isinstance(value, str):
        raise WebChatError(400, "bad_text", BAD_TEXT, f"text is {type(value).__name__}")
    return value


def coordinate(value: object, limit: float, name: str) -> float:
    # bool is an int in Python; a JSON true is no coordinate.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WebChatError(400, "bad_coordinates", BAD_COORDINATES, f"{name} is {value!r:.40}")
    number = float(value)
    if not math.isfinite(number) or abs(number) > limit:
        raise WebChatError(400, "bad_coordinates", BAD_COORDINATES, f"{name} {number} out of range")
    return round(number, 6)


def language(value: object) -> str | None:
    """The browser's language tag (navigator.language), lower-cased; anything odd is dropped."""
    if not isinstance(value, str):
        return None
    tag = value.strip().lower().replace("_", "-")
    return tag if LANGUAGE.match(tag) else None


def after(value: str | None) -> int:
    if value is None or value == "":
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise WebChatError(400, "bad_after", BAD_AFTER, f"after={value[:40]!r}")
    return int(value)


def check_length(request: Request, limit: int, too_large: str = TOO_LARGE) -> None:
    """Refuse a body larger than `limit` bytes before reading it (browsers always send the length)."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise WebChatError(411, "length_required", LENGTH_REQUIRED, f"content-length {declared!r}")
    if int(declared) > limit:
        raise WebChatError(413, "too_large", too_large, f"{declared} bytes > {limit}")


async def json_object(request: Request, limit: int) -> dict[str, Any]:
    check_length(request, limit)
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: [[[[… bombs
        raise WebChatError(400, "bad_request", BAD_REQUEST, f"invalid JSON: {error!r:.200}") from error
    if not isinstance(body, dict):
        raise WebChatError(400, "bad_request", BAD_REQUEST, f"JSON {type(body).__name__}, not an object")
    return body
