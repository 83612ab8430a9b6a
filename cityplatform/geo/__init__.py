"""Geography of the served city: which district, street, community and unit a point belongs to,
address text to a point, grid cells, and coordinate helpers.

Data lives in knowledge/geo/ (docs/geo.md); this package only reads it.
"""

from cityplatform.geo.city import Area, CityMap, Place, Region, load_city
from cityplatform.geo.coords import distance_m, wgs84_to_gcj02
from cityplatform.geo.grid import GRID_RESOLUTION, grid_cell

__all__ = [
    "GRID_RESOLUTION",
    "Area",
    "CityMap",
    "Place",
    "Region",
    "distance_m",
    "grid_cell",
    "load_city",
    "wgs84_to_gcj02",
]
