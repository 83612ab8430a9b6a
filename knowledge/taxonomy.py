"""Complaint categories (issue_category keys) from categories.yml, and units from units.yml.

Each category carries its GB/T 30428.2 classification, its responsible unit, its service levels
(dispatch / arrive / handle durations, normal and urgent) and the rules that make a report urgent.
The loader validates everything and fails with one message listing every problem it found.
Standard library and PyYAML only: the Rasa venv imports this module too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from knowledge import load_yaml

Urgency = Literal["urgent", "normal"]
DurationUnit = Literal["minutes", "hours", "working_hours", "working_days"]

STREET_UNIT = "street"
"""`unit: street`: the street's 综合行政执法 office, which the platform takes from the geography."""

KINDS = ("部件", "事件")
# 大类 of GB/T 30428.2-2013 (same numbering as CJ/T 214-2007). The 06 names are the ones we are
# least sure of (CJ/T 214 calls the last event class 扩展事件); see knowledge/categories.yml.
GBT_MAJORS: dict[str, dict[str, str]] = {
    "部件": {
        "01": "公用设施",
        "02": "道路交通",
        "03": "市容环境",
        "04": "园林绿化",
        "05": "房屋土地",
        "06": "其他设施",
    },
    "事件": {
        "01": "市容环境",
        "02": "宣传广告",
        "03": "施工管理",
        "04": "突发事件",
        "05": "街面秩序",
        "06": "其他事件",
    },
}

_UNIT_ALIASES: dict[str, DurationUnit] = {
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "working_hour": "working_hours",
    "working_hours": "working_hours",
    "working_day": "working_days",
    "working_days": "working_days",
}
_DURATION = re.compile(r"^\s*(\d+)\s+([a-z_]+)\s*$")
_UNIT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_GBT_CODE = re.compile(r"^\d{4}$")
_CATEGORY_FIELDS = {"kind", "name", "terms", "synonyms", "gbt", "unit", "deadlines", "urgent_when", "sources"}


class TaxonomyError(ValueError):
    """categories.yml or units.yml is invalid; the message names every problem."""


@dataclass(frozen=True)
class Duration:
    """A span of time on one clock: natural (`minutes`, `hours`, 24/7) or working time."""

    amount: int
    unit: DurationUnit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"

    @property
    def is_natural(self) -> bool:
        return self.unit in ("minutes", "hours")

    @property
    def label_zh(self) -> str:
        """How the duration reads to a resident: 30分钟, 2小时, 2个工作小时, 3个工作日."""
        return {
            "minutes": f"{self.amount}分钟",
            "hours": f"{self.amount}小时",
            "working_hours": f"{self.amount}个工作小时",
            "working_days": f"{self.amount}个工作日",
        }[self.unit]


def parse_duration(text: str) -> Duration:
    """`"2 working_hours"` -> Duration(2, "working_hours"); singular units are accepted too."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    unit = _UNIT_ALIASES.get(match.group(2)) if match else None
    if match is None or unit is None or int(match.group(1)) <= 0:
        raise ValueError(
            f"bad duration {text!r}: expected '<positive whole number> <unit>' with unit one of "
            "minutes, hours (natural time, 24/7), working_hours, working_days — e.g. '2 working_hours'"
        )
    return Duration(int(match.group(1)), unit)


@dataclass(frozen=True)
class GbtClass:
    """GB/T 30428.2-2013 classification: `code` is 大类 (2 digits) + 小类 (2 digits)."""

    kind: str  # 部件 or 事件; the category's own kind unless categories.yml says otherwise
    code: str
    major: str
    minor: str

    @property
    def major_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True)
class ServiceLevel:
    """Deadlines of one urgency, each counted from the moment the report arrived."""

    dispatch: Duration  # 派遣时限: the case is with the responsible unit
    handle: Duration  # 处置时限: the problem is dealt with (the deadline residents see)
    arrive: Duration | None = None  # urgent only: someone is on site


@dataclass(frozen=True)
class CategoryDeadlines:
    normal: ServiceLevel
    urgent: ServiceLevel | None = None

    def level(self, urgency: Urgency) -> ServiceLevel:
        """The service level of that urgency; `normal` when the category has no urgent level."""
        if urgency == "urgent" and self.urgent is not None:
            return self.urgent
        return self.normal


@dataclass(frozen=True)
class UrgencyRule:
    """When a report is urgent: always, or when its description contains one of `any_of`."""

    always: bool = False
    any_of: tuple[str, ...] = ()

    @property
    def never(self) -> bool:
        return not self.always and not self.any_of

    def matches(self, description: str) -> bool:
        if self.always:
            return True
        text = _normalise(description)
        return any(_normalise(phrase) in text for phrase in self.any_of)


@dataclass(frozen=True)
class Unit:
    """A city department that handles cases (units.yml); street offices come from the geography."""

    code: str
    name: str
    phone: str | None = None


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    kind: str  # 部件 or 事件 (GB/T 30428.2)
    terms: tuple[str, ...]  # single words, fed to jieba
    synonyms: tuple[str, ...]  # phrases residents and staff use
    gbt: GbtClass
    unit: str  # STREET_UNIT or a code of units.yml
    deadlines: CategoryDeadlines
    urgent_when: UrgencyRule  # never urgent when the category has no urgent service level
    sources: tuple[str, ...]  # the public rules the classification and figures rest on


def _normalise(text: str) -> str:
    return "".join(text.split()).lower()


class _Problems:
    """Collects validation messages so that one run reports all of them."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}")

    def raise_if_any(self, file: str) -> None:
        if self.messages:
            listing = "\n  - ".join(self.messages)
            raise TaxonomyError(f"knowledge/{file} is invalid:\n  - {listing}")


