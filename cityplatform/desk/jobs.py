"""The platform's scheduler: an APScheduler AsyncIOScheduler started in the app's lifespan.

It runs the desk sweep every DESK_SWEEP_SECONDS (0 disables it, e.g. when another process sweeps).
The sweep is a plain function: APScheduler runs it in the event loop's thread pool, so the
database work never blocks requests; one run at a time, missed runs are coalesced.
"""

from __future__ import annotations

import logging
from datetime import timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from sqlalchemy.orm import Session, sessionmaker

from cityplatform.cases.context import Clock
from cityplatform.desk.sweep import sweep
from cityplatform.settings import PlatformSettings

log = logging.getLogger(__name__)

SWEEP_JOB = "desk-sweep"


def run_sweep(sessions: sessionmaker[Session], clock: Clock, settings: PlatformSettings) -> None:
    """One scheduled sweep; an error is logged and the next run tries again."""
    try:
        with sessions() as session:
            sweep(session, clock(), settings)
    except Exception:
        log.exception("desk sweep failed; trying again in %ss", settings.desk_sweep_seconds)


def start_scheduler(
    sessions: sessionmaker[Session], clock: Clock, settings: PlatformSettings
) -> AsyncIOScheduler:
    """Start the scheduler on the running event loop, with the sweep job unless disabled."""
    # APScheduler logs every run at INFO ("Running job …"): once a minute is noise; failures stay.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(timezone=timezone.utc)
    if settings.desk_sweep_seconds > 0:
        scheduler.add_job(
            run_sweep,
            "interval",
            seconds=settings.desk_sweep_seconds,
            args=(sessions, clock, settings),
            id=SWEEP_JOB,
            name="desk: escalate unanswered questions, then send the bot's guess",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    log.info("scheduler started (desk sweep every %ss)", settings.desk_sweep_seconds or "—")
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop taking new runs; a sweep already running finishes in its thread."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
    log.info("scheduler stopped")
