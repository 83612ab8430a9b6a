"""Point-in-polygon by ray casting, with a bounding-box prefilter (no GIS dependency)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Edge = tuple[float, float, float, float]  # x1, y1, x2, y2 with y1 <= y2 (lon, lat)


@dataclass(frozen=True)
class Shape:
    """A GeoJSON Polygon or MultiPolygon. Crossings are counted over all rings (even-odd rule), so
    holes and multi-part shapes need no special case."""

    edges: tuple[Edge, ...]
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def from_geojson(cls, geometry: dict[str, Any]) -> Shape:
        kind = geometry.get("type")
        if kind == "Polygon":
            rings = list(geometry["coordinates"])
        elif kind == "MultiPolygon":
            rings = [ring for polygon in geometry["coordinates"] for ring in polygon]
        else:
            raise ValueError(f"expected a Polygon or MultiPolygon, got {kind!r}")
        edges: list[Edge] = []
        for ring in rings:
            edges.extend(_ring_edges(ring))
        lons = [x for e in edges for x in (e[0], e[2])]
        lats = [y for e in edges for y in (e[1], e[3])]
        return cls(tuple(edges), min(lats), min(lons), max(lats), max(lons))

    def contains(self, latitude: float, longitude: float) -> bool:
        if not (self.south <= latitude <= self.north and self.west <= longitude <= self.east):
            return False
        inside = False
        for x1, y1, x2, y2 in self.edges:
            # Half-open in y, so a ray through a vertex counts once. Edges are stored lower end first,
            # so an edge shared by two neighbours gives both the same crossing: a point on it is in one.
            if y1 <= latitude < y2 and longitude < x1 + (latitude - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside


def _ring_edges(ring: Sequence[Sequence[float]]) -> list[Edge]:
    points = [(float(p[0]), float(p[1])) for p in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(set(points)) < 3:
        raise ValueError("a ring needs at least 3 distinct points")
    edges: list[Edge] = []
    for (xa, ya), (xb, yb) in zip(points, points[1:] + points[:1], strict=True):
        if ya == yb:
            continue  # horizontal edges never cross a horizontal ray under the half-open rule
        edges.append((xa, ya, xb, yb) if ya < yb else (xb, yb, xa, ya))
    return edges