def _strings(
    value: Any, where: str, field: str, problems: _Problems, *, required: bool = True
) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value):
        problems.add(where, f"`{field}` must be a non-empty list of strings")
        return ()
    items = tuple(str(item).strip() for item in value)
    if any(not isinstance(item, (str, int)) or not str(item).strip() for item in value):
        problems.add(where, f"`{field}` has an empty or non-text entry")
    return tuple(item for item in items if item)


def _duration(value: Any, where: str, problems: _Problems) -> Duration | None:
    try:
        return parse_duration(value)
    except ValueError as error:
        problems.add(where, str(error))
        return None


def _level(raw: Any, where: str, problems: _Problems, *, needs_arrive: bool) -> ServiceLevel | None:
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping with `dispatch` and `handle` (and `arrive` when urgent)")
        return None
    allowed = {"dispatch", "handle", "arrive"}
    for extra in sorted(set(raw) - allowed):
        problems.add(where, f"unknown field `{extra}` (allowed: arrive, dispatch, handle)")
    for field in ("dispatch", "handle") + (("arrive",) if needs_arrive else ()):
        if field not in raw:
            problems.add(where, f"`{field}` is missing")
    dispatch = _duration(raw.get("dispatch"), f"{where}.dispatch", problems) if "dispatch" in raw else None
    handle = _duration(raw.get("handle"), f"{where}.handle", problems) if "handle" in raw else None
    arrive = _duration(raw.get("arrive"), f"{where}.arrive", problems) if "arrive" in raw else None
    if dispatch is None or handle is None:
        return None
    return ServiceLevel(dispatch=dispatch, handle=handle, arrive=arrive)


def _deadlines(raw: Any, where: str, problems: _Problems) -> CategoryDeadlines | None:
    if not isinstance(raw, Mapping) or "normal" not in raw:
        problems.add(where, "`deadlines` must be a mapping with `normal` (and optionally `urgent`)")
        return None
    for extra in sorted(set(raw) - {"normal", "urgent"}):
        problems.add(where, f"unknown urgency `{extra}` in `deadlines` (allowed: normal, urgent)")
    normal = _level(raw["normal"], f"{where}.deadlines.normal", problems, needs_arrive=False)
    urgent = (
        _level(raw["urgent"], f"{where}.deadlines.urgent", problems, needs_arrive=True)
        if raw.get("urgent") is not None
        else None
    )
    return CategoryDeadlines(normal=normal, urgent=urgent) if normal is not None else None


def _urgency_rule(raw: Any, where: str, problems: _Problems) -> UrgencyRule:
    if raw is None:
        return UrgencyRule()
    if not isinstance(raw, Mapping) or not raw or set(raw) - {"always", "any_of"}:
        problems.add(where, "`urgent_when` must be {always: true} or {any_of: [phrase, ...]}")
        return UrgencyRule()
    always = raw.get("always", False)
    if not isinstance(always, bool):
        problems.add(where, "`urgent_when.always` must be true or false")
        always = False
    any_of = _strings(raw.get("any_of"), where, "urgent_when.any_of", problems, required=not always)
    return UrgencyRule(always=always, any_of=any_of)


def _gbt(raw: Any, kind: str, where: str, problems: _Problems) -> GbtClass | None:
    if not isinstance(raw, Mapping):
        problems.add(where, "`gbt` must be a mapping with `code`, `major` and `minor`")
        return None
    for extra in sorted(set(raw) - {"kind", "code", "major", "minor"}):
        problems.add(where, f"unknown field `gbt.{extra}`")
    gbt_kind = str(raw.get("kind", kind))
    code, major, minor = (str(raw.get(field) or "").strip() for field in ("code", "major", "minor"))
    if gbt_kind not in KINDS:
        problems.add(where, f"`gbt.kind` must be 部件 or 事件, not {gbt_kind!r}")
        return None
    if not _GBT_CODE.match(code):
        problems.add(where, f"`gbt.code` must be four digits (大类 + 小类) as a quoted string, not {code!r}")
        return None
    expected = GBT_MAJORS[gbt_kind].get(code[:2])
    if expected is None:
        problems.add(where, f"`gbt.code` {code}: {code[:2]} is not a {gbt_kind} 大类 of GB/T 30428.2")
    elif major != expected:
        problems.add(where, f"`gbt.major` of {gbt_kind} {code[:2]} is {expected!r}, not {major!r}")
    if not minor:
        problems.add(where, "`gbt.minor` (小类 name) is missing")
    return GbtClass(kind=gbt_kind, code=code, major=major, minor=minor)


