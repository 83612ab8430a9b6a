"""Outbox rows from the desk: only to reachable residents, each under a dedupe key (sent once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cityplatform.db.models import Resident
from cityplatform.outbox import Button, Outgoing, enqueue
from cityplatform.settings import PlatformSettings

KIND = "desk"


def reachable(settings: PlatformSettings, resident: Resident | None) -> bool:
    """Not erased, with a chat on a channel the gateway delivers to."""
    return (
        resident is not None
        and resident.erased_at is None
        and bool(resident.chat_id)
        and resident.channel in settings.notified_channels()
    )


def tell(
    session: Session,
    settings: PlatformSettings,
    resident: Resident | None,
    text: str,
    key: str,
    now: datetime,
    buttons: tuple[Button, ...] = (),
) -> bool:
    """One outbox row for a reachable resident; False when unreachable or the key was used already."""
    if resident is None or not reachable(settings, resident):
        return False
    _, created = enqueue(
        session,
        Outgoing(
            channel=resident.channel,
            chat_id=resident.chat_id or "",
            text=text,
            buttons=buttons,
            kind=KIND,
            dedupe_key=key,
            resident_id=resident.id,
        ),
        now,
    )
    return created
