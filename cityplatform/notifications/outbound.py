"""Who can be told, and one outbox row to tell them: only reachable residents, each row under a
dedupe key so that a retried transaction or sweep never sends twice. Case updates and the
volunteer desk both write through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cityplatform.db.models import Resident
from cityplatform.outbox import Button, Outgoing, enqueue
from cityplatform.settings import PlatformSettings


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
    *,
    kind: str,
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
            kind=kind,
            dedupe_key=key,
            resident_id=resident.id,
        ),
        now,
    )
    return created
