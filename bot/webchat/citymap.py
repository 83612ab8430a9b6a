"""The city's districts, streets and communities for the page's map picker, from cityplatform.geo.

The city is $CITY (a key of knowledge/geo/cities.yml), Jiangmen by default. The GeoJSON the page
gets keeps only what it draws and names; the shapes are the same file the platform locates with,
so a point picked inside a street on the page is inside it for the platform too.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from cityplatform.geo import Area, CityMap, load_city
from knowledge import DATA_DIR

DEFAULT_CITY = "jiangmen"
PROPERTIES = ("level", "name", "district", "street", "code")
# Places drawn as labelled dots so residents can find their way on a schematic map.
LANDMARK_KINDS = ("landmark", "market")


def city_key() -> str:
    return os.environ.get("CITY", "").strip() or DEFAULT_CITY


def city_map() -> CityMap:
    return load_city(city_key())


@lru_cache(maxsize=4)
def map_document(key: str) -> bytes:
    """The page's map as UTF-8 JSON: a GeoJSON FeatureCollection plus `bbox`, `metadata` and `places`."""
    city = load_city(key)  # validates the file
    with open(DATA_DIR / "geo" / f"{key}.geojson", encoding="utf-8") as handle:
        source = json.load(handle)
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in (f.get("properties") or {}).items() if k in PROPERTIES},
            "geometry": f["geometry"],
        }
        for f in source.get("features", [])
    ]
    lons, lats = zip(*_points(features), strict=True)
    document = {
        "type": "FeatureCollection",
        "metadata": {"city": city.name, "key": key},
        "bbox": [min(lons), min(lats), max(lons), max(lats)],
        "features": features,
        "places": [
            {"name": p.name, "kind": p.kind, "latitude": p.latitude, "longitude": p.longitude}
            for p in city.places
            if p.kind in LANDMARK_KINDS and city.contains(p.latitude, p.longitude)
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _points(features: list[dict[str, Any]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for ring in polygon:
                points.extend((float(p[0]), float(p[1])) for p in ring)
    return points


def where(area: Area) -> str:
    """蓬江区白沙街道东风社区: how the page and the offers name a place."""
    return f"{area.district}{area.street}{area.community or ''}"
