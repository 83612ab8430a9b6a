"""The platform's tables (SQLAlchemy 2 typed models). Schema changes go through Alembic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cityplatform.db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A responsible department: a street's enforcement office or a city department."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # street | department
    phone: Mapped[str | None] = mapped_column(String(40))


class Resident(Base):
    """Someone who talks to the bot. Erasure blanks the personal fields and replaces user_id."""

    __tablename__ = "residents"
    __table_args__ = (
        UniqueConstraint("channel", "user_id"),
        Index("ix_residents_tips", "tips_enabled", "tips_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    community: Mapped[str | None] = mapped_column(String(100))
    # IETF language tag from the messaging app, e.g. zh-hans
    language: Mapped[str | None] = mapped_column(String(35))
    tips_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Local time of the daily sorting tip, "HH:MM" in the city's timezone
    tips_time: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_category", "status", "category"),
        Index("ix_cases_category_status_lat", "category", "status", "latitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    gbt_code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    gcj02_latitude: Mapped[float] = mapped_column(Float)
    gcj02_longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    grid_cell: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str] = mapped_column(String(50), index=True)
    street: Mapped[str] = mapped_column(String(50), index=True)
    community: Mapped[str | None] = mapped_column(String(50), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatch_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    arrive_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[str | None] = mapped_column(String(30))
    rating_comment: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    reporter: Mapped[Resident | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[Media]] = relationship(back_populates="case", order_by="Media.created_at")


class CaseEvent(Base):
    """One entry of a case's history: every transition, who, when, from → to, note, photos."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    photos: Mapped[list[Media]] = relationship(back_populates="event")


class Media(Base):
    """A stored photo: before (from the resident) or after (from the handler)."""

    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(10), default="before")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))

    case: Mapped[Case | None] = relationship(back_populates="photos")
    event: Mapped[CaseEvent | None] = relationship(back_populates="photos")


class CaseFollower(Base):
    """A resident who gets a case's updates: its reporter, or a "me too" reporter."""

    __tablename__ = "case_followers"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True, index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(20))  # reporter | duplicate


class DuplicateLink(Base):
    """A report that was linked to an open case of the same category nearby instead of opening one."""

    __tablename__ = "duplicate_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    description: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """The answer given to a create request, replayed when the same key comes again."""

    __tablename__ = "idempotency_records"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseCodeCounter(Base):
    """The last sequence number handed out per day, for codes like JM20261123-0007."""

    __tablename__ = "case_code_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class OutboxMessage(Base):
    """A message waiting to be sent to a chat, or a record of one that was (docs/platform-api.md)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_claim", "channel", "status", "not_before"),
        Index("ix_outbox_messages_chat", "channel", "chat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    chat_type: Mapped[str] = mapped_column(String(20))  # private | group | supergroup | web
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))  # notice | case_update | report_filed | tip | campaign
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # pending | sending | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VolunteerInvite(Base):
    """An invite code a steward hands out; residents become desk volunteers with it."""

    __tablename__ = "volunteer_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    community: Mapped[str | None] = mapped_column(String(100))
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Volunteer(Base):
    """A resident who answers waste-sorting questions the bot could not; `left_at` once they leave."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    community: Mapped[str | None] = mapped_column(String(100), index=True)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_invites.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    resident: Mapped[Resident] = relationship(lazy="joined", innerjoin=True)


class DeskQuestion(Base):
    """A resident's waste-sorting question handed to the volunteers (open → answered | guessed)."""

    __tablename__ = "desk_questions"
    __table_args__ = (Index("ix_desk_questions_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    item_phrase: Mapped[str] = mapped_column(Text)
    # item_phrase normalised (what learned items are named by); None when too long to be a name
    item_key: Mapped[str | None] = mapped_column(String(100), index=True)
    city: Mapped[str] = mapped_column(String(20))
    community: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))  # open | answered | guessed
    guess_item: Mapped[str | None] = mapped_column(String(100))
    guess_category: Mapped[str | None] = mapped_column(String(20))
    # ids of the volunteers the question was sent to
    notified: Mapped[list[int]] = mapped_column(JSON)
    answer_category: Mapped[str | None] = mapped_column(String(20))
    answered_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    guessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    answers: Mapped[list[DeskAnswer]] = relationship(
        back_populates="question", order_by="DeskAnswer.id", cascade="all, delete-orphan"
    )


class DeskAnswer(Base):
    """A volunteer's answer: the first one goes to the resident, later ones are votes."""

    __tablename__ = "desk_answers"
    __table_args__ = (UniqueConstraint("question_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("desk_questions.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    category_key: Mapped[str] = mapped_column(String(20))  # a category key, or skip
    first: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    question: Mapped[DeskQuestion] = relationship(back_populates="answers")


class LearnedWasteItem(Base):
    """An item the matcher learned from volunteers' agreement or a steward; wins over the knowledge base."""

    __tablename__ = "learned_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category_key: Mapped[str] = mapped_column(String(20))
    subcategory: Mapped[str | None] = mapped_column(String(40))
    advice: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # volunteers | steward
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


class LearnedItemChange(Base):
    """One change of a learned item: who, when, what it was before and after (kept after deletion)."""

    __tablename__ = "learned_item_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(20))  # create | update | approve | correct | delete
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
