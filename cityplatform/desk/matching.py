"""The `sorting` matcher as the platform uses it: per city, with the learned items, cached.

`matcher(city).with_learned(rows)` is built once per city and learned-items version: the version
is the id of the newest learned_item_changes row, so a change made by this process or by any other
one is seen by the next lookup (one indexed `max(id)` per lookup; the rows are read only when it
moved).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityplatform.desk.learning import all_learned, version
from cityplatform.errors import Invalid
from knowledge.waste_cities import CityProfile
from sorting import Answer, LearnedItem, Lookup, Matcher, base_index, matcher


def resolve_city(name: str) -> CityProfile:
    """The matcher's profile of a city by key, name or alias (上海, shanghai); 422 unknown_city."""
    try:
        return matcher(name.strip()).city
    except (KeyError, ValueError):
        known = "、".join(f"{p.key}（{p.name}）" for p in base_index().cities.values())
        raise Invalid("unknown_city", f"暂不支持「{name}」的垃圾分类标准，可选的城市有：{known}。") from None


def category_style(city: str, category_key: str) -> tuple[str, str]:
    """The city's name and bin colour of a category, e.g. ("干垃圾", "黑色") in Shanghai."""
    profile = resolve_city(city)
    return profile.category_name(category_key), profile.bin(category_key)


@dataclass
class _Learned:
    version: int = -1
    items: tuple[LearnedItem, ...] = ()
    matchers: dict[str, Matcher] = field(default_factory=dict)


_lock = threading.Lock()
_cache: dict[str, _Learned] = {}


def learned_matcher(session: Session, city: str) -> Matcher:
    """The city's matcher knowing every learned item as of now."""
    key = resolve_city(city).key
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    current = version(session)
    with _lock:
        cached = _cache.get(database)
        if cached is not None and cached.version == current:
            found = cached.matchers.get(key)
            if found is not None:
                return found
    if cached is None or cached.version != current:
        rows = all_learned(session)
        items = tuple(
            LearnedItem(
                name=row.name,
                category_key=row.category_key,
                subcategory=row.subcategory,
                advice=row.advice,
                reason=row.reason,
            )
            for row in rows
        )
        cached = _Learned(current, items)
    built = matcher(key).with_learned(cached.items)
    with _lock:
        stored = _cache.get(database)
        if stored is None or stored.version != cached.version:
            _cache[database] = stored = cached
        if stored.version == cached.version:
            stored.matchers.setdefault(key, built)
    return built


def lookup(session: Session, query: str, city: str) -> Lookup:
    return learned_matcher(session, city).lookup(query)


def lookup_view(found: Lookup, city: str) -> dict[str, Any]:
    """The matcher's contract plus `ambiguous`, `item_phrase` (Lookup.payload) and the city key."""
    return {**found.payload(), "city": resolve_city(city).key}


def best_guess(session: Session, city: str, *queries: str) -> Answer | None:
    """What the bot would say: the first answer for any query, else for its closest candidate."""
    found = learned_matcher(session, city)
    candidates: list[str] = []
    for query in queries:
        if not query.strip():
            continue
        result = found.lookup(query)
        if result.answers:
            return result.answers[0]
        candidates.extend(result.candidates)
    for candidate in dict.fromkeys(candidates):
        result = found.lookup(candidate)
        if result.answers:
            return result.answers[0]
    return None
