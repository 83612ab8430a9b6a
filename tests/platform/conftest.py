"""Platform API tests: the real FastAPI app on a real database, through HTTP (TestClient)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cityplatform.api.app import create_app
from cityplatform.api.dependencies import Platform
from cityplatform.geo import load_city
from cityplatform.settings import PlatformSettings
from tests.platform.databases import fresh_postgres_database, postgres_bin, postgres_cluster

TOKEN = "test-token"
OPEN311_KEY = "open311-test-key"
SHANGHAI = timezone(timedelta(hours=8))
# Monday 2026-11-23, 10:00 in Jiangmen: inside working hours.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
# A tiny valid JPEG header is enough for the magic-byte check.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


@dataclass
class FrozenClock:
    now: datetime = MONDAY_10AM

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    if postgres_bin("pg_ctl") is None or postgres_bin("initdb") is None:
        yield None
        return
    with postgres_cluster() as url:
        yield url


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    if postgres_admin_url is None:
        pytest.skip("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:55]
    return fresh_postgres_database(postgres_admin_url, name)


@dataclass
class Api:
    """A TestClient with the token, the clock, and helpers for what most tests do."""

    client: TestClient
    clock: FrozenClock
    settings: PlatformSettings
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(path, json=body, headers={**self.headers, **headers})

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(path, json=body, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    @property
    def platform(self) -> Platform:
        """The app's own objects, to look into the database behind the API."""
        platform: Platform = self.client.app.state.platform  # type: ignore[attr-defined]
        return platform

    def report(self, expected: int = 201, key: str | None = None, **body: Any) -> dict[str, Any]:
        """POST a case; body fields override a garbage report by resident 1001 at 东湖公园."""
        self.counter[0] += 1
        payload: dict[str, Any] = {
            "category": "exposed_garbage",
            "description": "路边堆了很多垃圾，好几天没人清理",
            "reporter": {"channel": "telegram", "user_id": "1001", "chat_id": "1001", "name": "陈女士"},
            "source": "telegram",
            **place("东湖公园"),
            **body,
        }
        response = self.post("/api/v1/cases", payload, **{"Idempotency-Key": key or f"k{self.counter[0]}"})
        assert response.status_code == expected, response.text
        return dict(response.json())

    def move(self, code: str, action: str, expected: int = 200, **body: Any) -> dict[str, Any]:
        response = self.post(
            f"/api/v1/cases/{code}/transitions", {"action": action, "actor": "staff:li", **body}
        )
        assert response.status_code == expected, response.text
        return dict(response.json())

    def upload(self, data: bytes = JPEG, name: str = "photo.jpg") -> Any:
        return self.client.post("/api/v1/media", files={"file": (name, data)}, headers=self.headers)


def place(name: str) -> dict[str, Any]:
    """Coordinates of a gazetteer place, so tests follow the geography data."""
    found = load_city().resolve(name)
    assert found is not None, name
    return {"latitude": found.latitude, "longitude": found.longitude}


def make_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = PlatformSettings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        platform_api_token=TOKEN,
        open311_api_keys=OPEN311_KEY,
    )
    clock = FrozenClock()
    app = create_app(settings, clock)
    with TestClient(app) as client:
        yield Api(client, clock, settings)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(database_url, tmp_path)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'platform.sqlite3'}", tmp_path)
