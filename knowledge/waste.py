"""Waste items (waste/items/*.csv) and ambiguous terms (waste/ambiguous.yml).

Every item has its GB/T 19095-2019 category, a subcategory from a fixed list, a one-line reason
and a one-line advice, plus the aliases and misspellings residents really type. Generic words
(电池, 骨头, 药 …) are never item names: they are ambiguous terms with an explanation and the
specific items to choose from.

The loaders validate everything and fail with one `WasteDataError` listing every problem as
`file:line: message`; results are cached per process. `python -m knowledge.waste_check` prints the
same problems plus the style checks (lengths). Standard library and PyYAML only: both venvs
import this module.

`$CITYSTEWARD_WASTE_DIR` points the loaders at another data folder (tests, trials of new data).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge import DATA_DIR

CATEGORY_KEYS = ("recyclable", "hazardous", "kitchen", "other")
CATEGORY_NAMES = {
    "recyclable": "可回收物",
    "hazardous": "有害垃圾",
    "kitchen": "厨余垃圾",
    "other": "其他垃圾",
}
SUBCATEGORIES: dict[str, frozenset[str]] = {
    "recyclable": frozenset({"纸类", "塑料", "金属", "玻璃", "织物", "电器电子产品", "复合包装", "木制品"}),
    "hazardous": frozenset({"电池", "灯管", "家用化学品", "药品", "含汞物品", "废弃电子"}),
    "kitchen": frozenset({"家庭厨余", "餐厨垃圾", "其他厨余"}),
    "other": frozenset(
        {"污损纸类", "卫生用品", "一次性用品", "陶瓷砖瓦", "灰土杂物", "骨壳核", "复合难回收", "其他"}
    ),
}
GENERIC_WORDS = frozenset({"电池", "骨头", "灯", "药", "瓶子", "纸", "盒子", "袋子", "壳"})
"""Words too vague to classify: never an item's name, alias or misspelling (see ambiguous.yml)."""
ITEMS_HEADER = ("name", "aliases", "misspellings", "category_key", "subcategory", "reason", "advice")
REQUIRED_FIELDS = ("name", "category_key", "subcategory", "reason", "advice")
REASON_MAX_CHARS = 40
ADVICE_MAX_CHARS = 50


def waste_dir() -> Path:
    """The waste data folder: $CITYSTEWARD_WASTE_DIR, else knowledge/waste."""
    return Path(os.environ.get("CITYSTEWARD_WASTE_DIR") or DATA_DIR / "waste")


