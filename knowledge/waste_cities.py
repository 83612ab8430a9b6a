"""City profiles for waste sorting (waste/cities/<key>.yml): naming, bin colours, local overrides.

Most cities follow the national naming (可回收物, 有害垃圾, 厨余垃圾, 其他垃圾); Shanghai says 湿垃圾
and 干垃圾. `overrides` lists the items a city classifies differently from the national entry,
each with the source of the local rule; `confirms` lists disputed items where the city agrees with
the national entry (documentation, checked: the category must be the national one).
`rule_verified` and every `verified` say whether it was checked against the published text.
Standard library and PyYAML only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.waste import (
    CATEGORY_KEYS,
    SUBCATEGORIES,
    LineDict,
    WasteDataError,
    WasteItem,
    read_yaml_with_lines,
    relative_path,
    text_field,
    waste_dir,
    waste_items,
    word_list,
)

NATIONAL = "national"
_CITY_FIELDS = {"key", "name", "aliases", "categories", "rule", "rule_verified", "overrides", "confirms"}
_CONFIRM_FIELDS = {"item", "category_key", "source", "verified"}
_OVERRIDE_FIELDS = {"item", "category_key", "subcategory", "reason", "advice", "source", "verified"}


@dataclass(frozen=True)
class CategoryStyle:
    name: str  # what the city calls the category (干垃圾 in Shanghai)
    bin: str  # bin colour (蓝色, 红色, 绿色, 灰色, 棕色, 黑色)


@dataclass(frozen=True)
class Override:
    item: str  # an item name
    category_key: str
    reason: str
    advice: str | None  # None: the national advice still applies
    source: str  # the local rule or guide that decides it
    verified: bool  # checked against the published text
    subcategory: str | None = None  # None: the national one if it fits the category, else ""


@dataclass(frozen=True)
class Confirmation:
    """A disputed item the city classifies like the national entry."""

    item: str
    category_key: str
    source: str
    verified: bool


@dataclass(frozen=True)
class CityProfile:
    key: str
    name: str
    aliases: tuple[str, ...]
    categories: Mapping[str, CategoryStyle]  # every category key
    rule: str
    overrides: Mapping[str, Override]  # item name -> override
    confirms: Mapping[str, Confirmation] = field(default_factory=dict)  # item name -> confirmation
    rule_verified: bool = False

    def category_name(self, category_key: str) -> str:
        return self.categories[category_key].name

    def bin(self, category_key: str) -> str:
        return self.categories[category_key].bin


def read_city(path: Path, item_categories: Mapping[str, str]) -> tuple[CityProfile | None, list[str]]:
    """One city file and its problems; `item_categories`: item name -> national category key."""
    item_names = set(item_categories)
    data, problems = read_yaml_with_lines(path)
    if data is None:
        return None, problems
    where = f"{relative_path(path)}:{data.line}"
    unknown = sorted(set(data) - _CITY_FIELDS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    key = text_field(data, "key", where, problems)
    if key and key != path.stem:
        problems.append(f"{where}: key {key!r} must equal the file name {path.stem!r}")
    name = text_field(data, "name", where, problems)
    aliases = word_list(data, "aliases", where, problems)
    rule = text_field(data, "rule", where, problems)
    categories: dict[str, CategoryStyle] = {}
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, LineDict):
        problems.append(f"{where}: categories must map each of {', '.join(CATEGORY_KEYS)} to {{name, bin}}")
    else:
        cat_where = f"{relative_path(path)}:{raw_categories.line}"
        for extra in sorted(set(raw_categories) - set(CATEGORY_KEYS)):
            problems.append(f"{cat_where}: unknown category key {extra!r}")
        for category_key in CATEGORY_KEYS:
            style = raw_categories.get(category_key)
            if not isinstance(style, LineDict):
                problems.append(f"{cat_where}: categories.{category_key} must be {{name, bin}}")
                continue
            style_where = f"{relative_path(path)}:{style.line}"
            categories[category_key] = CategoryStyle(
                text_field(style, "name", style_where, problems),
                text_field(style, "bin", style_where, problems),
            )
    overrides: dict[str, Override] = {}
    raw_overrides = data.get("overrides") or []
    if not isinstance(raw_overrides, list):
        problems.append(f"{where}: overrides must be a list")
        raw_overrides = []
    for entry in raw_overrides:
        if not isinstance(entry, LineDict):
            problems.append(f"{where}: every override must be a mapping")
            continue
        override = _read_override(entry, f"{relative_path(path)}:{entry.line}", item_names, problems)
        if override is None:
            continue
        if override.item in overrides:
            problems.append(f"{relative_path(path)}:{entry.line}: {override.item!r} is overridden twice")
        overrides[override.item] = override
    confirms: dict[str, Confirmation] = {}
    raw_confirms = data.get("confirms") or []
    if not isinstance(raw_confirms, list):
        problems.append(f"{where}: confirms must be a list")
        raw_confirms = []
    for entry in raw_confirms:
        if not isinstance(entry, LineDict):
            problems.append(f"{where}: every confirmation must be a mapping")
            continue
        confirmation = _read_confirmation(
            entry, f"{relative_path(path)}:{entry.line}", item_categories, problems
        )
        if confirmation is not None:
            if confirmation.item in overrides or confirmation.item in confirms:
                problems.append(f"{relative_path(path)}:{entry.line}: {confirmation.item!r} is listed twice")
            confirms[confirmation.item] = confirmation
    rule_verified = data.get("rule_verified", False)
    if not isinstance(rule_verified, bool):
        problems.append(f"{where}: rule_verified must be true or false")
    if problems:
        return None, problems
    return CityProfile(key, name, aliases, categories, rule, overrides, confirms, rule_verified is True), []


def _read_confirmation(
    entry: LineDict, where: str, item_categories: Mapping[str, str], problems: list[str]
) -> Confirmation | None:
    before = len(problems)
    unknown = sorted(set(entry) - _CONFIRM_FIELDS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    item = text_field(entry, "item", where, problems)
    category_key = text_field(entry, "category_key", where, problems)
    if item and item not in item_categories:
        problems.append(f"{where}: {item!r} is not an item name")
    elif item and category_key and category_key != item_categories[item]:
        problems.append(
            f"{where}: confirms {item!r} as {category_key} but the item is {item_categories[item]}"
            " nationally (a different category is an override)"
        )
    source = text_field(entry, "source", where, problems)
    verified = entry.get("verified", False)
    if not isinstance(verified, bool):
        problems.append(f"{where}: verified must be true or false")
    if len(problems) > before:
        return None
    return Confirmation(item, category_key, source, verified is True)


def _read_override(entry: LineDict, where: str, item_names: set[str], problems: list[str]) -> Override | None:
    before = len(problems)
    unknown = sorted(set(entry) - _OVERRIDE_FIELDS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
    item = text_field(entry, "item", where, problems)
    if item and item not in item_names:
        problems.append(f"{where}: {item!r} is not an item name")
    category_key = text_field(entry, "category_key", where, problems)
    if category_key and category_key not in CATEGORY_KEYS:
        problems.append(f"{where}: unknown category_key {category_key!r}")
    subcategory = None
    if entry.get("subcategory") is not None:
        subcategory = text_field(entry, "subcategory", where, problems)
        if category_key in SUBCATEGORIES and subcategory not in SUBCATEGORIES[category_key]:
            problems.append(f"{where}: subcategory {subcategory!r} is not one of {category_key}'s")
    reason = text_field(entry, "reason", where, problems)
    advice = text_field(entry, "advice", where, problems) if entry.get("advice") is not None else None
    source = text_field(entry, "source", where, problems)
    verified = entry.get("verified", False)
    if not isinstance(verified, bool):
        problems.append(f"{where}: verified must be true or false")
        verified = False
    if len(problems) > before:
        return None
    return Override(item, category_key, reason, advice, source, verified, subcategory)


def load_cities(directory: Path, items: Iterable[WasteItem]) -> dict[str, CityProfile]:
    """Every `<key>.yml` of `directory`, validated; `WasteDataError` listing every problem."""
    item_categories = {item.name: item.category_key for item in items}
    profiles: dict[str, CityProfile] = {}
    problems: list[str] = []
    files = sorted(directory.glob("*.yml"))
    if not any(path.stem == NATIONAL for path in files):
        problems.append(f"{relative_path(directory)}: {NATIONAL}.yml is missing")
    names: dict[str, str] = {}
    for path in files:
        profile, found = read_city(path, item_categories)
        problems += found
        if profile is None:
            continue
        for word in (profile.key, profile.name, *profile.aliases):
            if word in names and names[word] != profile.key:
                problems.append(f"{relative_path(path)}: {word!r} already names the city {names[word]!r}")
            names.setdefault(word, profile.key)
        profiles[profile.key] = profile
    if problems:
        raise WasteDataError(problems)
    return profiles


@lru_cache(maxsize=1)
def city_profiles() -> dict[str, CityProfile]:
    """Every city of knowledge/waste/cities/, by key."""
    return load_cities(waste_dir() / "cities", waste_items())


def find_city(profiles: Mapping[str, CityProfile], key_or_name: str) -> CityProfile:
    """The city whose key, name or alias is `key_or_name` (case-insensitive key); else ValueError."""
    wanted = key_or_name.strip()
    for profile in profiles.values():
        if wanted.lower() == profile.key or wanted in (profile.name, *profile.aliases):
            return profile
    known = "、".join(f"{p.name}（{p.key}）" for p in profiles.values())
    raise ValueError(f"未知的城市「{key_or_name}」，可选：{known}。Unknown city {key_or_name!r}.")


def city_profile(key_or_name: str) -> CityProfile:
    """A city by key (shanghai), name (上海市) or alias (上海, 沪)."""
    return find_city(city_profiles(), key_or_name)
