"""The outbox: the platform's messages to chats, claimed and delivered by the gateway."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from cityplatform import outbox
from cityplatform.api.dependencies import case_context, require_token, statuses_param
from cityplatform.api.schemas import ClaimIn, FailedIn, OutboxIn, RetryIn
from cityplatform.cases.context import CaseContext
from cityplatform.errors import Invalid

router = APIRouter(prefix="/api/v1/outbox", dependencies=[Depends(require_token)], tags=["outbox"])
Context = Annotated[CaseContext, Depends(case_context)]


@router.post("", status_code=201, summary="Queue a message (200 with the first one for a known dedupe_key)")
def enqueue(body: OutboxIn, ctx: Context, response: Response) -> dict[str, Any]:
    text = body.text.strip()
    if not text:
        raise Invalid("empty_text", "消息内容不能为空。")
    message = outbox.Outgoing(
        channel=body.channel,
        chat_id=body.chat_id,
        text=text,
        buttons=tuple(outbox.Button(b.title, b.payload) for b in body.buttons),
        chat_type=body.chat_type,
        kind=body.kind,
        dedupe_key=body.dedupe_key,
        not_before=body.not_before,
    )
    row, created = outbox.enqueue(ctx.session, message, ctx.now())
    ctx.session.commit()
    if not created:
        response.status_code = 200
    return outbox.item_view(row, ctx.tz)


@router.post("/claim", summary="Take due messages of a channel for sending, under a lease")
def claim(body: ClaimIn, ctx: Context) -> dict[str, Any]:
    rows = outbox.claim(ctx.session, body.channel, body.limit, body.lease_seconds, ctx.now())
    return {"items": [outbox.item_view(row, ctx.tz) for row in rows]}


@router.post("/{item_id}/sent", summary="The message was delivered")
def sent(item_id: int, ctx: Context) -> dict[str, Any]:
    return outbox.item_view(outbox.mark_sent(ctx.session, item_id, ctx.now()), ctx.tz)


@router.post(
    "/{item_id}/retry", summary=f"Not delivered yet: due again later; failed after {outbox.MAX_ATTEMPTS}"
)
def retry(item_id: int, body: RetryIn, ctx: Context) -> dict[str, Any]:
    row = outbox.retry_later(ctx.session, item_id, body.after_seconds, body.error, ctx.now())
    return outbox.item_view(row, ctx.tz)


@router.post("/{item_id}/failed", summary="Cannot be delivered (e.g. the bot was blocked)")
def failed(item_id: int, body: FailedIn, ctx: Context) -> dict[str, Any]:
    return outbox.item_view(outbox.mark_failed(ctx.session, item_id, body.error, ctx.now()), ctx.tz)


@router.get("", summary="Messages, newest first (staff)")
def list_items(
    ctx: Context,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    channel: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    statuses = statuses_param(status, outbox.STATUSES)
    rows = outbox.list_messages(ctx.session, statuses, channel, limit)
    return {"items": [outbox.item_view(row, ctx.tz) for row in rows]}