def _category(key: str, raw: Any, unit_codes: set[str], problems: _Problems) -> Category | None:
    where = f"category {key!r}"
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping")
        return None
    for extra in sorted(set(raw) - _CATEGORY_FIELDS):
        problems.add(where, f"unknown field `{extra}` (allowed: {', '.join(sorted(_CATEGORY_FIELDS))})")
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        problems.add(where, f"`kind` must be 部件 or 事件, not {kind!r}")
    name = str(raw.get("name") or "").strip()
    if not name:
        problems.add(where, "`name` is missing")
    terms = _strings(raw.get("terms"), where, "terms", problems)
    synonyms = _strings(raw.get("synonyms"), where, "synonyms", problems)
    sources = _strings(raw.get("sources"), where, "sources", problems)
    gbt = _gbt(raw.get("gbt"), kind, where, problems)
    unit = str(raw.get("unit") or "")
    if unit != STREET_UNIT and unit not in unit_codes:
        problems.add(
            where,
            f"unknown unit code {unit!r}: use `{STREET_UNIT}` or a code of units.yml "
            f"({', '.join(sorted(unit_codes))})",
        )
    deadlines = _deadlines(raw.get("deadlines"), where, problems)
    urgent_when = _urgency_rule(raw.get("urgent_when"), where, problems)
    if deadlines is not None and (deadlines.urgent is None) != urgent_when.never:
        problems.add(where, "`urgent_when` and `deadlines.urgent` must be given together (or neither)")
    if gbt is None or deadlines is None:
        return None
    return Category(
        key=key,
        name=name,
        kind=kind,
        terms=terms,
        synonyms=synonyms,
        gbt=gbt,
        unit=unit,
        deadlines=deadlines,
        urgent_when=urgent_when,
        sources=sources,
    )


def parse_units(data: Mapping[str, Any]) -> dict[str, Unit]:
    """Validates the content of units.yml (`units: [{code, name, phone?}, ...]`)."""
    problems = _Problems()
    raw_units = data.get("units")
    result: dict[str, Unit] = {}
    if not isinstance(raw_units, list) or not raw_units:
        problems.add("units", "must be a non-empty list of {code, name, phone?}")
        raw_units = []
    for index, raw in enumerate(raw_units):
        where = f"units[{index}]"
        if not isinstance(raw, Mapping):
            problems.add(where, "must be a mapping with `code` and `name`")
            continue
        code, name = str(raw.get("code") or ""), str(raw.get("name") or "").strip()
        phone = raw.get("phone")
        for extra in sorted(set(raw) - {"code", "name", "phone"}):
            problems.add(where, f"unknown field `{extra}`")
        if not _UNIT_CODE.match(code):
            problems.add(where, f"`code` must be lower-case ASCII (a-z, 0-9, _), not {code!r}")
        elif code == STREET_UNIT:
            problems.add(where, f"`{STREET_UNIT}` is reserved for the street offices given by the geography")
        elif code in result:
            problems.add(where, f"duplicate code {code!r}")
        if not name:
            problems.add(where, "`name` is missing")
        result[code] = Unit(code=code, name=name, phone=None if phone is None else str(phone))
    problems.raise_if_any("units.yml")
    return result


def parse_categories(data: Mapping[str, Any], unit_codes: set[str]) -> dict[str, Category]:
    """Validates the content of categories.yml against the known unit codes."""
    problems = _Problems()
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, Mapping) or not raw_categories:
        problems.add("categories", "must be a non-empty mapping of key -> category")
        raw_categories = {}
    result: dict[str, Category] = {}
    for key, raw in raw_categories.items():
        category = _category(str(key), raw, unit_codes, problems)
        if category is not None:
            result[str(key)] = category
    problems.raise_if_any("categories.yml")
    return result


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """City departments by code (units.yml)."""
    return parse_units(load_yaml("units.yml"))


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    """Every complaint category by key, validated."""
    return parse_categories(load_yaml("categories.yml"), set(units()))


def urgency(category_key: str, description: str) -> Urgency:
    """`"urgent"` when the category's `urgent_when` rule matches the description, else `"normal"`."""
    try:
        category = categories()[category_key]
    except KeyError:
        raise KeyError(f"unknown category {category_key!r}") from None
    return "urgent" if category.urgent_when.matches(description or "") else "normal"
