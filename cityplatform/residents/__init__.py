"""Residents: their profile and tips setting (profile.py), erasure of their data (erasure.py)."""

from cityplatform.residents.erasure import erase_resident
from cityplatform.residents.profile import (
    DEFAULT_TIPS_TIME,
    ProfileChange,
    get_resident,
    live_resident,
    normalise_time,
    resident_view,
    save_profile,
    set_tips,
)

__all__ = [
    "DEFAULT_TIPS_TIME",
    "ProfileChange",
    "erase_resident",
    "get_resident",
    "live_resident",
    "normalise_time",
    "resident_view",
    "save_profile",
    "set_tips",
]
