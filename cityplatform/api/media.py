"""Photo upload and download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import FileResponse

from cityplatform.api.dependencies import Platform, platform_of, require_token
from cityplatform.db.models import Media
from cityplatform.errors import NotFound, PlatformError
from cityplatform.media.store import MediaRejected

router = APIRouter(prefix="/api/v1/media", dependencies=[Depends(require_token)], tags=["media"])
REJECTION_STATUS = {"file_too_large": 413, "unsupported_media_type": 415, "empty_file": 422}


@router.post("", status_code=201, summary="Store a photo (JPEG, PNG or WebP, by magic bytes)")
async def upload(
    file: Annotated[UploadFile, File()], platform: Annotated[Platform, Depends(platform_of)]
) -> dict[str, Any]:
    # Read one byte past the limit so an oversized upload is refused without reading it all.
    data = await file.read(platform.settings.max_photo_bytes + 1)
    try:
        stored = platform.media.save(data)
    except MediaRejected as error:
        raise PlatformError(error.code, error.message, REJECTION_STATUS[error.code]) from error
    with platform.sessions() as session:
        session.add(
            Media(
                id=stored.id,
                sha256=stored.sha256,
                size=stored.size,
                mime_type=stored.mime_type,
                storage_key=stored.storage_key,
                stage="before",
                created_at=platform.clock(),
            )
        )
        session.commit()
    return {"id": stored.id, "sha256": stored.sha256, "size": stored.size, "mime_type": stored.mime_type}


@router.get("/{media_id}", summary="The stored bytes of a photo")
def download(media_id: str, platform: Annotated[Platform, Depends(platform_of)]) -> FileResponse:
    with platform.sessions() as session:
        media = session.get(Media, media_id)
    if media is None:
        raise NotFound("media_not_found", "没有找到这张照片。")
    return FileResponse(platform.media.path_of(media.storage_key), media_type=media.mime_type)
