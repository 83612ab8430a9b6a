import pytest

from cityplatform.geo import Area, Place, load_city

CITY = load_city()


def test_default_city_is_jiangmen_and_cached() -> None:
    assert CITY.name == "江门"
    assert CITY.key == "jiangmen"
    assert load_city("jiangmen") is CITY
    assert load_city() is CITY


@pytest.mark.parametrize(
    ("lat", "lon", "district", "street", "community"),
    [
        (22.5795, 113.0815, "蓬江区", "白沙街道", "东风社区"),  # 五邑路, the API example
        (22.5880, 113.0910, "蓬江区", "白沙街道", "东湖社区"),
        (22.5810, 113.0700, "蓬江区", "仓后街道", "育德社区"),
        (22.5800, 113.1050, "蓬江区", "堤东街道", "迎南社区"),
        (22.6140, 113.0665, "蓬江区", "北街街道", "北街社区"),
        (22.5740, 113.0380, "蓬江区", "环市街道", "篁庄社区"),
        (22.6375, 113.1150, "蓬江区", "潮连街道", None),
        (22.6600, 113.0480, "蓬江区", "棠下镇", None),
        (22.5635, 113.0828, "江海区", "江南街道", "江南社区"),
        (22.5850, 113.1310, "江海区", "外海街道", "外海社区"),
        (22.6100, 113.1300, "江海区", "外海街道", None),
        (22.5425, 113.1025, "江海区", "礼乐街道", "礼乐社区"),
    ],
)
def test_locate_known_points(
    lat: float, lon: float, district: str, street: str, community: str | None
) -> None:
    area = CITY.locate(lat, lon)
    assert area is not None
    assert (area.district, area.street, area.community) == (district, street, community)
    assert area.unit_name == f"{street}综合行政执法办公室"
    assert area.unit_code == f"{area.street_code}-zfzd"
    assert CITY.contains(lat, lon)


def test_locate_gives_the_street_unit() -> None:
    assert CITY.locate(22.5795, 113.0815) == Area(
        district="蓬江区",
        street="白沙街道",
        community="东风社区",
        unit_code="jm-pj-baisha-zfzd",
        unit_name="白沙街道综合行政执法办公室",
        street_code="jm-pj-baisha",
    )


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (23.13, 113.26),  # Guangzhou
        (22.20, 113.60),  # the sea off Macau
        (22.51, 113.03),  # 新会 town centre, just south-west of the map
        (0.0, 0.0),
        (-22.5795, -113.0815),
    ],
)
def test_points_outside_the_city(lat: float, lon: float) -> None:
    assert CITY.locate(lat, lon) is None
    assert not CITY.contains(lat, lon)


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("我在五邑路东湖公园门口", "东湖公园", "landmark"),
        ("五邑路东湖公园门口", "东湖公园", "landmark"),
        ("良化市场旁边", "良化市场", "market"),
        ("迎南社区3栋楼下", "迎南社区", "community"),
        ("东风社区", "东风社区", "community"),
        ("下沙公园", "下沙公园", "landmark"),
        ("建设路和五邑路交界", "建设路", "road"),  # same kind: the longer, then the earlier name
        ("白沙大道西那边有井盖坏了", "白沙大道西", "road"),  # not 白沙大道
        ("蓬江区白沙街道", "白沙街道", "street"),  # 蓬江区 hides the river 蓬江
        ("江海区", "江海区", "district"),
    ],
)
def test_resolve_names_in_sentences(text: str, name: str, kind: str) -> None:
    place = CITY.resolve(text)
    assert place is not None
    assert (place.name, place.kind) == (name, kind)
    assert CITY.contains(place.latitude, place.longitude)


@pytest.mark.parametrize("text", ["火星", "", "江门", "我家楼下"])
def test_resolve_unknown_text(text: str) -> None:
    assert CITY.resolve(text) is None


def test_resolved_point_is_the_gazetteer_point() -> None:
    assert CITY.resolve("东湖公园") == Place("东湖公园", "landmark", 22.5865, 113.0905)


def test_units_are_the_street_offices() -> None:
    units = CITY.units()
    assert ("jm-pj-baisha-zfzd", "白沙街道综合行政执法办公室") in units
    assert ("jm-jh-waihai-zfzd", "外海街道综合行政执法办公室") in units
    assert len(units) == len({code for code, _ in units}) == 12
