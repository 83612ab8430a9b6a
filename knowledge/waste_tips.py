"""Waste-sorting tips (waste/tips.yml) that the scheduler sends to subscribed residents.

Each tip is a friendly line of at most 80 characters, with topics (subcategories and the like),
the months it fits (empty: all year) and an optional occasion (春节, 中秋, 台风后 …).
Standard library and PyYAML only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.waste import (
    LineDict,
    WasteDataError,
    read_yaml_with_lines,
    relative_path,
    text_field,
    waste_dir,
    word_list,
)

TIP_MAX_CHARS = 80
OCCASIONS = (
    "春节",
    "元宵",
    "清明",
    "端午",
    "中秋",
    "国庆",
    "台风后",
    "夏季",
    "冬季",
    "开学",
    "双十一",
    "梅雨",
)
KEBAB_CASE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TIP_FIELDS = {"id", "text", "topics", "months", "occasion"}


@dataclass(frozen=True)
class Tip:
    id: str
    text: str
    topics: tuple[str, ...]
    months: tuple[int, ...]  # empty: fits all year
    occasion: str | None

    def fits_month(self, month: int) -> bool:
        return not self.months or month in self.months


def read_tips(path: Path) -> tuple[list[Tip], list[str]]:
    """The tips of `path` and every problem (`file:line: …`)."""
    data, problems = read_yaml_with_lines(path)
    if data is None:
        return [], problems
    entries = data.get("tips")
    if not isinstance(entries, list):
        return [], [f"{relative_path(path)}:{data.line}: expected `tips:` with a list of tips"]
    tips: list[Tip] = []
    seen: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, LineDict):
            problems.append(f"{relative_path(path)}: every tip must be a mapping")
            continue
        where = f"{relative_path(path)}:{entry.line}"
        before = len(problems)
        unknown = sorted(set(entry) - _TIP_FIELDS)
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        tip_id = text_field(entry, "id", where, problems)
        if tip_id and not KEBAB_CASE.match(tip_id):
            problems.append(f"{where}: id {tip_id!r} must be kebab-case (milk-carton-rinse)")
        if tip_id in seen:
            problems.append(f"{where}: id {tip_id!r} repeats {seen[tip_id]}")
        seen.setdefault(tip_id, where)
        text = text_field(entry, "text", where, problems)
        if len(text) > TIP_MAX_CHARS:
            problems.append(f"{where}: text has {len(text)} characters (at most {TIP_MAX_CHARS})")
        topics = word_list(entry, "topics", where, problems)
        months = entry.get("months") or []
        if not isinstance(months, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months
        ):
            problems.append(f"{where}: months must be a list of numbers 1-12 (empty: all year)")
            months = []
        occasion = entry.get("occasion")
        if occasion is not None and occasion not in OCCASIONS:
            problems.append(f"{where}: occasion {occasion!r} is not one of {'、'.join(OCCASIONS)} (or null)")
        if len(problems) == before:
            tips.append(Tip(tip_id, text, topics, tuple(sorted(set(months))), occasion))
    return tips, problems


def load_tips(path: Path) -> tuple[Tip, ...]:
    tips, problems = read_tips(path)
    if problems:
        raise WasteDataError(problems)
    return tuple(tips)


@lru_cache(maxsize=1)
def tips() -> tuple[Tip, ...]:
    """Every tip of knowledge/waste/tips.yml, validated."""
    return load_tips(waste_dir() / "tips.yml")


def tips_for_month(month: int) -> tuple[Tip, ...]:
    """The tips that fit `month` (1-12): all-year tips and those listing the month."""
    return tuple(tip for tip in tips() if tip.fits_month(month))
