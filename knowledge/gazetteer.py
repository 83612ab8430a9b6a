"""Place names of the sample city (geo/gazetteer.yml)."""

from __future__ import annotations

from functools import lru_cache

from knowledge import load_yaml


@lru_cache(maxsize=1)
def place_names() -> tuple[str, ...]:
    """Every named place: districts, streets, roads, landmarks, markets, communities, estates."""
    data = load_yaml("geo/gazetteer.yml")
    names: list[str] = []
    for district, info in data["districts"].items():
        names.append(str(district))
        names.extend(str(street) for street in info.get("streets", []))
    for group in ("roads", "landmarks", "markets", "communities", "estates"):
        names.extend(str(name) for name in data.get(group, []))
    return tuple(dict.fromkeys(names))
