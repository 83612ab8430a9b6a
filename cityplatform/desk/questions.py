"""Questions to the desk: a resident asks, volunteers answer, a steward may approve.

A question goes to the volunteers of the resident's community (all volunteers when it has none),
through the outbox, with the four categories as buttons. The first answer goes back to the resident
at once (the question is `answered`); later answers are votes for learning. Unanswered questions
are escalated and finally answered with the bot's best guess by the sweep (sweep.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityplatform.cases.context import CaseContext
from cityplatform.cases.intake import ReporterInput
from cityplatform.cases.views import local_iso
from cityplatform.db.models import DeskAnswer, DeskQuestion, LearnedWasteItem, Resident, Volunteer
from cityplatform.desk import texts
from cityplatform.desk.common import rows_changed
from cityplatform.desk.learning import (
    ItemFields,
    check_category,
    item_key,
    learn_from_votes,
    save_by_steward,
)
from cityplatform.desk.matching import best_guess, category_style, resolve_city
from cityplatform.desk.volunteers import active_volunteer, chat_resident
from cityplatform.errors import Conflict, Forbidden, Invalid, NotFound
from cityplatform.notifications.outbound import reachable, tell
from cityplatform.residents.profile import check_community
from cityplatform.settings import PlatformSettings

log = logging.getLogger(__name__)

OPEN, ANSWERED, GUESSED = "open", "answered", "guessed"
STATUSES = (OPEN, ANSWERED, GUESSED)
MAX_TEXT = 500
MAX_NOTE = 500


@dataclass(frozen=True)
class NewQuestion:
    resident: ReporterInput
    text: str
    item_phrase: str | None = None
    city: str | None = None
    community: str | None = None


def check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("empty_text", "问题内容不能为空，请说一说想问的是什么垃圾。")
    if len(cleaned) > MAX_TEXT:
        raise Invalid("text_too_long", f"问题请控制在 {MAX_TEXT} 字以内。")
    return cleaned


def check_note(note: str | None) -> str | None:
    cleaned = (note or "").strip()
    if len(cleaned) > MAX_NOTE:
        raise Invalid("note_too_long", f"补充说明请控制在 {MAX_NOTE} 字以内。")
    return cleaned or None


def get_question(session: Session, question_id: int) -> DeskQuestion:
    question = session.get(DeskQuestion, question_id)
    if question is None:
        raise NotFound("question_not_found", f"没有找到编号为 {question_id} 的居民提问。")
    return question


def _by_key(session: Session, key: str) -> DeskQuestion | None:
    return session.scalar(select(DeskQuestion).where(DeskQuestion.idempotency_key == key))


def ask(ctx: CaseContext, new: NewQuestion, idempotency_key: str | None) -> tuple[DeskQuestion, bool]:
    """Open a question and send it to volunteers; (question, created). Commits.

    The same Idempotency-Key always answers with the question it opened first.
    """
    if idempotency_key is not None:
        if not idempotency_key.strip() or len(idempotency_key) > 100:
            raise Invalid("invalid_idempotency_key", "Idempotency-Key 无效（1–100 个字符）。")
        previous = _by_key(ctx.session, idempotency_key)
        if previous is not None:
            return previous, False
    text = check_text(new.text)
    phrase = (new.item_phrase or "").strip() or text
    if len(phrase) > MAX_TEXT:
        raise Invalid("phrase_too_long", f"物品描述请控制在 {MAX_TEXT} 字以内。")
    city = resolve_city(new.city or ctx.settings.city).key
    community = (new.community or "").strip() or None
    if community:
        check_community(ctx, community)
    resident = chat_resident(ctx, new.resident)
    guess = best_guess(ctx.session, city, text, phrase)
    now = ctx.now()
    question = DeskQuestion(
        idempotency_key=idempotency_key,
        resident_id=resident.id,
        text=text,
        item_phrase=phrase,
        item_key=item_key(phrase),
        city=city,
        community=resident.community or community,
        status=OPEN,
        guess_item=guess.item if guess else None,
        guess_category=guess.category_key if guess else None,
        notified=[],
        created_at=now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(question)
    except IntegrityError:
        # The same key was used concurrently: the other request's question stands.
        ctx.session.rollback()
        previous = _by_key(ctx.session, idempotency_key) if idempotency_key else None
        if previous is None:
            raise
        return previous, False
    volunteers = available_volunteers(ctx.session, ctx.settings, question)
    local = [v for v in volunteers if question.community and v.community == question.community]
    sent = send_question(ctx.session, ctx.settings, question, local or volunteers, now)
    ctx.session.commit()
    log.info(
        "desk question #%s (%s): sent to %s volunteers%s",
        question.id,
        question.community or "no community",
        sent,
        " of the community" if local else "",
    )
    return question, True


def available_volunteers(
    session: Session, settings: PlatformSettings, question: DeskQuestion
) -> list[Volunteer]:
    """Active volunteers who can be reached, not yet asked, other than the asking resident."""
    rows = session.scalars(select(Volunteer).where(Volunteer.left_at.is_(None)).order_by(Volunteer.id))
    asked = set(question.notified)
    return [
        volunteer
        for volunteer in rows
        if volunteer.id not in asked
        and volunteer.resident_id != question.resident_id
        and reachable(settings, volunteer.resident)
    ]


def send_question(
    session: Session,
    settings: PlatformSettings,
    question: DeskQuestion,
    volunteers: Sequence[Volunteer],
    now: datetime,
) -> int:
    """Put the question in the outbox for each volunteer (once per volunteer); the rows written."""
    text = texts.ask_volunteer(question.text, question.guess_item, question.guess_category)
    buttons = texts.question_buttons(question.id)
    notified = list(question.notified)
    written = 0
    for volunteer in volunteers:
        key = f"desk:{question.id}:ask:{volunteer.id}"
        if tell(session, settings, volunteer.resident, text, key, now, kind=texts.KIND, buttons=buttons):
            written += 1
        if volunteer.id not in notified:
            notified.append(volunteer.id)
    question.notified = notified
    return written


@dataclass(frozen=True)
class Answered:
    question: DeskQuestion
    answer: DeskAnswer
    first: bool
    repeated: bool = False
    resident_told: bool = False
    learned: LearnedWasteItem | None = None


def _answer_of(session: Session, question_id: int, volunteer_id: int) -> DeskAnswer | None:
    return session.scalar(
        select(DeskAnswer).where(
            DeskAnswer.question_id == question_id, DeskAnswer.volunteer_id == volunteer_id
        )
    )


def _volunteer(ctx: CaseContext, channel: str, user_id: str) -> Volunteer:
    volunteer = active_volunteer(ctx, channel, user_id)
    if volunteer is None:
        raise Forbidden(
            "not_volunteer",
            "您还不是垃圾分类志愿者，暂时不能回答居民的提问。想加入的话，请向社区工作人员索取邀请码。",
        )
    return volunteer


def answer(
    ctx: CaseContext, question_id: int, channel: str, user_id: str, category_key: str, note: str | None
) -> Answered:
    """A volunteer's answer (or `skip`): the first one goes to the resident, later ones are votes.

    A volunteer answers a question once; pressing again answers as the first time (a skip may be
    followed by a real answer). Commits.
    """
    if category_key != texts.SKIP:
        check_category(category_key)
    note = check_note(note)
    session = ctx.session
    question = get_question(session, question_id)
    volunteer = _volunteer(ctx, channel, user_id)
    if question.status not in (OPEN, ANSWERED):
        raise Conflict(
            "question_closed",
            "这个提问已经结束了（居民已经收到了系统的初步判断），不用再回答了，谢谢您的热心！",
        )
    now = ctx.now()
    mine = _answer_of(session, question.id, volunteer.id)
    if mine is not None and (mine.category_key != texts.SKIP or category_key == texts.SKIP):
        return Answered(question, mine, first=mine.first, repeated=True)
    if mine is None:
        mine = DeskAnswer(
            question_id=question.id,
            volunteer_id=volunteer.id,
            category_key=category_key,
            first=False,
            note=note,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(mine)
        except IntegrityError:
            # The same button pressed twice at once: the other press stands.
            session.rollback()
            again = _answer_of(session, question.id, volunteer.id)
            if again is None:
                raise
            return Answered(question, again, first=again.first, repeated=True)
    else:  # a real answer after "我也不确定"
        mine.category_key, mine.note, mine.created_at, mine.updated_at = category_key, note, now, now
    if category_key == texts.SKIP:
        session.commit()
        return Answered(question, mine, first=False)

    first = _close(session, question, category_key, f"volunteer:{volunteer.id}", now)
    mine.first = first
    told = False
    if first:
        told = _tell_answer(ctx, question, category_key, note, "志愿者", now)
        _tell_others(session, ctx.settings, question, volunteer.id, texts.ANSWERED_BY_OTHERS, now)
    learned = learn_from_votes(session, question.item_key, now)
    session.commit()
    log.info(
        "desk question #%s: volunteer #%s answered %s (%s)%s",
        question.id,
        volunteer.id,
        category_key,
        "first" if first else "vote",
        f"; learned {learned.name!r}" if learned else "",
    )
    return Answered(question, mine, first=first, resident_told=told, learned=learned)


def _close(session: Session, question: DeskQuestion, category_key: str, by: str, now: datetime) -> bool:
    """Mark an open question answered, in one conditional UPDATE: True for the one who did it."""
    changed = rows_changed(
        session.execute(
            update(DeskQuestion)
            .where(DeskQuestion.id == question.id, DeskQuestion.status == OPEN)
            .values(status=ANSWERED, answered_at=now, answer_category=category_key, answered_by=by)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(question)
    return changed == 1


def _tell_answer(
    ctx: CaseContext, question: DeskQuestion, category_key: str, note: str | None, by: str, now: datetime
) -> bool:
    resident = ctx.session.get(Resident, question.resident_id) if question.resident_id else None
    name, bin_colour = category_style(question.city, category_key)
    text = texts.answer(question.item_phrase, name, bin_colour, note, by=by)
    return tell(ctx.session, ctx.settings, resident, text, f"desk:{question.id}:answer", now, kind=texts.KIND)


def _tell_others(
    session: Session,
    settings: PlatformSettings,
    question: DeskQuestion,
    answered_by: int | None,
    text: str,
    now: datetime,
) -> int:
    """The volunteers who were asked (but the one who answered) hear that it is answered."""
    told = 0
    for volunteer_id in question.notified:
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.id == answered_by or volunteer.left_at is not None:
            continue
        key = f"desk:{question.id}:done:{volunteer.id}"
        told += tell(session, settings, volunteer.resident, text, key, now, kind=texts.KIND)
    return told


def add_note(
    ctx: CaseContext, question_id: int, channel: str, user_id: str, note: str | None
) -> tuple[DeskAnswer, bool]:
    """A note after answering; the first answer's first note goes to the resident. Commits."""
    text = check_note(note)
    if text is None:
        raise Invalid("empty_note", "补充内容不能为空。")
    session = ctx.session
    question = get_question(session, question_id)
    volunteer = _volunteer(ctx, channel, user_id)
    mine = _answer_of(session, question.id, volunteer.id)
    if mine is None or mine.category_key == texts.SKIP:
        raise NotFound("answer_not_found", "您还没有回答这个提问，请先选择一个分类。")
    now = ctx.now()
    mine.note, mine.updated_at = text, now
    sent = False
    if mine.first and question.status == ANSWERED and question.resident_id is not None:
        resident = session.get(Resident, question.resident_id)
        key = f"desk:{question.id}:note"
        sent = tell(session, ctx.settings, resident, texts.note(text), key, now, kind=texts.KIND)
    session.commit()
    return mine, sent


