"""Learned items: what the matcher knows beyond the knowledge base, and every change to them.

An item is learned when two different volunteers give the same category for the same item phrase
(on one question or on several), or when a steward approves a question or corrects an item. A
steward's entry always wins: volunteers' later agreement never changes it. Each change writes a
learned_item_changes row (who, when, before, after), which is also the cache key of the matcher.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityplatform.cases.views import local_iso
from cityplatform.db.models import DeskAnswer, DeskQuestion, LearnedItemChange, LearnedWasteItem
from cityplatform.desk.texts import CATEGORY_KEYS, NATIONAL_NAMES
from cityplatform.errors import Invalid, NotFound
from knowledge.waste import SUBCATEGORIES

log = logging.getLogger(__name__)

STEWARD, VOLUNTEERS = "steward", "volunteers"
MAX_NAME = 100
# The learned item's fields that a change records before and after.
FIELDS = ("category_key", "subcategory", "advice", "reason", "source")
SPACES = re.compile(r"\s+")


def normalise_phrase(text: str) -> str:
    """What learned items are named by: stripped, lower-case, full-width forms made half-width."""
    half = []
    for char in text:
        code = ord(char)
        if code == 0x3000:
            half.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            half.append(chr(code - 0xFEE0))
        else:
            half.append(char)
    return SPACES.sub(" ", "".join(half)).strip().lower()


def item_key(phrase: str) -> str | None:
    """The learned-item name of a question's phrase; None when it is too long to be an item name."""
    key = normalise_phrase(phrase)
    return key if key and len(key) <= MAX_NAME else None


def check_name(name: str) -> str:
    key = normalise_phrase(name)
    if not key:
        raise Invalid("empty_name", "物品名称不能为空。")
    if len(key) > MAX_NAME:
        raise Invalid("name_too_long", f"物品名称请控制在 {MAX_NAME} 个字以内。")
    return key


@dataclass(frozen=True)
class ItemFields:
    category_key: str
    subcategory: str | None = None
    advice: str | None = None
    reason: str | None = None


def check_fields(fields: ItemFields) -> ItemFields:
    check_category(fields.category_key)
    allowed = SUBCATEGORIES[fields.category_key]
    if fields.subcategory and fields.subcategory not in allowed:
        raise Invalid(
            "unknown_subcategory",
            f"「{NATIONAL_NAMES[fields.category_key]}」没有「{fields.subcategory}」这个小类，"
            f"可选：{'、'.join(sorted(allowed))}。",
        )
    return fields


def check_category(key: str) -> str:
    if key not in CATEGORY_KEYS:
        choices = "、".join(f"{k}（{name}）" for k, name in NATIONAL_NAMES.items())
        raise Invalid("unknown_category", f"没有「{key}」这个垃圾分类，可选：{choices}。")
    return key


def state(row: LearnedWasteItem | None) -> dict[str, Any] | None:
    """A learned item as a change records it."""
    return None if row is None else {field: getattr(row, field) for field in FIELDS}


def learned_view(row: LearnedWasteItem, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "name": row.name,
        "category_key": row.category_key,
        "subcategory": row.subcategory,
        "advice": row.advice,
        "reason": row.reason,
        "source": row.source,
        "updated_at": local_iso(row.updated_at, tz),
        "updated_by": row.updated_by,
    }


def change_view(change: LearnedItemChange, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "at": local_iso(change.at, tz),
        "actor": change.actor,
        "action": change.action,
        "source": change.source,
        "before": change.before,
        "after": change.after,
        "note": change.note,
    }


def all_learned(session: Session) -> list[LearnedWasteItem]:
    return list(session.scalars(select(LearnedWasteItem).order_by(LearnedWasteItem.name)))


def version(session: Session) -> int:
    """Grows with every change of any learned item, in any process: the matcher cache's key."""
    return session.scalar(select(func.max(LearnedItemChange.id))) or 0


def _record(
    session: Session,
    name: str,
    action: str,
    before: dict[str, Any] | None,
    row: LearnedWasteItem | None,
    actor: str,
    source: str,
    note: str | None,
    now: datetime,
) -> None:
    session.add(
        LearnedItemChange(
            name=name,
            action=action,
            before=before,
            after=state(row),
            actor=actor,
            source=source,
            note=note,
            at=now,
        )
    )
    log.info("learned item %r: %s by %s", name, action, actor)


def _locked(session: Session, name: str) -> LearnedWasteItem | None:
    return session.scalar(select(LearnedWasteItem).where(LearnedWasteItem.name == name).with_for_update())


