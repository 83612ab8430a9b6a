"""Where to send what citysteward does not handle (referrals.yml)."""

from __future__ import annotations

from functools import lru_cache

from knowledge import load_yaml


@lru_cache(maxsize=1)
def emergency_terms() -> tuple[str, ...]:
    return tuple(str(term) for term in load_yaml("referrals.yml")["emergency_terms"])


def is_emergency(text: str) -> bool:
    """True when the text describes a police, fire or medical emergency (110/119/120)."""
    return any(term in text for term in emergency_terms())