def approve(
    ctx: CaseContext, question_id: int, actor: str, category_key: str, note: str | None
) -> tuple[DeskQuestion, LearnedWasteItem]:
    """A steward settles a question: its item is learned (source steward); an open question is
    answered to the resident at once. Commits."""
    check_category(category_key)
    session = ctx.session
    question = get_question(session, question_id)
    if question.item_key is None:
        raise Invalid(
            "phrase_too_long",
            "这个提问的物品描述太长，不能作为物品名称收录；请用 PUT /api/v1/waste/learned/{物品名} 录入。",
        )
    now = ctx.now()
    existing = session.scalar(select(LearnedWasteItem).where(LearnedWasteItem.name == question.item_key))
    fields = ItemFields(category_key)
    if existing is not None and existing.category_key == category_key:
        fields = ItemFields(category_key, existing.subcategory, existing.advice, existing.reason)
    row, _ = save_by_steward(session, question.item_key, fields, actor, note, now, action="approve")
    if question.status == OPEN and _close(session, question, category_key, actor, now):
        _tell_answer(ctx, question, category_key, None, "工作人员", now)
        _tell_others(session, ctx.settings, question, None, texts.ANSWERED_BY_STAFF, now)
    session.commit()
    return question, row


def list_questions(session: Session, statuses: Sequence[str], limit: int) -> list[DeskQuestion]:
    query = select(DeskQuestion).order_by(DeskQuestion.id.desc()).limit(limit)
    if statuses:
        query = query.where(DeskQuestion.status.in_(statuses))
    return list(session.scalars(query))


def question_view(question: DeskQuestion, tz: ZoneInfo) -> dict[str, Any]:
    real = [a for a in question.answers if a.category_key != texts.SKIP]
    guess = (
        {"item": question.guess_item, "category_key": question.guess_category}
        if question.guess_item and question.guess_category
        else None
    )
    answer = (
        {
            "category_key": question.answer_category,
            "by": question.answered_by,
            "at": local_iso(question.answered_at, tz),
        }
        if question.answer_category
        else None
    )
    return {
        "id": question.id,
        "status": question.status,
        "text": question.text,
        "item_phrase": question.item_phrase,
        "city": question.city,
        "community": question.community,
        "notified": len(question.notified),
        "best_guess": guess,
        "answer": answer,
        "votes": dict(Counter(a.category_key for a in real)),
        "skipped": len(question.answers) - len(real),
        "created_at": local_iso(question.created_at, tz),
        "escalated_at": local_iso(question.escalated_at, tz),
        "answered_at": local_iso(question.answered_at, tz),
        "guessed_at": local_iso(question.guessed_at, tz),
    }
