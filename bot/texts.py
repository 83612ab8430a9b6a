"""What the gateway itself says to residents (everything else comes from Rasa's domain).

Polite Simplified Chinese, in the voice of a 城管 hotline agent. Channels share these texts so
Telegram and the web chat answer alike.
"""

from __future__ import annotations

# Rasa is down, failing or slow: the message is kept and handled when it is back.
BUSY = "系统繁忙，稍后为您处理。您的消息我们已经收到，恢复后会按顺序自动处理，不需要重复发送。"

# Texts the gateway does not pass on to Rasa.
EMPTY_TEXT = "您好，消息好像是空的。请直接输入您要反映的问题或咨询的内容，也可以发送照片或位置。"
TOO_LONG = "您的消息有 {length} 字，超过了 {limit} 字的上限。请精简后分几条发送，谢谢您的理解。"
UNSUPPORTED_MESSAGE = "抱歉，这类消息暂时无法处理。请发送文字、照片或位置，我们会尽快为您处理。"

# Photos (bot/photos.py); the platform's upload being down.
PHOTO_EMPTY = "照片内容是空的，请重新发送一次。"
PHOTO_TOO_LARGE = "照片超过 {limit}，请压缩后再发送。"
PHOTO_TOO_MANY_PIXELS = "照片尺寸过大，请缩小后再发送。"
PHOTO_NOT_IMAGE = "收到的文件不是有效的图片，请发送 JPG、PNG 或 WebP 格式的照片。"
PHOTO_UNSUPPORTED_TYPE = "暂不支持这种图片格式，请发送 JPG、PNG 或 WebP 格式的照片。"
PHOTO_UPLOAD_FAILED = "照片暂时无法保存，系统繁忙，请稍后再发送一次，给您添麻烦了。"

# The resident's data was erased (/delete_me).
FORGOTTEN = "您的对话记录和个人信息已经删除。如需再次反映问题，直接发消息给我们就可以。"


def too_long(length: int, limit: int) -> str:
    return TOO_LONG.format(length=length, limit=limit)


def photo_too_large(limit_bytes: int) -> str:
    megabytes = limit_bytes / (1024 * 1024)
    limit = f"{megabytes:.3g} MB" if megabytes >= 1 else f"{max(1, limit_bytes // 1024)} KB"
    return PHOTO_TOO_LARGE.format(limit=limit)
