"""What the platform needs to know about a category, read from knowledge/categories.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from knowledge import taxonomy


@dataclass(frozen=True)
class CategoryInfo:
    key: str
    name: str
    kind: str
    gbt_code: str
    gbt_major: str
    gbt_minor: str
    # "street" (the street's enforcement office) or a city department's unit code
    unit: str


@lru_cache(maxsize=1)
def category_infos() -> dict[str, CategoryInfo]:
    return {
        key: CategoryInfo(
            key=key,
            name=category.name,
            kind=category.kind,
            gbt_code=category.gbt.code,
            gbt_major=category.gbt.major,
            gbt_minor=category.gbt.minor,
            unit=category.unit,
        )
        for key, category in taxonomy.categories().items()
    }
