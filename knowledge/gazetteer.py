"""Place names and points of a city (geo/cities.yml lists the cities; geo/gazetteer.yml is Jiangmen's).

A gazetteer group maps each name to `[latitude, longitude]`, to `{at: [lat, lon], path: [[lat, lon], ...]}`,
or to nothing (a name without a point yet); plain lists of names are accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from knowledge import load_yaml

# Gazetteer groups and the kind of place each holds, in the order names are listed.
GROUPS = {
    "roads": "road",
    "landmarks": "landmark",
    "markets": "market",
    "communities": "community",
    "estates": "estate",
}

Point = tuple[float, float]  # (latitude, longitude), WGS-84


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    kind: str  # district, street, road, landmark, market, community or estate
    district: str | None  # the district a street belongs to
    point: Point | None
    path: tuple[Point, ...] = ()


@lru_cache(maxsize=1)
def cities() -> dict[str, dict[str, Any]]:
    """City key -> its entry in geo/cities.yml."""
    return {str(key): dict(value or {}) for key, value in load_yaml("geo/cities.yml")["cities"].items()}


def active_city() -> str:
    """The key of the city this deployment serves (geo/cities.yml `active`)."""
    return str(load_yaml("geo/cities.yml")["active"])


def _point(value: Any, where: str) -> Point:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)):
        raise ValueError(f"{where}: expected [latitude, longitude], got {value!r}")
    latitude, longitude = float(value[0]), float(value[1])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"{where}: [{latitude}, {longitude}] is not a latitude and longitude")
    return latitude, longitude


def _entry(name: Any, value: Any, kind: str, district: str | None, where: str) -> GazetteerEntry:
    where = f"{where}: {name}"
    if value is None:
        return GazetteerEntry(str(name), kind, district, None)
    if isinstance(value, list):
        return GazetteerEntry(str(name), kind, district, _point(value, where))
    if isinstance(value, dict):
        point = _point(value["at"], where) if value.get("at") is not None else None
        path = tuple(_point(p, where) for p in value.get("path") or ())
        return GazetteerEntry(str(name), kind, district, point, path)
    raise ValueError(f"{where}: expected [latitude, longitude] or a mapping, got {value!r}")


def _items(group: Any) -> list[tuple[Any, Any]]:
    if group is None:
        return []
    if isinstance(group, dict):
        return list(group.items())
    return [(name, None) for name in group]


@lru_cache(maxsize=8)
def gazetteer(city: str | None = None) -> tuple[GazetteerEntry, ...]:
    """Every place of the city (the active one by default): districts, their streets, then each group."""
    key = city or active_city()
    filename = str(cities()[key].get("gazetteer", f"{key}.gazetteer.yml"))
    where = f"geo/{filename}"
    data = load_yaml(where)
    entries: list[GazetteerEntry] = []
    for district, info in data["districts"].items():
        info = info or {}
        entries.append(_entry(district, info.get("at"), "district", str(district), where))
        for street, value in _items(info.get("streets")):
            entries.append(_entry(street, value, "street", str(district), where))
    for group, kind in GROUPS.items():
        entries.extend(_entry(name, value, kind, None, where) for name, value in _items(data.get(group)))
    return tuple(entries)


@lru_cache(maxsize=1)
def place_names() -> tuple[str, ...]:
    """Every named place: districts, streets, roads, landmarks, markets, communities, estates."""
    return tuple(dict.fromkeys(entry.name for entry in gazetteer()))
