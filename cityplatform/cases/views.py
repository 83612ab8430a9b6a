"""Cases as JSON for the internal API (docs/platform-api.md). Never includes reporters' details."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cityplatform.cases.categories import category_infos
from cityplatform.cases.workflow import OPEN_STATUSES, STATUS_NAMES, Status
from cityplatform.db.models import Case


def local_iso(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def is_overdue(case: Case, now: datetime) -> bool:
    """Computed, never stored: past the deadline while the bureau still owes work."""
    return Status(case.status) in OPEN_STATUSES and case.deadline < now


def case_view(case: Case, now: datetime, tz: ZoneInfo, *, history: bool = True) -> dict[str, Any]:
    info = category_infos()[case.category]
    view: dict[str, Any] = {
        "code": case.code,
        "category": case.category,
        "category_name": info.name,
        "gbt_code": case.gbt_code,
        "gbt_major": info.gbt_major,
        "gbt_minor": info.gbt_minor,
        "description": case.description,
        "urgency": case.urgency,
        "status": case.status,
        "status_name": STATUS_NAMES[Status(case.status)],
        "latitude": case.latitude,
        "longitude": case.longitude,
        "gcj02": {"latitude": case.gcj02_latitude, "longitude": case.gcj02_longitude},
        "address": case.address,
        "grid_cell": case.grid_cell,
        "district": case.district,
        "street": case.street,
        "community": case.community,
        "unit": {"code": case.unit.code, "name": case.unit.name},
        "dispatch_deadline": local_iso(case.dispatch_deadline, tz),
        "arrive_deadline": local_iso(case.arrive_deadline, tz),
        "deadline": local_iso(case.deadline, tz),
        "overdue": is_overdue(case, now),
        "created_at": local_iso(case.created_at, tz),
        "updated_at": local_iso(case.updated_at, tz),
        "source": case.source,
        "photos": [{"id": photo.id, "stage": photo.stage} for photo in case.photos],
        "rating": case.rating,
    }
    if history:
        view["history"] = [
            {
                "at": local_iso(event.at, tz),
                "actor": public_actor(event.actor),
                "from": event.from_status,
                "to": event.to_status,
                "to_name": STATUS_NAMES[Status(event.to_status)],
                "note": event.note,
            }
            for event in case.events
        ]
    return view


def public_actor(actor: str) -> str:
    """Residents appear as 群众 in histories: their ids are personal data."""
    return "群众" if actor.startswith("resident:") else actor
