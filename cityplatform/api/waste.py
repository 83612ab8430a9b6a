"""Waste sorting: lookups with the learned items, learned items (staff), and the volunteer desk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, Field

from cityplatform.api.dependencies import case_context, require_token, statuses_param
from cityplatform.api.volunteers import ChatResidentIn
from cityplatform.cases.context import CaseContext
from cityplatform.desk import learning, matching, questions, texts

router = APIRouter(prefix="/api/v1/waste", dependencies=[Depends(require_token)], tags=["waste sorting"])
Context = Annotated[CaseContext, Depends(case_context)]
# Generous limits for the request schema; the polite checks (and their codes) come after.
LONG = 2000


class LearnedIn(BaseModel):
    category_key: str = Field(min_length=1, max_length=20)
    subcategory: str | None = Field(default=None, max_length=40)
    advice: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=200)
    actor: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=1000)


class QuestionIn(BaseModel):
    resident: ChatResidentIn
    text: str = Field(max_length=LONG)
    item_phrase: str | None = Field(default=None, max_length=LONG)
    city: str | None = Field(default=None, max_length=40)
    community: str | None = Field(default=None, max_length=100)


class VolunteerRefIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    user_id: str = Field(min_length=1, max_length=100)


class AnswerIn(BaseModel):
    volunteer: VolunteerRefIn
    category_key: str = Field(min_length=1, max_length=20, description="a category key, or skip")
    note: str | None = Field(default=None, max_length=LONG)


class NoteIn(BaseModel):
    volunteer: VolunteerRefIn
    note: str = Field(max_length=LONG)


class ApproveIn(BaseModel):
    actor: str = Field(min_length=1, max_length=100)
    category_key: str = Field(min_length=1, max_length=20)
    note: str | None = Field(default=None, max_length=1000)


def _blank(value: str | None) -> str | None:
    return (value or "").strip() or None


@router.get("/lookup", summary="What kind of waste is it? The matcher, with the learned items at once")
def lookup(
    ctx: Context,
    q: Annotated[str, Query(max_length=LONG)],
    city: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    query = questions.check_text(q)
    where = city or ctx.settings.city
    return matching.lookup_view(matching.lookup(ctx.session, query, where), where)


@router.get("/learned", summary="Every learned item (the CLI and the bot's fallback fetch them)")
def learned(ctx: Context) -> dict[str, Any]:
    return {"items": [learning.learned_view(row, ctx.tz) for row in learning.all_learned(ctx.session)]}


@router.put("/learned/{name}", summary="A steward creates or corrects a learned item (201 when new)")
def put_learned(name: str, body: LearnedIn, ctx: Context, response: Response) -> dict[str, Any]:
    fields = learning.ItemFields(
        body.category_key, _blank(body.subcategory), _blank(body.advice), _blank(body.reason)
    )
    row, created = learning.save_by_steward(
        ctx.session, name, fields, body.actor.strip(), _blank(body.note), ctx.now()
    )
    ctx.session.commit()
    if created:
        response.status_code = 201
    return learning.learned_view(row, ctx.tz)


@router.delete("/learned/{name}", status_code=204, summary="A steward removes a learned item")
def delete_learned(
    name: str,
    ctx: Context,
    actor: Annotated[str, Query(min_length=1, max_length=100)],
    note: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    learning.delete_by_steward(ctx.session, name, actor.strip(), _blank(note), ctx.now())
    ctx.session.commit()
    return Response(status_code=204)


@router.get("/learned/{name}/history", summary="Every change of a learned item, oldest first")
def learned_history(name: str, ctx: Context) -> dict[str, Any]:
    changes = learning.history(ctx.session, name)
    return {
        "name": learning.normalise_phrase(name),
        "changes": [learning.change_view(change, ctx.tz) for change in changes],
    }


@router.post("/questions", status_code=201, summary="Hand a question to the volunteers (Idempotency-Key)")
def ask(
    body: QuestionIn,
    ctx: Context,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> dict[str, Any]:
    new = questions.NewQuestion(
        resident=body.resident.reporter(),
        text=body.text,
        item_phrase=body.item_phrase,
        city=body.city,
        community=body.community,
    )
    question, created = questions.ask(ctx, new, idempotency_key)
    if not created:
        response.status_code = 200
    return questions.question_view(question, ctx.tz)


@router.get("/questions", summary="Questions, newest first (staff)")
def list_questions(
    ctx: Context,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    statuses = statuses_param(status, questions.STATUSES)
    rows = questions.list_questions(ctx.session, statuses, limit)
    return {"items": [questions.question_view(row, ctx.tz) for row in rows]}


@router.get("/questions/{question_id}", summary="One question (staff)")
def show_question(question_id: int, ctx: Context) -> dict[str, Any]:
    return questions.question_view(questions.get_question(ctx.session, question_id), ctx.tz)


@router.post(
    "/questions/{question_id}/answers",
    status_code=201,
    summary="A volunteer answers: 201 for the first answer (sent to the resident), 200 for a vote",
)
def answer(question_id: int, body: AnswerIn, ctx: Context, response: Response) -> dict[str, Any]:
    result = questions.answer(
        ctx, question_id, body.volunteer.channel, body.volunteer.user_id, body.category_key, body.note
    )
    if not result.first or result.repeated:
        response.status_code = 200
    key = result.answer.category_key
    return {
        "first": result.first,
        "question_id": result.question.id,
        "category_key": key,
        "category": texts.NATIONAL_NAMES.get(key),
        "skipped": key == texts.SKIP,
        "repeated": result.repeated,
        "resident_notified": result.resident_told,
        "learned": result.learned.name if result.learned else None,
    }


@router.patch("/questions/{question_id}/answers/mine", summary="A volunteer adds a note to their answer")
def add_note(question_id: int, body: NoteIn, ctx: Context) -> dict[str, Any]:
    mine, sent = questions.add_note(
        ctx, question_id, body.volunteer.channel, body.volunteer.user_id, body.note
    )
    return {"question_id": question_id, "note": mine.note, "first": mine.first, "resident_notified": sent}


@router.post("/questions/{question_id}/approve", summary="A steward settles a question: its item is learned")
def approve(question_id: int, body: ApproveIn, ctx: Context) -> dict[str, Any]:
    question, row = questions.approve(
        ctx, question_id, body.actor.strip(), body.category_key, _blank(body.note)
    )
    return {
        "question": questions.question_view(question, ctx.tz),
        "learned": learning.learned_view(row, ctx.tz),
    }
