"""Files the fake Bot API hands out: file ids, getFile answers and the bytes behind file paths."""

from __future__ import annotations

import io
import threading
from typing import Any

from PIL import Image

JSON = dict[str, Any]
THUMBNAIL_SIDES = (90, 320)


class FakeMedia:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self._counter = 0

    def register(self, data: bytes, filename: str = "file") -> tuple[str, str]:
        """Store bytes; returns (file_id, file_unique_id)."""
        with self._lock:
            self._counter += 1
            number = self._counter
            suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
            file_id = f"AgACAgUAAx{number:06d}"
            self._files[file_id] = (f"files/file_{number}.{suffix}", data)
        return file_id, f"AQAD{number:06d}"

    def photo_size(self, data: bytes, width: int, height: int) -> JSON:
        file_id, unique_id = self.register(data, "photo.jpg")
        return {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": width,
            "height": height,
            "file_size": len(data),
        }

    def variants(self, data: bytes) -> list[tuple[bytes, int, int]]:
        """The sizes Telegram keeps of a photo, smallest first; the original bytes come last."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                smaller = []
                for side in THUMBNAIL_SIDES:
                    if max(width, height) <= side:
                        continue
                    thumb = image.convert("RGB")
                    thumb.thumbnail((side, side))
                    out = io.BytesIO()
                    thumb.save(out, "JPEG", quality=70)
                    smaller.append((out.getvalue(), thumb.width, thumb.height))
        except Exception:  # not an image (tests of the magic-byte check): one "size"
            return [(data, 800, 600)]
        return [*smaller, (data, width, height)]

    def get_file(self, file_id: str) -> JSON | None:
        with self._lock:
            found = self._files.get(file_id)
        if found is None:
            return None
        path, data = found
        return {
            "file_id": file_id,
            "file_unique_id": f"AQAD{file_id[-6:]}",
            "file_size": len(data),
            "file_path": path,
        }

    def by_path(self, file_path: str) -> bytes | None:
        with self._lock:
            for path, data in self._files.values():
                if path == file_path:
                    return data
        return None