class WasteDataError(ValueError):
    """Broken waste data; `problems` lists every problem as `file:line: message`."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the waste-sorting data has {len(self.problems)} problem(s):\n{shown}")


@dataclass(frozen=True)
class WasteItem:
    name: str
    aliases: tuple[str, ...]
    misspellings: tuple[str, ...]
    category_key: str
    subcategory: str
    reason: str
    advice: str

    @property
    def category(self) -> str:
        """The national category name (可回收物, 有害垃圾, 厨余垃圾, 其他垃圾)."""
        return CATEGORY_NAMES[self.category_key]


@dataclass(frozen=True)
class AmbiguousTerm:
    term: str
    aliases: tuple[str, ...]
    explain: str
    options: tuple[str, ...]
    """Item names the resident can choose between; each one is answered by the matcher."""


def split_words(field: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in field.split("|") if w.strip())


def relative_path(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


def read_items(directory: Path, style: bool = False) -> tuple[list[WasteItem], list[str]]:
    """The items of every `*.csv` in `directory` and every structural problem (`file:line: …`);
    with `style`, also reasons and advice that are too long (what waste_check reports)."""
    items: list[WasteItem] = []
    found: list[str] = []
    owner: dict[str, str] = {}  # word (name, alias or misspelling) -> the item's name
    first_seen: dict[str, str] = {}  # item name -> where it was first defined
    files = sorted(directory.glob("*.csv"))
    if not files:
        found.append(f"{relative_path(directory)}: no *.csv item files")
    for path in files:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != ITEMS_HEADER:
                found.append(f"{relative_path(path)}:1: the header must be {','.join(ITEMS_HEADER)}")
                continue
            for row in reader:
                where = f"{relative_path(path)}:{reader.line_num}"
                if None in row or any(value is None for value in row.values()):
                    found.append(f"{where}: expected {len(ITEMS_HEADER)} fields (quote fields with commas)")
                    continue
                item, problems = _parse_item(row)
                found += [f"{where}: {p}" for p in problems]
                if item is None:
                    continue
                if item.name in first_seen:
                    found.append(f"{where}: the name {item.name!r} repeats {first_seen[item.name]}")
                    continue
                first_seen[item.name] = where
                if style:
                    found += [f"{where}: {p}" for p in _style_problems(item)]
                words = [item.name, *item.aliases, *item.misspellings]
                repeated = {w for w in words if words.count(w) > 1}
                found += [f"{where}: {w!r} is listed twice for this item" for w in sorted(repeated)]
                for word in dict.fromkeys(words):
                    if word in GENERIC_WORDS:
                        found.append(f"{where}: {word!r} is a generic word; it belongs in ambiguous.yml")
                    elif word in owner and owner[word] != item.name:
                        found.append(f"{where}: {word!r} already names the item {owner[word]!r}")
                    else:
                        owner.setdefault(word, item.name)
                items.append(item)
    return items, found


def _parse_item(row: dict[str, str]) -> tuple[WasteItem | None, list[str]]:
    values = {field: " ".join(row[field].split()) for field in ITEMS_HEADER}
    problems = [f"empty {field}" for field in REQUIRED_FIELDS if not values[field]]
    key, subcategory = values["category_key"], values["subcategory"]
    if key and key not in SUBCATEGORIES:
        problems.append(f"unknown category_key {key!r} (one of {', '.join(CATEGORY_KEYS)})")
    elif key and subcategory and subcategory not in SUBCATEGORIES[key]:
        allowed = "、".join(sorted(SUBCATEGORIES[key]))
        problems.append(f"subcategory {subcategory!r} is not one of {key}'s: {allowed}")
    if problems:
        return None, problems
    item = WasteItem(
        name=values["name"],
        aliases=split_words(values["aliases"]),
        misspellings=split_words(values["misspellings"]),
        category_key=key,
        subcategory=subcategory,
        reason=values["reason"],
        advice=values["advice"],
    )
    return item, []


def _style_problems(item: WasteItem) -> list[str]:
    found = []
    if len(item.reason) > REASON_MAX_CHARS:
        found.append(f"reason has {len(item.reason)} characters (at most {REASON_MAX_CHARS})")
    if len(item.advice) > ADVICE_MAX_CHARS:
        found.append(f"advice has {len(item.advice)} characters (at most {ADVICE_MAX_CHARS})")
    return found


def load_items(directory: Path) -> tuple[WasteItem, ...]:
    """Validated items of `directory`; `WasteDataError` listing every problem."""
    items, problems = read_items(directory)
    if problems:
        raise WasteDataError(problems)
    return tuple(items)


@lru_cache(maxsize=1)
def waste_items() -> tuple[WasteItem, ...]:
    """All items of knowledge/waste/items/*.csv, validated, in file order."""
    return load_items(waste_dir() / "items")


# --- YAML with line numbers -------------------------------------------------------------------


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line it starts on."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise yaml.constructor.ConstructorError(
            None, None, f"the key(s) {', '.join(repeated)} appear twice", node.start_mark
        )
    mapping = LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml_with_lines(path: Path) -> tuple[LineDict | None, list[str]]:
    """The top-level mapping of `path` (mappings carry `.line`), or None and the problem."""
    where = relative_path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_LineLoader)
    except FileNotFoundError:
        return None, [f"{where}: missing"]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        return None, [f"{where}{line}: invalid YAML: {problem}"]
    if not isinstance(data, LineDict):
        return None, [f"{where}:1: expected a mapping at the top level"]
    return data, []


def text_field(entry: dict[str, Any], field: str, where: str, problems: list[str]) -> str:
    """A required one-line text; records a problem when missing or empty."""
    value = entry.get(field)
    if not isinstance(value, (str, int)) or not " ".join(str(value).split()):
        problems.append(f"{where}: {field} must be a non-empty text")
        return ""
    return " ".join(str(value).split())


def word_list(entry: dict[str, Any], field: str, where: str, problems: list[str]) -> tuple[str, ...]:
    """An optional list of words (texts)."""
    value = entry.get(field) or []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
        problems.append(f"{where}: {field} must be a list of non-empty texts")
        return ()
    return tuple(str(v).strip() for v in value)


# --- ambiguous terms ---------------------------------------------------------------------------

_AMBIGUOUS_FIELDS = {"term", "aliases", "explain", "options"}


def read_ambiguous(path: Path, items: Iterable[WasteItem]) -> tuple[list[AmbiguousTerm], list[str]]:
    """The terms of ambiguous.yml and every problem; options must name items of `items`."""
    data, problems = read_yaml_with_lines(path)
    if data is None:
        return [], problems
    item_names = {item.name for item in items}
    item_words = {w: item.name for item in items for w in (item.name, *item.aliases, *item.misspellings)}
    entries = data.get("terms")
    if not isinstance(entries, list):
        return [], [f"{relative_path(path)}:{data.line}: expected `terms:` with a list of terms"]
    terms: list[AmbiguousTerm] = []
    seen: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, LineDict):
            problems.append(f"{relative_path(path)}: every term must be a mapping")
            continue
        where = f"{relative_path(path)}:{entry.line}"
        unknown = sorted(set(entry) - _AMBIGUOUS_FIELDS)
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        term = text_field(entry, "term", where, problems)
        aliases = word_list(entry, "aliases", where, problems)
        explain = text_field(entry, "explain", where, problems)
        options = word_list(entry, "options", where, problems)
        if not options:
            problems.append(f"{where}: options must list at least one item name")
        for option in options:
            if option not in item_names:
                problems.append(f"{where}: option {option!r} is not an item name")
        for word in (term, *aliases):
            if not word:
                continue
            if word in item_words:
                problems.append(f"{where}: {word!r} is also a word of the item {item_words[word]!r}")
            if word in seen:
                problems.append(f"{where}: {word!r} is already a word of the term {seen[word]!r}")
            seen.setdefault(word, term)
        terms.append(AmbiguousTerm(term, aliases, explain, options))
    return terms, problems


def load_ambiguous(path: Path, items: Iterable[WasteItem]) -> tuple[AmbiguousTerm, ...]:
    terms, problems = read_ambiguous(path, items)
    if problems:
        raise WasteDataError(problems)
    return tuple(terms)


@lru_cache(maxsize=1)
def ambiguous_terms() -> tuple[AmbiguousTerm, ...]:
    """All terms of knowledge/waste/ambiguous.yml, validated against the items."""
    return load_ambiguous(waste_dir() / "ambiguous.yml", waste_items())
