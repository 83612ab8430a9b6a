"""Reading what the platform put in the outbox, for tests."""

from __future__ import annotations

from typing import Any

from tests.platform.conftest import Api


def drain(api: Api) -> list[dict[str, Any]]:
    """Outbox rows written since the last call, oldest first (marked sent, so they show once)."""
    items = sorted(
        api.get("/api/v1/outbox", status="pending", limit=500).json()["items"], key=lambda i: i["id"]
    )
    for channel in {item["channel"] for item in items}:
        api.post("/api/v1/outbox/claim", {"channel": channel, "limit": 500})
    for item in items:
        assert api.post(f"/api/v1/outbox/{item['id']}/sent").status_code == 200
    return items
