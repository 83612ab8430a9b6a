"""Cases as Open311 service requests: public data only, never the reporter's details."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cityplatform.cases.categories import CategoryInfo
from cityplatform.cases.views import local_iso
from cityplatform.cases.workflow import STATUS_NAMES, Status
from cityplatform.db.models import Case

OPEN311_CLOSED = frozenset({Status.CLOSED.value, Status.RATED.value, Status.REJECTED.value})
# Mobile numbers and ID-card-like digit runs residents sometimes type into descriptions.
PERSONAL_NUMBER = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx]|\d{15})(?!\d)")


def redact(text: str) -> str:
    return PERSONAL_NUMBER.sub(lambda match: match.group(0)[:3] + "*" * (len(match.group(0)) - 3), text)


def open311_status(status: str) -> str:
    return "closed" if status in OPEN311_CLOSED else "open"


def service(info: CategoryInfo) -> dict[str, Any]:
    return {
        "service_code": info.key,
        "service_name": info.name,
        "description": f"{info.gbt_major}（{info.kind}）· {info.gbt_minor}，GB/T 30428 编码 {info.gbt_code}",
        "metadata": False,
        "type": "realtime",
        "keywords": info.key.replace("_", ","),
        "group": info.gbt_major,
    }


def service_request(case: Case, info: CategoryInfo, tz: ZoneInfo) -> dict[str, Any]:
    last_note = next((event.note for event in reversed(case.events) if event.note), None)
    notes = STATUS_NAMES[Status(case.status)]
    if last_note and case.status in (Status.REJECTED.value, Status.RETURNED.value, Status.REOPENED.value):
        notes += f"：{redact(last_note)}"
    return {
        "service_request_id": case.code,
        "status": open311_status(case.status),
        "status_notes": f"{notes}（{case.status}）",
        "service_name": info.name,
        "service_code": case.category,
        "description": redact(case.description),
        "agency_responsible": case.unit.name,
        "service_notice": None,
        "requested_datetime": local_iso(case.created_at, tz),
        "updated_datetime": local_iso(case.updated_at, tz),
        "expected_datetime": local_iso(case.deadline, tz),
        "address": redact(case.address)
        if case.address
        else f"{case.district}{case.street}{case.community or ''}",
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        # Photos may show faces and number plates; they are not published.
        "media_url": None,
    }


def parse_time(value: str | None, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
