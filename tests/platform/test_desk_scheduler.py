"""The app's scheduler: started in the lifespan with the desk sweep job, stopped with the app, and
actually sweeping."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from cityplatform.api.app import create_app
from cityplatform.desk.jobs import SWEEP_JOB
from cityplatform.settings import PlatformSettings
from tests.platform.conftest import TOKEN, Api, FrozenClock
from tests.platform.desk import ask, to, volunteers
from tests.platform.outbox import drain as sent


def settings_for(tmp_path: Path, **extra: float) -> PlatformSettings:
    return PlatformSettings(
        database_url=f"sqlite:///{tmp_path / 'platform.sqlite3'}",
        media_dir=tmp_path / "media",
        platform_api_token=TOKEN,
        **extra,  # type: ignore[arg-type]
    )


def test_the_lifespan_starts_the_scheduler_with_the_sweep_and_stops_it(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path), FrozenClock())
    with TestClient(app):
        scheduler = app.state.scheduler
        assert scheduler.running
        job = scheduler.get_job(SWEEP_JOB)
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=60)
        assert job.max_instances == 1
        assert job.coalesce is True
    assert not scheduler.running


def test_a_zero_interval_starts_no_sweep(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, desk_sweep_seconds=0), FrozenClock())
    with TestClient(app):
        assert app.state.scheduler.running
        assert app.state.scheduler.get_jobs() == []
    assert not app.state.scheduler.running


def test_the_scheduled_sweep_escalates_a_question(tmp_path: Path) -> None:
    clock = FrozenClock()
    settings = settings_for(tmp_path, desk_sweep_seconds=0.2)
    app = create_app(settings, clock)
    with TestClient(app) as client:
        api = Api(client, clock, settings)
        volunteers(api, "2001", community="东风社区")
        volunteers(api, "3001", community="建设社区")
        api.put("/api/v1/residents/telegram/1001", {"chat_id": "1001", "community": "东风社区"})
        ask(api)
        assert to(sent(api)) == ["2001"]
        clock.advance(minutes=11)
        deadline = time.monotonic() + 10
        escalated: list[str] = []
        while not escalated and time.monotonic() < deadline:
            time.sleep(0.1)
            escalated = to(sent(api))
        assert escalated == ["3001"]
