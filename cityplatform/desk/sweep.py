"""The desk's periodic job: escalate unanswered questions, then answer them with the bot's guess.

`sweep(session, now, settings)` is a plain function (the scheduler in jobs.py runs it every
DESK_SWEEP_SECONDS; tests call it with a frozen `now`). Repeating it changes nothing: each step is
recorded on the question and each message has its own dedupe key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cityplatform.db.models import DeskQuestion, Resident
from cityplatform.desk import texts
from cityplatform.desk.matching import best_guess, category_style
from cityplatform.desk.questions import GUESSED, OPEN, available_volunteers, send_question
from cityplatform.notifications.outbound import tell
from cityplatform.settings import PlatformSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    escalated: int = 0  # questions sent to every other volunteer
    guessed: int = 0  # questions answered with the bot's best guess
    messages: int = 0  # outbox rows written


def sweep(session: Session, now: datetime, settings: PlatformSettings) -> SweepResult:
    """Open questions older than DESK_ESCALATE_MINUTES go to all other volunteers; those older than
    DESK_ANSWER_MINUTES become `guessed` and the resident gets the bot's best guess. Commits."""
    escalate_before = now - timedelta(minutes=settings.desk_escalate_minutes)
    guess_before = now - timedelta(minutes=settings.desk_answer_minutes)
    due = (
        select(DeskQuestion)
        .where(
            DeskQuestion.status == OPEN,
            DeskQuestion.created_at <= escalate_before,
            # escalated ones wait for their guess without being read every minute
            or_(DeskQuestion.escalated_at.is_(None), DeskQuestion.created_at <= guess_before),
        )
        .order_by(DeskQuestion.id)
        # Two sweeping processes share the work instead of doing it twice (PostgreSQL; SQLite,
        # one writer at a time, compiles no FOR UPDATE).
        .with_for_update(skip_locked=True)
    )
    escalated = guessed = messages = 0
    for question in session.scalars(due).all():
        if question.created_at <= guess_before:
            messages += _guess(session, settings, question, now)
            guessed += 1
        elif question.escalated_at is None:
            others = available_volunteers(session, settings, question)
            messages += send_question(session, settings, question, others, now)
            question.escalated_at = now
            escalated += 1
    session.commit()
    if escalated or guessed:
        log.info("desk sweep: %s escalated, %s guessed, %s messages", escalated, guessed, messages)
    return SweepResult(escalated, guessed, messages)


def _guess(session: Session, settings: PlatformSettings, question: DeskQuestion, now: datetime) -> int:
    """Nobody answered: the resident gets the bot's best guess, marked as such (learned items that
    arrived since the question was asked are used)."""
    found = best_guess(session, question.city, question.text, question.item_phrase)
    if found is not None:
        question.guess_item, question.guess_category = found.item, found.category_key
    question.status, question.guessed_at = GUESSED, now
    if question.resident_id is None:
        return 0
    name = bin_colour = None
    if question.guess_category:
        name, bin_colour = category_style(question.city, question.guess_category)
    text = texts.guess(question.item_phrase, question.guess_item, name, bin_colour)
    resident = session.get(Resident, question.resident_id)
    return int(tell(session, settings, resident, text, f"desk:{question.id}:guess", now, kind=texts.KIND))
