"""knowledge/categories.yml and units.yml: every field present and valid, urgency rules, and
clear errors for broken data."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from knowledge import DATA_DIR
from knowledge.taxonomy import (
    GBT_MAJORS,
    STREET_UNIT,
    Duration,
    TaxonomyError,
    categories,
    parse_categories,
    parse_duration,
    parse_units,
    units,
    urgency,
)
from tests.unit.test_training_data import CANONICAL_CATEGORIES

HAN = re.compile(r"[\u4e00-\u9fff]")


def _raw_categories() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "categories.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_keys_equal_the_architecture_contract() -> None:
    # CANONICAL_CATEGORIES is the ARCHITECTURE.md list, in its order.
    assert list(categories()) == CANONICAL_CATEGORIES


def test_every_category_has_every_field() -> None:
    for key, category in categories().items():
        assert category.key == key
        assert HAN.search(category.name), key
        assert category.kind in ("部件", "事件"), key
        assert category.terms, key
        assert category.synonyms, key
        assert category.sources, key
        assert all(HAN.search(s) for s in category.synonyms), key
        assert re.fullmatch(r"\d{4}", category.gbt.code), key
        assert GBT_MAJORS[category.gbt.kind][category.gbt.major_code] == category.gbt.major, key
        assert category.gbt.minor, key
        assert any("GB/T 30428.2" in source for source in category.sources), key
        normal = category.deadlines.normal
        assert isinstance(normal.dispatch, Duration), key
        assert isinstance(normal.handle, Duration), key
        urgent = category.deadlines.urgent
        assert (urgent is None) == category.urgent_when.never, key
        if urgent is not None:
            assert urgent.arrive is not None, key


def test_every_unit_is_street_or_a_listed_department() -> None:
    departments = units()
    assert STREET_UNIT not in departments
    for key, category in categories().items():
        assert category.unit == STREET_UNIT or category.unit in departments, key
    for code, unit in departments.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code)
        assert HAN.search(unit.name), code
    assert categories()["manhole"].unit == "municipal"
    assert categories()["street_vending"].unit == STREET_UNIT
    assert categories()["gas_safety"].unit == "gas"


def test_existing_fields_are_kept() -> None:
    manhole = categories()["manhole"]
    assert (manhole.key, manhole.name, manhole.kind) == ("manhole", "井盖问题", "部件")
    assert "井盖" in manhole.terms
    assert (manhole.gbt.code, manhole.gbt.major) == ("0102", "公用设施")


@pytest.mark.parametrize(
    ("key", "description", "expected"),
    [
        ("manhole", "五邑路东湖公园门口有个井盖缺失了", "urgent"),
        ("manhole", "五邑路的井盖丢失了，很危险", "urgent"),
        ("manhole", "建设路车道上的井盖翻起来了", "urgent"),
        ("manhole", "井 盖 没 有 盖", "urgent"),  # spaces are ignored
        ("manhole", "井盖有点响", "normal"),
        ("manhole", "小区门口井盖松动，踩上去咯噔响", "normal"),
        ("gas_safety", "闻到煤气味", "urgent"),
        ("gas_safety", "楼下餐馆的煤气罐放在门口", "urgent"),  # always urgent
        ("road_damage", "白沙大道路面塌陷了一个大坑", "urgent"),
        ("road_damage", "人行道地砖有点松", "normal"),
        ("greenery", "台风把行道树吹倒了，倒在路上", "urgent"),
        ("greenery", "绿化带的草好久没剪了", "normal"),
        ("illegal_parking", "有车堵住了小区的消防通道", "urgent"),
        ("street_vending", "门口有人摆摊", "normal"),
        ("noise", "凌晨两点还在施工", "urgent"),
    ],
)
def test_urgency_rules(key: str, description: str, expected: str) -> None:
    assert urgency(key, description) == expected


def test_urgency_of_an_unknown_category_is_an_error() -> None:
    with pytest.raises(KeyError, match="flying_saucer"):
        urgency("flying_saucer", "井盖缺失")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 working_hours", Duration(2, "working_hours")),
        ("1 working_day", Duration(1, "working_days")),
        (" 10 minutes ", Duration(10, "minutes")),
        ("1 hour", Duration(1, "hours")),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(str(expected)) == expected


@pytest.mark.parametrize(
    "text", ["2", "2 weeks", "0 hours", "-1 hours", "1.5 hours", "two hours", "2working_hours"]
)
def test_parse_duration_refuses_bad_strings(text: str) -> None:
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


def test_duration_labels_read_as_chinese() -> None:
    assert [
        parse_duration(t).label_zh for t in ("30 minutes", "2 hours", "2 working_hours", "3 working_days")
    ] == [
        "30分钟",
        "2小时",
        "2个工作小时",
        "3个工作日",
    ]


def _broken(key: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(_raw_categories())
    data["categories"] = {key: data["categories"][key]}
    data["categories"][key].update(changes)
    return data


@pytest.mark.parametrize(
    ("key", "changes", "message"),
    [
        ("manhole", {"unit": "police"}, "unknown unit code 'police'"),
        (
            "manhole",
            {"deadlines": {"normal": {"dispatch": "2 fortnights", "handle": "1 hours"}}},
            "bad duration",
        ),
        ("manhole", {"deadlines": {"normal": {"dispatch": "1 hours"}}}, "`handle` is missing"),
        (
            "manhole",
            {
                "deadlines": {
                    "normal": {"dispatch": "1 hours", "handle": "2 hours"},
                    "urgent": {"dispatch": "10 minutes", "handle": "1 hours"},
                }
            },
            "`arrive` is missing",
        ),
        ("street_vending", {"urgent_when": {"any_of": ["消防通道"]}}, "must be given together"),
        ("manhole", {"urgent_when": {"sometimes": True}}, "urgent_when"),
        ("manhole", {"gbt": {"code": "0102", "major": "道路交通", "minor": "污水井盖"}}, "is '公用设施'"),
        ("manhole", {"gbt": {"code": "102", "major": "公用设施", "minor": "污水井盖"}}, "four digits"),
        ("manhole", {"synonyms": []}, "`synonyms` must be a non-empty list"),
        ("manhole", {"deadline": {}}, "unknown field `deadline`"),
        ("manhole", {"kind": "东西"}, "`kind` must be"),
    ],
)
def test_invalid_categories_are_refused_with_a_clear_error(
    key: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        parse_categories(_broken(key, **changes), set(units()))


def test_all_problems_are_reported_at_once() -> None:
    data = _broken("manhole", unit="police", sources=[])
    with pytest.raises(TaxonomyError) as error:
        parse_categories(data, set(units()))
    assert "unknown unit code" in str(error.value)
    assert "`sources`" in str(error.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"units": [{"code": "street", "name": "街道"}]}, "reserved"),
        ({"units": [{"code": "Gas Office", "name": "燃气"}]}, "lower-case ASCII"),
        ({"units": [{"code": "gas", "name": "燃气"}, {"code": "gas", "name": "燃气2"}]}, "duplicate"),
        ({"units": [{"code": "gas"}]}, "`name` is missing"),
        ({"units": []}, "non-empty list"),
    ],
)
def test_invalid_units_are_refused(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(TaxonomyError, match=message):
        parse_units(raw)
