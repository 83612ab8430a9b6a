"""The real platform app served by uvicorn in a thread, for the gateway's client and outbox tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from cityplatform.api.app import create_app
from cityplatform.settings import PlatformSettings
from citysteward.stack import free_port

TOKEN = "gateway-test-token"


@dataclass(frozen=True)
class RunningPlatform:
    url: str
    token: str = TOKEN

    def http(self) -> httpx.AsyncClient:
        """A plain HTTP client for what the gateway client does not do (queueing, listing)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.AsyncClient(base_url=f"{self.url}/api/v1", headers=headers, timeout=10)


@contextmanager
def serve(app: Any, port: int) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread (its own event loop) until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_platform(data_dir: Path, port: int | None = None) -> Iterator[RunningPlatform]:
    """The real platform app on a SQLite file and a media folder under `data_dir`.

    Serving the same `data_dir` again (e.g. on the same port) brings back the same platform.
    """
    settings = PlatformSettings(
        database_url=f"sqlite:///{data_dir / 'platform.sqlite3'}",
        media_dir=data_dir / "media",
        platform_api_token=TOKEN,
    )
    with serve(create_app(settings), port or free_port()) as url:
        yield RunningPlatform(url)
