"""Photos: sniffed by magic bytes, size-limited, checksummed, stored and served back."""

from __future__ import annotations

import hashlib

from tests.platform.conftest import JPEG, Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_stored_with_its_checksum(api: Api) -> None:
    stored = api.upload(PNG, "x.bin").json()
    assert stored["mime_type"] == "image/png"
    assert stored["size"] == len(PNG)
    assert stored["sha256"] == hashlib.sha256(PNG).hexdigest()
    back = api.client.get(f"/api/v1/media/{stored['id']}", headers=api.headers)
    assert back.status_code == 200
    assert back.content == PNG
    assert back.headers["content-type"] == "image/png"


def test_wrong_types_and_sizes_are_refused(api: Api) -> None:
    fake = api.upload(b"GIF89a not allowed", "photo.jpg")
    assert fake.status_code == 415
    assert "JPEG" in fake.json()["detail"]["message"]
    assert api.upload(b"", "empty.jpg").status_code == 422
    huge = api.upload(JPEG + b"\x00" * api.settings.max_photo_bytes)
    assert huge.status_code == 413
    assert huge.json()["detail"]["code"] == "file_too_large"
    assert api.client.get("/api/v1/media/unknown", headers=api.headers).status_code == 404


def test_a_photo_belongs_to_one_case(api: Api) -> None:
    photo = api.upload().json()["id"]
    api.report(photo_ids=[photo])
    again = api.report(expected=422, photo_ids=[photo], category="noise")
    assert again["detail"]["code"] == "photo_in_use"


def test_the_reporter_adds_a_photo_later_and_strangers_cannot(api: Api) -> None:
    code = api.report()["case"]["code"]
    photo = api.upload().json()["id"]
    stranger = api.post(
        f"/api/v1/cases/{code}/photos", {"photo_ids": [photo], "channel": "telegram", "user_id": "9"}
    )
    assert stranger.status_code == 403
    added = api.post(
        f"/api/v1/cases/{code}/photos", {"photo_ids": [photo], "channel": "telegram", "user_id": "1001"}
    )
    assert added.status_code == 200
    assert [p["id"] for p in added.json()["photos"]] == [photo]
    assert added.json()["history"][-1]["note"] == "补充照片 1 张"
