"""The outbox: messages for residents' chats, written by the platform, delivered by the gateway.

A row is `pending` until its `not_before`; the gateway claims due rows (`sending`, with a lease),
sends them and reports `sent`, `retry` (back to `pending` later) or `failed`. A claim whose lease
runs out (the gateway died mid-send) is due again and counts as an attempt; after MAX_ATTEMPTS a
row is `failed`. Rows of an erased resident are `cancelled`. Delivery is at least once: a gateway
that sends and dies before reporting `sent` sends again after the lease.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityplatform.db.models import OutboxMessage
from cityplatform.errors import Conflict, NotFound

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
MAX_ATTEMPTS = 8
LEASE_EXPIRED = "lease expired"
PERSONAL_CHATS = ("private", "web")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """A message to put in the outbox."""

    channel: str
    chat_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    chat_type: str = "private"
    kind: str = "notice"
    dedupe_key: str | None = None
    not_before: datetime | None = None
    resident_id: int | None = None


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


def enqueue(session: Session, message: Outgoing, now: datetime) -> tuple[OutboxMessage, bool]:
    """Add a row (flushed, not committed); (the existing row, False) when its dedupe key is taken."""
    if message.dedupe_key:
        existing = by_key(session, message.dedupe_key)
        if existing is not None:
            return existing, False
    row = OutboxMessage(
        channel=message.channel,
        chat_id=message.chat_id,
        chat_type=message.chat_type,
        text=message.text,
        buttons=[{"title": b.title, "payload": b.payload} for b in message.buttons],
        kind=message.kind,
        dedupe_key=message.dedupe_key,
        status=PENDING,
        attempts=0,
        not_before=message.not_before or now,
        resident_id=message.resident_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same key was written concurrently: the other writer's row stands.
        existing = by_key(session, message.dedupe_key) if message.dedupe_key else None
        if existing is None:
            raise
        return existing, False
    return row, True


def _claimable(channel: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.channel == channel,
        or_(
            and_(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now),
            and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until <= now),
        ),
    )


def claim(
    session: Session, channel: str, limit: int, lease_seconds: float, now: datetime
) -> list[OutboxMessage]:
    """Due rows of one channel, oldest first, now `sending` under a lease; commits.

    No row goes to two claimers: PostgreSQL locks the chosen rows (FOR UPDATE SKIP LOCKED, so
    claimers share the work instead of waiting); SQLite runs the choice and the update as one
    UPDATE statement, which holds the database's write lock. The update re-checks that each row is
    still claimable either way.
    """
    due = _claimable(channel, now)
    chosen = (
        select(OutboxMessage.id).where(due).order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids: Sequence[int] | ColumnElement[int] = session.scalars(
            chosen.with_for_update(skip_locked=True)
        ).all()
        if not ids:
            session.commit()
            return []
    else:
        ids = chosen.scalar_subquery()
    expired = OutboxMessage.status == SENDING
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), due)
        .values(
            status=SENDING,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=case((expired, OutboxMessage.attempts + 1), else_=OutboxMessage.attempts),
            last_error=case((expired, LEASE_EXPIRED), else_=OutboxMessage.last_error),
            updated_at=now,
        )
        .returning(OutboxMessage),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).all()
    worn_out = [row for row in claimed if row.attempts >= MAX_ATTEMPTS]
    for row in worn_out:
        row.status, row.lease_until = FAILED, None
        log.error("outbox %s: %s attempts, the last lease expired; marked failed", row.id, row.attempts)
    session.commit()
    return sorted((row for row in claimed if row not in worn_out), key=lambda r: (r.not_before, r.id))


def _open_row(session: Session, item_id: int, done: str) -> OutboxMessage | None:
    """The row to update, locked; None when it already has the status `done` (a repeated report)."""
    row = session.get(OutboxMessage, item_id, with_for_update=True)
    if row is None:
        raise NotFound("outbox_not_found", f"没有找到编号为 {item_id} 的待发消息。")
    if row.status == done:
        return None
    if row.status not in (PENDING, SENDING):
        raise Conflict(
            "outbox_closed",
            f"这条消息的状态已是「{row.status}」（已发送、已失败或已取消），不能再更改。",
        )
    return row


def mark_sent(session: Session, item_id: int, now: datetime) -> OutboxMessage:
    row = _open_row(session, item_id, SENT)
    if row is not None:
        row.status, row.sent_at, row.lease_until, row.updated_at = SENT, now, None, now
        session.commit()
        return row
    return session.get_one(OutboxMessage, item_id)


def retry_later(
    session: Session, item_id: int, after_seconds: float, error: str, now: datetime
) -> OutboxMessage:
    """One more failed attempt: due again after `after_seconds`, or `failed` after MAX_ATTEMPTS."""
    row = _open_row(session, item_id, FAILED)
    if row is None:
        return session.get_one(OutboxMessage, item_id)
    row.attempts += 1
    row.last_error = error[:1000] or None
    row.lease_until, row.updated_at = None, now
    if row.attempts >= MAX_ATTEMPTS:
        row.status = FAILED
        log.error("outbox %s failed after %s attempts: %s", row.id, row.attempts, error)
    else:
        row.status, row.not_before = PENDING, now + timedelta(seconds=after_seconds)
        log.warning(
            "outbox %s attempt %s failed, retry in %ss: %s", row.id, row.attempts, after_seconds, error
        )
    session.commit()
    return row


def mark_failed(session: Session, item_id: int, error: str, now: datetime) -> OutboxMessage:
    """The gateway gave up for good (e.g. the resident blocked the bot)."""
    row = _open_row(session, item_id, FAILED)
    if row is None:
        return session.get_one(OutboxMessage, item_id)
    row.attempts += 1
    row.status, row.last_error, row.lease_until, row.updated_at = FAILED, error[:1000] or None, None, now
    log.error("outbox %s failed: %s", row.id, error)
    session.commit()
    return row


def list_messages(
    session: Session, statuses: Sequence[str], channel: str | None, limit: int
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if statuses:
        query = query.where(OutboxMessage.status.in_(statuses))
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return list(session.scalars(query))


def forget_chat(session: Session, channel: str, chat_id: str | None, resident_id: int, now: datetime) -> int:
    """Erasure: cancel what still waits for this resident and unlink every row from them.

    Rows keep their kind, status and times; chat id, text and buttons go. Returns rows cancelled.
    """
    addressed = OutboxMessage.resident_id == resident_id
    if chat_id:
        # Their own chat only: a group's broadcasts are not theirs to cancel.
        own_chat = and_(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.chat_type.in_(PERSONAL_CHATS),
        )
        addressed = or_(addressed, own_chat)
    cancelled = 0
    for row in session.scalars(select(OutboxMessage).where(addressed).with_for_update()):
        if row.status in (PENDING, SENDING):
            row.status, row.lease_until, row.last_error = CANCELLED, None, "resident erased"
            cancelled += 1
        row.chat_id, row.text, row.buttons, row.resident_id = "erased", "", [], None
        row.updated_at = now
    session.flush()
    return cancelled
