"""Local media store: files under MEDIA_DIR, addressed by a random id, typed by magic bytes."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

# Magic bytes of the image types we accept; the file name and the declared type are not trusted.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def sniff_image_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class MediaRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    id: str
    sha256: str
    size: int
    mime_type: str
    storage_key: str


class LocalMediaStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def save(self, data: bytes) -> StoredFile:
        if not data:
            raise MediaRejected("empty_file", "上传的文件是空的，请重新选择照片。")
        if len(data) > self.max_bytes:
            limit_mb = self.max_bytes // (1024 * 1024)
            raise MediaRejected("file_too_large", f"照片太大了，请发送不超过 {limit_mb} MB 的照片。")
        mime_type = sniff_image_type(data[:16])
        if mime_type is None:
            raise MediaRejected("unsupported_media_type", "只能接收 JPEG、PNG 或 WebP 格式的照片。")
        media_id = secrets.token_hex(16)
        key = f"{media_id[:2]}/{media_id}.{EXTENSIONS[mime_type]}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        return StoredFile(media_id, hashlib.sha256(data).hexdigest(), len(data), mime_type, key)

    def path_of(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key outside the media root")
        return path
