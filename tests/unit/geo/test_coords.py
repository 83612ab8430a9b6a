import math

import h3  # type: ignore[import-untyped]

from cityplatform.geo import GRID_RESOLUTION, distance_m, grid_cell, wgs84_to_gcj02
from cityplatform.geo.coords import EARTH_RADIUS_M

# Metres to degrees near Jiangmen, for test offsets.
M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / M_PER_DEG_LAT, lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


def test_gcj02_known_values() -> None:
    # Tiananmen: the widely quoted pair for the published algorithm.
    lat, lon = wgs84_to_gcj02(39.908823, 116.397470)
    assert abs(lat - 39.910225) < 1e-5
    assert abs(lon - 116.403717) < 1e-5
    # Test vector of the eviltransform reference implementation.
    lat, lon = wgs84_to_gcj02(39.915, 116.404)
    assert abs(lat - 39.91640428150164) < 1e-9
    assert abs(lon - 116.41024449916938) < 1e-9


def test_gcj02_offset_in_jiangmen_is_a_few_hundred_metres() -> None:
    lat, lon = wgs84_to_gcj02(22.5795, 113.0815)
    assert 200 < distance_m(22.5795, 113.0815, lat, lon) < 800


def test_gcj02_is_identity_outside_china() -> None:
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)  # Paris
    assert wgs84_to_gcj02(35.6895, 139.6917) == (35.6895, 139.6917)  # Tokyo
    assert wgs84_to_gcj02(0.0, 0.0) == (0.0, 0.0)


def test_distance_known_values() -> None:
    assert abs(distance_m(22.6, 113.0, 23.6, 113.0) - 111_195.08) < 0.1  # one degree of a meridian
    assert distance_m(22.5795, 113.0815, 22.5795, 113.0815) == 0
    # Tiananmen to People's Square, Shanghai: about 1,067 km.
    assert 1_060_000 < distance_m(39.9087, 116.3975, 31.2304, 121.4737) < 1_075_000
    north = offset(22.6, 113.09, 50, 0)
    assert abs(distance_m(22.6, 113.09, *north) - 50) < 0.01


def test_grid_cell_is_a_stable_h3_id_of_about_a_hectare() -> None:
    cell = grid_cell(22.5795, 113.0815)
    assert cell == "8a411d02aadffff"
    assert cell == grid_cell(22.5795, 113.0815)
    assert h3.get_resolution(cell) == GRID_RESOLUTION
    assert 9_000 < h3.cell_area(cell, "m^2") < 20_000


def test_points_30_m_apart_usually_share_a_cell_and_500_m_apart_never() -> None:
    pairs_30, pairs_500 = 0, 0
    samples = 400
    for i in range(samples):
        lat, lon = 22.55 + (i % 20) * 0.0041, 113.03 + (i // 20) * 0.0053
        bearing = math.radians(i * 37 % 360)
        near = offset(lat, lon, 30 * math.cos(bearing), 30 * math.sin(bearing))
        far = offset(lat, lon, 500 * math.cos(bearing), 500 * math.sin(bearing))
        pairs_30 += grid_cell(lat, lon) == grid_cell(*near)
        pairs_500 += grid_cell(lat, lon) == grid_cell(*far)
    assert pairs_30 / samples > 0.6  # measured 0.72 for random pairs
    assert pairs_500 == 0
