"""A city's map: districts, streets and communities (GeoJSON) plus its gazetteer (YAML)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cityplatform.geo.polygon import Shape
from knowledge import DATA_DIR
from knowledge.gazetteer import active_city, cities, gazetteer

LEVELS = ("district", "street", "community")

# The most specific kind of place wins when an address names several (lower is more specific).
SPECIFICITY = {"landmark": 0, "market": 0, "estate": 0, "community": 0, "road": 1, "street": 2, "district": 3}


@dataclass(frozen=True)
class Area:
    """Where a point lies, and the street's enforcement unit that handles street-level events."""

    district: str
    street: str
    community: str | None
    unit_code: str
    unit_name: str
    street_code: str


@dataclass(frozen=True)
class Place:
    """A gazetteer place found in address text."""

    name: str
    kind: str  # district, street, road, landmark, market, community or estate
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Region:
    """One feature of the city's GeoJSON."""

    level: str
    name: str
    code: str
    district: str
    street: str | None
    unit_code: str | None
    unit_name: str | None
    shape: Shape

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.shape.contains(latitude, longitude)


class CityMap:
    """Locate points and resolve address text in one city. Immutable once built."""

    def __init__(self, key: str, name: str, regions: tuple[Region, ...], places: tuple[Place, ...]) -> None:
        self.key = key
        self.name = name
        self.regions = regions
        self.places = places
        self._streets = tuple(r for r in regions if r.level == "street")
        self._communities = {
            street.code: tuple(
                r
                for r in regions
                if r.level == "community" and r.street == street.name and r.district == street.district
            )
            for street in self._streets
        }
        # Longest names first, so that 白沙大道西 is taken before 白沙大道 and 蓬江区 before 蓬江.
        self._by_length = tuple(sorted(places, key=lambda p: -len(p.name)))

    def __repr__(self) -> str:
        return f"CityMap({self.key!r}, {self.name!r}, {len(self.regions)} regions, {len(self.places)} places)"

    def locate(self, latitude: float, longitude: float) -> Area | None:
        """The district, street, community and unit of a WGS-84 point; None outside the city."""
        street = next((s for s in self._streets if s.contains(latitude, longitude)), None)
        if street is None or street.unit_code is None or street.unit_name is None:
            return None
        community = next((c for c in self._communities[street.code] if c.contains(latitude, longitude)), None)
        return Area(
            district=street.district,
            street=street.name,
            community=community.name if community else None,
            unit_code=street.unit_code,
            unit_name=street.unit_name,
            street_code=street.code,
        )

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.locate(latitude, longitude) is not None

    def resolve(self, text: str) -> Place | None:
        """The gazetteer place that address text names, or None.

        Names are matched longest first without overlapping (蓬江区 hides the river 蓬江 inside it);
        of what remains the most specific kind wins (东湖公园 over 五邑路 over 白沙街道), then the
        longer name, then the earlier one.
        """
        taken: list[tuple[int, int, Place]] = []
        for place in self._by_length:
            start = text.find(place.name)
            while start >= 0:
                end = start + len(place.name)
                if all(end <= s or start >= e for s, e, _ in taken):
                    taken.append((start, end, place))
                start = text.find(place.name, start + 1)
        if not taken:
            return None
        _, _, best = min(taken, key=lambda t: (SPECIFICITY.get(t[2].kind, 9), -len(t[2].name), t[0]))
        return best

    def communities(self) -> list[Region]:
        """Every community of the city, in file order."""
        return [r for r in self.regions if r.level == "community"]

    def units(self) -> list[tuple[str, str]]:
        """(unit_code, unit_name) of every street's enforcement unit, in file order."""
        return list(
            dict.fromkeys((s.unit_code, s.unit_name) for s in self._streets if s.unit_code and s.unit_name)
        )


def _text(properties: dict[str, Any], key: str, where: str) -> str:
    value = properties.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: property {key!r} must be a non-empty string")
    return value


def _region(feature: dict[str, Any], where: str) -> Region:
    properties = feature.get("properties") or {}
    level = _text(properties, "level", where)
    if level not in LEVELS:
        raise ValueError(f"{where}: level must be one of {LEVELS}, got {level!r}")
    name = _text(properties, "name", where)
    where = f"{where} ({name})"
    street = _text(properties, "street", where) if level != "district" else None
    unit_code = _text(properties, "unit_code", where) if level == "street" else None
    unit_name = _text(properties, "unit_name", where) if level == "street" else None
    try:
        shape = Shape.from_geojson(feature.get("geometry") or {})
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{where}: bad geometry: {error}") from error
    return Region(
        level=level,
        name=name,
        code=_text(properties, "code", where),
        district=_text(properties, "district", where),
        street=street,
        unit_code=unit_code,
        unit_name=unit_name,
        shape=shape,
    )


def _check(regions: tuple[Region, ...], where: str) -> None:
    codes = [r.code for r in regions]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"{where}: duplicate codes {duplicates}")
    districts = {r.name for r in regions if r.level == "district"}
    streets = {(r.district, r.name) for r in regions if r.level == "street"}
    for r in regions:
        if r.level != "district" and r.district not in districts:
            raise ValueError(f"{where}: {r.name} names an unknown district {r.district!r}")
        if r.level == "community" and (r.district, r.street) not in streets:
            raise ValueError(f"{where}: {r.name} names an unknown street {r.street!r}")
    if not streets:
        raise ValueError(f"{where}: no streets")


def build_city(key: str) -> CityMap:
    """Read knowledge/geo/<key>.geojson and the city's gazetteer (uncached; see load_city)."""
    path = DATA_DIR / "geo" / f"{key}.geojson"
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    where = f"geo/{key}.geojson"
    regions = tuple(_region(f, f"{where}: feature {i}") for i, f in enumerate(data.get("features", [])))
    _check(regions, where)
    name = str((data.get("metadata") or {}).get("city") or key)
    places = tuple(
        Place(entry.name, entry.kind, entry.point[0], entry.point[1])
        for entry in (gazetteer(key) if key in cities() else ())
        if entry.point is not None
    )
    return CityMap(key, name, regions, places)


@lru_cache(maxsize=4)
def _cached(key: str) -> CityMap:
    return build_city(key)


def load_city(name: str | None = None) -> CityMap:
    """The map of city `name` (the key in knowledge/geo/cities.yml, e.g. "jiangmen"); the active city
    by default. Cached: later calls return the same object."""
    return _cached(name or active_city())
