"""Complaint categories (issue_category keys) from categories.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from knowledge import load_yaml


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    kind: str  # 部件 or 事件 (GB/T 30428.2)
    terms: tuple[str, ...]


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    raw = load_yaml("categories.yml")["categories"]
    return {
        key: Category(key=key, name=str(v["name"]), kind=str(v["kind"]), terms=tuple(map(str, v["terms"])))
        for key, v in raw.items()
    }
