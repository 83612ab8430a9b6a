"""How platform values read in a chat message: times, units, locations, rating buttons."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def local_time(iso: Any) -> str | None:
    """ "2026-11-25T17:30:00+08:00" -> "11月25日 17:30" (in the city's own offset, as the platform sends)."""
    if not isinstance(iso, str) or not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def unit_name(case: dict[str, Any]) -> str:
    unit = case.get("unit")
    name = unit.get("name") if isinstance(unit, dict) else None
    return str(name) if name else "相关部门"


def deadline_text(case: dict[str, Any]) -> str:
    return local_time(case.get("deadline")) or "近期"


def describe_location(location: Any) -> str:
    """The location as the resident will recognise it in the summary."""
    if not isinstance(location, dict):
        return "未提供"
    area = "".join(str(location[k]) for k in ("district", "street") if location.get(k))
    if location.get("address"):
        return f"{location['address']}（{area}）" if area else str(location["address"])
    near = "".join(str(location[k]) for k in ("street", "community") if location.get(k))
    return f"您发送的定位（{near}附近）" if near else "您发送的定位"


def rating_buttons(code: str | None) -> list[dict[str, str]]:
    """满意 / 基本满意 / 不满意, each naming the case when it is known."""
    buttons = []
    for rating, title in RATINGS.items():
        entities: dict[str, str] = {"rating": rating}
        if code:
            entities["case_ref"] = code
        buttons.append(
            {"title": title, "payload": "/rate_service" + json.dumps(entities, ensure_ascii=False)}
        )
    return buttons
