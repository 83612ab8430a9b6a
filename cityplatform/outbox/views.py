"""Outbox rows as JSON for the internal API (docs/platform-api.md)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from cityplatform.cases.views import local_iso
from cityplatform.db.models import OutboxMessage


def item_view(row: OutboxMessage, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel,
        "chat_id": row.chat_id,
        "chat_type": row.chat_type,
        "text": row.text,
        "buttons": [{"title": b["title"], "payload": b["payload"]} for b in row.buttons],
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "dedupe_key": row.dedupe_key,
        "not_before": local_iso(row.not_before, tz),
        "lease_until": local_iso(row.lease_until, tz),
        "last_error": row.last_error,
        "created_at": local_iso(row.created_at, tz),
        "sent_at": local_iso(row.sent_at, tz),
    }
