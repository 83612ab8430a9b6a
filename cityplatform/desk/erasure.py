"""What a resident's erasure removes from the desk (called by cityplatform.residents.erasure)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cityplatform.db.models import DeskAnswer, DeskQuestion, OutboxMessage, Volunteer
from cityplatform.desk.texts import SKIP
from cityplatform.outbox import CANCELLED, PENDING, SENDING

log = logging.getLogger(__name__)


def forget_desk(session: Session, resident_id: int, now: datetime) -> None:
    """Erase the resident from the desk, in the caller's transaction (flushed, not committed).

    - their questions: those nobody answered (every open one) are deleted; answered ones lose the
      resident and the text (the item phrase stays with the volunteers' votes); the questions'
      messages to volunteers (which quote the text) are cancelled when still waiting, and lose
      text and buttons;
    - their volunteer record is deleted; their answers stay as anonymous votes, without notes.
    Their own outbox rows are handled by outbox.forget_chat.
    """
    questions = session.scalars(
        select(DeskQuestion).where(DeskQuestion.resident_id == resident_id).with_for_update()
    ).all()
    for question in questions:
        _forget_messages(session, question.id, now)
        if all(answer.category_key == SKIP for answer in question.answers):
            session.delete(question)
        else:
            question.resident_id, question.text = None, ""
    volunteer = session.scalar(select(Volunteer).where(Volunteer.resident_id == resident_id))
    answers = 0
    if volunteer is not None:
        answers = len(
            session.scalars(select(DeskAnswer.id).where(DeskAnswer.volunteer_id == volunteer.id)).all()
        )
        session.execute(
            update(DeskAnswer)
            .where(DeskAnswer.volunteer_id == volunteer.id)
            .values(volunteer_id=None, note=None)
            .execution_options(synchronize_session=False)
        )
        session.delete(volunteer)
    session.flush()
    log.info(
        "desk erasure of resident #%s: %s questions, volunteer record %s (%s answers kept anonymous)",
        resident_id,
        len(questions),
        "removed" if volunteer is not None else "none",
        answers,
    )


def _forget_messages(session: Session, question_id: int, now: datetime) -> None:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"desk:{question_id}:%")).with_for_update()
    )
    for row in rows:
        if row.status in (PENDING, SENDING):
            row.status, row.lease_until, row.last_error = CANCELLED, None, "resident erased"
        row.text, row.buttons, row.updated_at = "", [], now
