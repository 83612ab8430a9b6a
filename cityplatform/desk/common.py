"""Small helpers shared by the desk modules."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rows_changed(result: Result[Any]) -> int:
    """The row count of an UPDATE or DELETE run through Session.execute."""
    return int(cast(CursorResult[Any], result).rowcount)
