"""Checks every city in knowledge/geo/cities.yml: polygons tile without overlap, places lie inside."""

import json

import pytest

from cityplatform.geo import load_city
from cityplatform.geo.city import CityMap, Region
from knowledge import DATA_DIR
from knowledge.gazetteer import active_city, cities, gazetteer, place_names

CITIES = sorted(cities())


def regions(city: CityMap, level: str) -> list[Region]:
    return [r for r in city.regions if r.level == level]


def sample_points(city: CityMap, steps: int = 160) -> list[tuple[float, float]]:
    """A grid over the city's bounding box, a little beyond it."""
    shapes = [r.shape for r in city.regions]
    south, north = min(s.south for s in shapes) - 0.002, max(s.north for s in shapes) + 0.002
    west, east = min(s.west for s in shapes) - 0.002, max(s.east for s in shapes) + 0.002
    return [
        (south + (north - south) * i / steps, west + (east - west) * j / steps)
        for i in range(steps + 1)
        for j in range(steps + 1)
    ]


def test_active_city_is_listed() -> None:
    assert active_city() in CITIES


@pytest.mark.parametrize("key", CITIES)
def test_levels_nest_and_never_overlap(key: str) -> None:
    city = load_city(key)
    districts, streets, communities = (regions(city, level) for level in ("district", "street", "community"))
    assert districts
    assert streets
    problems = []
    for lat, lon in sample_points(city):
        in_districts = [d for d in districts if d.contains(lat, lon)]
        in_streets = [s for s in streets if s.contains(lat, lon)]
        in_communities = [c for c in communities if c.contains(lat, lon)]
        if len(in_districts) > 1 or len(in_streets) > 1 or len(in_communities) > 1:
            problems.append((lat, lon, "overlap"))
        elif len(in_streets) != len(in_districts):
            problems.append((lat, lon, "districts and streets do not cover the same area"))
        elif in_streets and in_streets[0].district != in_districts[0].name:
            problems.append((lat, lon, "street outside its district"))
        elif in_communities and not (
            in_streets
            and (in_streets[0].district, in_streets[0].name)
            == (in_communities[0].district, in_communities[0].street)
        ):
            problems.append((lat, lon, "community outside its street"))
    assert problems == []


def test_sampling_sees_the_whole_jiangmen_map() -> None:
    city = load_city("jiangmen")
    areas = [city.locate(lat, lon) for lat, lon in sample_points(city, 120)]
    streets = {a.street for a in areas if a}
    communities = {a.community for a in areas if a and a.community}
    assert streets == {s.name for s in regions(city, "street")}
    assert communities == {c.name for c in regions(city, "community")}
    assert any(a is None for a in areas)
    assert any(a and a.community is None for a in areas)


@pytest.mark.parametrize("key", CITIES)
def test_every_gazetteer_point_is_inside_the_city(key: str) -> None:
    city = load_city(key)
    outside = [
        (entry.name, point)
        for entry in gazetteer(key)
        for point in ((entry.point,) if entry.point else ()) + entry.path
        if not city.contains(*point)
    ]
    assert outside == []
    assert [entry.name for entry in gazetteer(key) if entry.point is None] == []


@pytest.mark.parametrize("key", CITIES)
def test_communities_and_streets_match_their_polygons(key: str) -> None:
    city = load_city(key)
    wrong = []
    for entry in gazetteer(key):
        area = city.locate(*entry.point) if entry.point else None
        if entry.kind == "community" and (area is None or area.community != entry.name):
            wrong.append((entry.name, area))
        street = (area.district, area.street) if area else None
        if entry.kind == "street" and street != (entry.district, entry.name):
            wrong.append((entry.name, area))
        if entry.kind == "district" and (area is None or area.district != entry.name):
            wrong.append((entry.name, area))
    assert wrong == []


@pytest.mark.parametrize("key", CITIES)
def test_gazetteer_and_polygons_name_the_same_places(key: str) -> None:
    city = load_city(key)
    names = {(e.kind, e.name) for e in gazetteer(key) if e.kind in ("district", "street", "community")}
    drawn = {(r.level, r.name) for r in city.regions}
    assert drawn == names


@pytest.mark.parametrize("key", CITIES)
def test_every_street_has_its_own_unit(key: str) -> None:
    streets = regions(load_city(key), "street")
    assert all(s.unit_code and s.unit_name for s in streets)
    assert len({s.unit_code for s in streets}) == len(streets)
    assert all(s.code.isascii() for s in load_city(key).regions)


def test_jiangmen_data_is_marked_as_demonstration_data() -> None:
    with open(DATA_DIR / "geo" / "jiangmen.geojson", encoding="utf-8") as handle:
        metadata = json.load(handle)["metadata"]
    assert "not survey data" in metadata["provenance"]
    assert metadata["city"] == "江门"


def test_well_known_places_are_named_and_resolve() -> None:
    city = load_city("jiangmen")
    for name in ("五邑路", "建设路", "东湖公园", "下沙公园", "良化市场", "东风社区", "迎南社区"):
        assert name in place_names()
        place = city.resolve(name)
        assert place is not None
        assert place.name == name
