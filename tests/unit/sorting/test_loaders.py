"""The waste data loaders refuse broken data with `file:line: message` for every problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.waste import (
    CATEGORY_NAMES,
    WasteDataError,
    load_ambiguous,
    load_items,
    read_items,
)
from knowledge.waste_check import problems
from knowledge.waste_cities import find_city, load_cities
from knowledge.waste_tips import load_tips
from tests.unit.sorting.conftest import DATA

HEADER = "name,aliases,misspellings,category_key,subcategory,reason,advice\n"
GOOD_ROW = "塑料瓶,饮料瓶,塑料平,recyclable,塑料,可以回收再生,倒空、压扁后投放\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def item_problems(tmp_path: Path, *files: tuple[str, str]) -> list[str]:
    for name, text in files:
        write(tmp_path / "items" / name, text)
    with pytest.raises(WasteDataError) as error:
        load_items(tmp_path / "items")
    return error.value.problems


def test_good_items_load_with_every_field(tmp_path: Path) -> None:
    write(
        tmp_path / "items" / "a.csv",
        HEADER + GOOD_ROW + '灯泡盒,"纸盒,小盒",,recyclable,纸类,纸可以再生,压扁\n',
    )
    first, second = load_items(tmp_path / "items")
    assert first.name == "塑料瓶"
    assert (first.aliases, first.misspellings) == (("饮料瓶",), ("塑料平",))
    assert (first.category_key, first.category, first.subcategory) == ("recyclable", "可回收物", "塑料")
    assert (first.reason, first.advice) == ("可以回收再生", "倒空、压扁后投放")
    assert second.aliases == ("纸盒,小盒",)  # one quoted field with a comma: one alias


def test_wrong_header(tmp_path: Path) -> None:
    found = item_problems(
        tmp_path, ("a.csv", "name,aliases,category_key,subcategory\n塑料瓶,,recyclable,塑料\n")
    )
    assert found == [f"{tmp_path}/items/a.csv:1: the header must be {HEADER.strip()}"]


def test_unknown_category_subcategory_and_empty_fields_name_file_and_line(tmp_path: Path) -> None:
    rows = (
        GOOD_ROW
        + "易拉罐,,,recycle,金属,可以回收,压扁\n"
        + "旧书,,,recyclable,书,可以回收,捆好\n"
        + "纸巾,,,other,污损纸类,,\n"
    )
    found = item_problems(tmp_path, ("a.csv", HEADER + rows))
    assert found[0].startswith(f"{tmp_path}/items/a.csv:3: unknown category_key 'recycle'")
    assert found[1].startswith(f"{tmp_path}/items/a.csv:4: subcategory '书' is not one of recyclable's")
    assert found[2:] == [f"{tmp_path}/items/a.csv:5: empty reason", f"{tmp_path}/items/a.csv:5: empty advice"]


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    found = item_problems(tmp_path, ("a.csv", HEADER + "易拉罐,,,recyclable,金属,可以回收,压扁,多余\n"))
    assert found == [f"{tmp_path}/items/a.csv:2: expected 7 fields (quote fields with commas)"]


def test_duplicates_across_files_and_generic_words(tmp_path: Path) -> None:
    found = item_problems(
        tmp_path,
        ("a.csv", HEADER + GOOD_ROW),
        ("b.csv", HEADER + "塑料瓶,,,recyclable,塑料,x,y\n" + "矿泉水瓶,饮料瓶|电池,,recyclable,塑料,x,y\n"),
    )
    assert found == [
        f"{tmp_path}/items/b.csv:2: the name '塑料瓶' repeats {tmp_path}/items/a.csv:2",
        f"{tmp_path}/items/b.csv:3: '饮料瓶' already names the item '塑料瓶'",
        f"{tmp_path}/items/b.csv:3: '电池' is a generic word; it belongs in ambiguous.yml",
    ]


def test_a_word_listed_twice_for_one_item(tmp_path: Path) -> None:
    found = item_problems(tmp_path, ("a.csv", HEADER + "塑料瓶,饮料瓶|饮料瓶,,recyclable,塑料,x,y\n"))
    assert found == [f"{tmp_path}/items/a.csv:2: '饮料瓶' is listed twice for this item"]


def test_no_item_files(tmp_path: Path) -> None:
    (tmp_path / "items").mkdir()
    with pytest.raises(WasteDataError, match=r"no \*\.csv item files"):
        load_items(tmp_path / "items")


def test_style_problems_only_in_the_check(tmp_path: Path) -> None:
    write(tmp_path / "items" / "a.csv", HEADER + f"塑料瓶,,,recyclable,塑料,{'很' * 41},y\n")
    assert len(load_items(tmp_path / "items")) == 1
    _, found = read_items(tmp_path / "items", style=True)
    assert found == [f"{tmp_path}/items/a.csv:2: reason has 41 characters (at most 40)"]


def test_category_names_stay_for_existing_callers() -> None:
    assert CATEGORY_NAMES == {
        "recyclable": "可回收物",
        "hazardous": "有害垃圾",
        "kitchen": "厨余垃圾",
        "other": "其他垃圾",
    }


# --- ambiguous.yml ---------------------------------------------------------------------------------


def test_ambiguous_terms_are_checked_against_the_items(tmp_path: Path) -> None:
    items = load_items(DATA / "items")
    path = write(
        tmp_path / "ambiguous.yml",
        "terms:\n"
        "  - term: 电池\n    explain: 分种类\n    options: [普通干电池, 太阳能电池]\n"
        "  - term: 纸皮\n    explain: x\n    options: [快递纸箱]\n"
        "  - term: 电池\n    explain: x\n    options: []\n    colour: red\n",
    )
    with pytest.raises(WasteDataError) as error:
        load_ambiguous(path, items)
    where = f"{path}"
    assert error.value.problems == [
        f"{where}:2: option '太阳能电池' is not an item name",
        f"{where}:5: '纸皮' is also a word of the item '快递纸箱'",
        f"{where}:8: unknown field(s) colour",
        f"{where}:8: options must list at least one item name",
        f"{where}:8: '电池' is already a word of the term '电池'",
    ]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "ambiguous.yml", "terms:\n  - term: 电池\n    explain: [unclosed\n")
    with pytest.raises(WasteDataError, match=f"{path}:\\d+: invalid YAML"):
        load_ambiguous(path, [])


def test_a_repeated_yaml_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "ambiguous.yml", "terms:\n  - term: 电池\n    term: 骨头\n    explain: x\n")
    with pytest.raises(WasteDataError, match="term appear twice"):
        load_ambiguous(path, [])


# --- cities ---------------------------------------------------------------------------------------


def copy_cities(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "cities", tmp_path / "cities")
    return tmp_path / "cities"


def test_city_overrides_must_name_items_and_categories(tmp_path: Path) -> None:
    cities = copy_cities(tmp_path)
    text = (cities / "shanghai.yml").read_text(encoding="utf-8")
    text = text.replace("item: 榴莲壳", "item: 椰子壳").replace("category_key: kitchen", "category_key: wet")
    write(cities / "shanghai.yml", text.replace("verified: false", "verified: maybe"))
    with pytest.raises(WasteDataError) as error:
        load_cities(cities, load_items(DATA / "items"))
    where = f"{cities}/shanghai.yml:11"  # the override's first line
    assert error.value.problems == [
        f"{where}: '椰子壳' is not an item name",
        f"{where}: unknown category_key 'wet'",
        f"{where}: verified must be true or false",
    ]


def test_a_city_needs_every_category_and_its_file_name_as_key(tmp_path: Path) -> None:
    cities = copy_cities(tmp_path)
    text = (cities / "jiangmen.yml").read_text(encoding="utf-8")
    write(
        cities / "jiangmen.yml",
        text.replace("key: jiangmen", "key: jm").replace("  other: {name: 其他垃圾, bin: 灰色}\n", ""),
    )
    with pytest.raises(WasteDataError) as error:
        load_cities(cities, load_items(DATA / "items"))
    assert error.value.problems == [
        f"{cities}/jiangmen.yml:1: key 'jm' must equal the file name 'jiangmen'",
        f"{cities}/jiangmen.yml:5: categories.other must be {{name, bin}}",  # the mapping's first line
    ]


def test_a_confirmation_must_agree_with_the_national_entry(tmp_path: Path) -> None:
    cities = copy_cities(tmp_path)
    text = (cities / "jiangmen.yml").read_text(encoding="utf-8")
    write(
        cities / "jiangmen.yml",
        text.replace(
            "  - item: 大骨头\n    category_key: other", "  - item: 大骨头\n    category_key: kitchen"
        ),
    )
    with pytest.raises(WasteDataError) as error:
        load_cities(cities, load_items(DATA / "items"))
    assert error.value.problems == [
        f"{cities}/jiangmen.yml:19: confirms '大骨头' as kitchen but the item is other nationally"
        " (a different category is an override)"
    ]


def test_confirmations_and_rule_verified_load() -> None:
    jiangmen = load_cities(DATA / "cities", load_items(DATA / "items"))["jiangmen"]
    assert jiangmen.rule_verified is False
    assert jiangmen.confirms["大骨头"].source == "测试来源丙"


def test_national_is_required(tmp_path: Path) -> None:
    cities = copy_cities(tmp_path)
    (cities / "national.yml").unlink()
    with pytest.raises(WasteDataError, match=r"national\.yml is missing"):
        load_cities(cities, load_items(DATA / "items"))


def test_find_city_by_key_name_alias() -> None:
    cities = load_cities(DATA / "cities", load_items(DATA / "items"))
    assert find_city(cities, "沪").key == "shanghai"
    assert find_city(cities, "上海市").categories["other"].name == "干垃圾"
    assert cities["shanghai"].overrides["榴莲壳"].source == "测试来源乙"
    with pytest.raises(ValueError, match="未知的城市「火星」"):
        find_city(cities, "火星")


# --- tips -----------------------------------------------------------------------------------------


def test_tips_load(tmp_path: Path) -> None:
    first, second = load_tips(DATA / "tips.yml")
    assert (first.id, first.months, first.occasion, first.fits_month(7)) == (
        "milk-carton-rinse",
        (),
        None,
        True,
    )
    assert (second.months, second.occasion, second.fits_month(7), second.fits_month(2)) == (
        (1, 2),
        "春节",
        False,
        True,
    )


def test_broken_tips(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tips.yml",
        "tips:\n"
        f"  - id: Milk_Carton\n    text: {'长' * 81}\n    months: [13]\n    occasion: 圣诞\n"
        "  - id: a\n    text: 好\n  - id: a\n    text: 好\n",
    )
    with pytest.raises(WasteDataError) as error:
        load_tips(path)
    assert error.value.problems == [
        f"{path}:2: id 'Milk_Carton' must be kebab-case (milk-carton-rinse)",
        f"{path}:2: text has 81 characters (at most 80)",
        f"{path}:2: months must be a list of numbers 1-12 (empty: all year)",
        f"{path}:2: occasion '圣诞' is not one of "
        "春节、元宵、清明、端午、中秋、国庆、台风后、夏季、冬季、开学、双十一、梅雨 (or null)",
        f"{path}:8: id 'a' repeats {path}:6",
    ]


# --- waste_check ----------------------------------------------------------------------------------


def test_check_reports_style_and_missing_cities_on_the_fixture() -> None:
    assert problems(DATA) == [
        "tests/unit/sorting/data/cities: zhanjiang.yml is missing",
        "tests/unit/sorting/data/cities: jiangjin.yml is missing",
        "tests/unit/sorting/data/tips.yml: 2 tips (at least 100)",
    ]