def save_by_steward(
    session: Session,
    name: str,
    fields: ItemFields,
    actor: str,
    note: str | None,
    now: datetime,
    action: str = "correct",
) -> tuple[LearnedWasteItem, bool]:
    """Create or correct an item as a steward (action `correct`, or `approve`); (row, created).

    Flushed, not committed. The steward's word wins over the knowledge base and over volunteers.
    """
    key = check_name(name)
    check_fields(fields)
    row = _locked(session, key)
    before = state(row)
    created = row is None
    if row is None:
        row = LearnedWasteItem(name=key, created_at=now)
        try:
            with session.begin_nested():
                _fill(row, fields, STEWARD, actor, now)
                session.add(row)
        except IntegrityError:
            # Created concurrently: correct the other writer's row.
            found = _locked(session, key)
            if found is None:
                raise
            row, before, created = found, state(found), False
    _fill(row, fields, STEWARD, actor, now)
    session.flush()
    _record(session, key, action, before, row, actor, STEWARD, note, now)
    session.flush()
    return row, created


def _fill(row: LearnedWasteItem, fields: ItemFields, source: str, actor: str, now: datetime) -> None:
    row.category_key = fields.category_key
    row.subcategory = fields.subcategory
    row.advice = fields.advice
    row.reason = fields.reason
    row.source = source
    row.updated_at = now
    row.updated_by = actor


def delete_by_steward(session: Session, name: str, actor: str, note: str | None, now: datetime) -> None:
    """Remove a learned item (the knowledge base answers again); its history stays. Flushed."""
    key = check_name(name)
    row = _locked(session, key)
    if row is None:
        raise NotFound("learned_not_found", f"没有名为「{key}」的已学习物品。")
    before = state(row)
    session.delete(row)
    session.flush()
    _record(session, key, "delete", before, None, actor, STEWARD, note, now)
    session.flush()


def history(session: Session, name: str) -> list[LearnedItemChange]:
    key = check_name(name)
    changes = list(
        session.scalars(
            select(LearnedItemChange).where(LearnedItemChange.name == key).order_by(LearnedItemChange.id)
        )
    )
    if not changes:
        raise NotFound("learned_not_found", f"「{key}」没有任何学习记录。")
    return changes


def learn_from_votes(session: Session, key: str | None, now: datetime) -> LearnedWasteItem | None:
    """Learn `key` when two different volunteers agree on its category; the row when it changed.

    Each volunteer counts once, with their latest answer for the phrase. A category is learned when
    at least two volunteers gave it and no other category has as many (a disagreement learns
    nothing). A steward's entry is never changed; after a steward deleted the item, only answers
    given since count. Flushed, not committed.
    """
    if key is None:
        return None
    row = _locked(session, key)
    if row is not None and row.source == STEWARD:
        return None
    answers = (
        select(DeskAnswer.volunteer_id, DeskAnswer.category_key)
        .join(DeskQuestion, DeskQuestion.id == DeskAnswer.question_id)
        .where(
            DeskQuestion.item_key == key,
            DeskAnswer.volunteer_id.is_not(None),
            DeskAnswer.category_key.in_(CATEGORY_KEYS),
        )
        .order_by(DeskAnswer.created_at, DeskAnswer.id)
    )
    deleted = session.scalar(
        select(func.max(LearnedItemChange.at)).where(
            LearnedItemChange.name == key, LearnedItemChange.action == "delete"
        )
    )
    if deleted is not None:
        answers = answers.where(DeskAnswer.created_at > deleted)
    latest: dict[int, str] = {}
    for volunteer_id, category in session.execute(answers):
        latest[volunteer_id] = category
    voters: dict[str, list[int]] = {}
    for volunteer_id, category in latest.items():
        voters.setdefault(category, []).append(volunteer_id)
    ranked = sorted(voters.items(), key=lambda pair: len(pair[1]), reverse=True)
    if not ranked or len(ranked[0][1]) < 2 or (len(ranked) > 1 and len(ranked[1][1]) == len(ranked[0][1])):
        return None
    category, agreeing = ranked[0]
    if row is not None and row.category_key == category:
        return None
    actor = "volunteers:" + ",".join(str(v) for v in sorted(agreeing))
    fields = ItemFields(category)
    before = state(row)
    if row is None:
        row = LearnedWasteItem(name=key, created_at=now)
        try:
            with session.begin_nested():
                _fill(row, fields, VOLUNTEERS, actor, now)
                session.add(row)
        except IntegrityError:
            # Learned concurrently from the same votes.
            return None
        action = "create"
    else:
        _fill(row, fields, VOLUNTEERS, actor, now)
        action = "update"
    session.flush()
    _record(session, key, action, before, row, actor, VOLUNTEERS, None, now)
    session.flush()
    return row
