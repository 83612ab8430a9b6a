"""Desk volunteers: invite codes (stewards), joining with a code and leaving (the gateway)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from cityplatform.api.dependencies import case_context, require_token
from cityplatform.cases.context import CaseContext
from cityplatform.cases.intake import ReporterInput
from cityplatform.desk import volunteers

router = APIRouter(
    prefix="/api/v1/volunteers", dependencies=[Depends(require_token)], tags=["volunteer desk"]
)
Context = Annotated[CaseContext, Depends(case_context)]
ChannelName = Annotated[str, Path(min_length=1, max_length=20)]
UserId = Annotated[str, Path(min_length=1, max_length=100)]


class InviteIn(BaseModel):
    actor: str = Field(min_length=1, max_length=100, description="the steward, e.g. steward:li")
    community: str | None = Field(default=None, max_length=100, description="where its volunteers help")
    max_uses: int = Field(default=20, ge=1, le=1000)
    expires_days: int = Field(default=30, ge=1, le=365)


class ChatResidentIn(BaseModel):
    channel: str = Field(min_length=1, max_length=20)
    user_id: str = Field(min_length=1, max_length=100)
    chat_id: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, max_length=100)

    def reporter(self) -> ReporterInput:
        return ReporterInput(channel=self.channel, user_id=self.user_id, chat_id=self.chat_id, name=self.name)


class JoinIn(BaseModel):
    invite_code: str = Field(min_length=1, max_length=20)
    resident: ChatResidentIn


@router.post("/invites", status_code=201, summary="A new invite code (staff)")
def create_invite(body: InviteIn, ctx: Context) -> dict[str, Any]:
    invite = volunteers.create_invite(ctx, body.actor, body.community, body.max_uses, body.expires_days)
    return volunteers.invite_view(invite, ctx.tz)


@router.post("", status_code=201, summary="Join the desk with an invite code (200 when already a volunteer)")
def join(body: JoinIn, ctx: Context, response: Response) -> dict[str, Any]:
    joined = volunteers.join(ctx, body.invite_code, body.resident.reporter())
    if not joined.created:
        response.status_code = 200
    return {
        "volunteer_id": joined.volunteer.id,
        "community": joined.volunteer.community,
        "created": joined.created,
    }


@router.get("", summary="Active volunteers (staff)")
def list_volunteers(ctx: Context) -> dict[str, Any]:
    return {"items": [volunteers.volunteer_view(v, ctx.tz) for v in volunteers.list_volunteers(ctx)]}


@router.delete(
    "/{channel}/{user_id}",
    status_code=204,
    summary="The volunteer leaves the desk (204 also if they were none)",
)
def leave(ctx: Context, channel: ChannelName, user_id: UserId) -> Response:
    volunteers.leave(ctx, channel, user_id)
    return Response(status_code=204)
