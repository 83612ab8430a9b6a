"""The 万米单元网格 cell of a point: an H3 cell (docs/geo.md explains the resolution)."""

from __future__ import annotations

import h3  # type: ignore[import-untyped]

# Resolution 10: ≈ 14,900 m² per cell in Jiangmen, the H3 size nearest the standard's 10,000 m².
GRID_RESOLUTION = 10


def grid_cell(latitude: float, longitude: float) -> str:
    """The H3 cell id (15 hex digits) of a WGS-84 point."""
    return str(h3.latlng_to_cell(latitude, longitude, GRID_RESOLUTION))
