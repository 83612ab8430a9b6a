"""Residents as the gateway keeps them: profile, sorting tips, erasure (/delete_me)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from cityplatform.api.dependencies import case_context, require_token
from cityplatform.api.schemas import ResidentIn, TipsIn
from cityplatform.cases.context import CaseContext
from cityplatform.residents import (
    ProfileChange,
    erase_resident,
    get_resident,
    resident_view,
    save_profile,
    set_tips,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/residents", dependencies=[Depends(require_token)], tags=["residents"])
Context = Annotated[CaseContext, Depends(case_context)]
ChannelName = Annotated[str, Path(min_length=1, max_length=20)]
UserId = Annotated[str, Path(min_length=1, max_length=100)]


@router.put("/{channel}/{user_id}", summary="Create or update a resident; only the fields given change")
def save(ctx: Context, channel: ChannelName, user_id: UserId, body: ResidentIn) -> dict[str, Any]:
    change = ProfileChange(**body.model_dump())
    return resident_view(save_profile(ctx, channel, user_id, change), ctx.tz)


@router.get("/{channel}/{user_id}", summary="One resident (404 if unknown or erased)")
def show(ctx: Context, channel: ChannelName, user_id: UserId) -> dict[str, Any]:
    return resident_view(get_resident(ctx, channel, user_id), ctx.tz)


@router.put("/{channel}/{user_id}/tips", summary="Daily sorting tips on or off, and their time")
def tips(ctx: Context, channel: ChannelName, user_id: UserId, body: TipsIn) -> dict[str, Any]:
    return resident_view(set_tips(ctx, channel, user_id, body.enabled, body.time), ctx.tz)


@router.delete(
    "/{channel}/{user_id}",
    status_code=204,
    summary="Erase the resident's personal data; 204 whether or not there was any (idempotent)",
)
def erase(ctx: Context, channel: ChannelName, user_id: UserId) -> Response:
    if not erase_resident(ctx, channel, user_id):
        log.info("erasure for an unknown or already erased resident of %s: nothing to do", channel)
    return Response(status_code=204)
