"""Waste items (waste/items.csv): names, aliases and their GB/T 19095-2019 category."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from knowledge import DATA_DIR

CATEGORY_NAMES = {
    "recyclable": "可回收物",
    "hazardous": "有害垃圾",
    "kitchen": "厨余垃圾",
    "other": "其他垃圾",
}


@dataclass(frozen=True)
class WasteItem:
    name: str
    aliases: tuple[str, ...]
    category_key: str
    subcategory: str


@lru_cache(maxsize=1)
def waste_items() -> tuple[WasteItem, ...]:
    with open(DATA_DIR / "waste" / "items.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    items = []
    for row in rows:
        key = row["category_key"].strip()
        if key not in CATEGORY_NAMES:
            raise ValueError(f"waste/items.csv: {row['name']!r} has unknown category {key!r}")
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        items.append(WasteItem(row["name"].strip(), aliases, key, row["subcategory"].strip()))
    return tuple(items)
