"""Concurrency: every case gets its own code, one idempotency key files once, no message is claimed twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from cityplatform import outbox
from cityplatform.api.app import build_platform
from cityplatform.cases import intake
from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.db.migrate import upgrade
from cityplatform.db.models import Case, OutboxMessage
from cityplatform.settings import PlatformSettings
from cityplatform.units import sync_units
from tests.platform.conftest import FrozenClock, place


def test_parallel_reports_get_distinct_sequential_codes(database_url: str, tmp_path: Path) -> None:
    settings = PlatformSettings(database_url=database_url, media_dir=tmp_path, platform_api_token="t")
    upgrade(database_url)
    platform = build_platform(settings, FrozenClock())
    with platform.sessions() as session:
        sync_units(session, platform.city)
    spots = [place(name) for name in ("东湖公园", "良化市场", "下沙公园", "东风社区", "迎南社区")]

    def report(index: int) -> str:
        with platform.sessions() as session:
            ctx = CaseContext(session, settings, platform.city, platform.calendar, platform.clock)
            new = intake.NewCase(
                category=list(category_infos())[index % 20],  # distinct categories: no "me too"
                description=f"并发测试 {index}",
                reporter=intake.ReporterInput("telegram", str(index)),
                **spots[index % len(spots)],
            )
            # Reports 0 and 1 share a key: the second must get the first one's answer.
            key = "shared" if index < 2 else f"key-{index}"
            return intake.create_case(ctx, new, key).case.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(report, range(16)))
    assert codes[0] == codes[1]
    assert sorted(set(codes)) == [f"JM20261123-{n:04d}" for n in range(1, 16)]
    with platform.sessions() as session:
        assert session.scalar(select(func.count(Case.id))) == 15
    platform.engine.dispose()


def test_concurrent_claimers_never_get_the_same_message(database_url: str, tmp_path: Path) -> None:
    settings = PlatformSettings(database_url=database_url, media_dir=tmp_path, platform_api_token="t")
    upgrade(database_url)
    platform = build_platform(settings, FrozenClock())
    now = platform.clock()
    with platform.sessions() as session:
        for n in range(300):
            outbox.enqueue(session, outbox.Outgoing("telegram", str(n % 40), f"消息 {n}"), now)
        session.commit()

    start = threading.Barrier(8)

    def claimer(_: int) -> list[int]:
        taken: list[int] = []
        start.wait(timeout=30)  # all at once, for the most contention
        while True:
            with platform.sessions() as session:
                batch = outbox.claim(session, "telegram", limit=7, lease_seconds=60, now=now)
            if not batch:
                return taken
            taken += [row.id for row in batch]

    with ThreadPoolExecutor(max_workers=8) as pool:
        claimed = list(pool.map(claimer, range(8)))
    every = [item for ids in claimed for item in ids]
    assert len(every) == len(set(every)) == 300
    with platform.sessions() as session:
        sending = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "sending")
        assert session.scalar(sending) == 300
    platform.engine.dispose()


def test_concurrent_writers_of_one_dedupe_key_share_one_message(database_url: str, tmp_path: Path) -> None:
    settings = PlatformSettings(database_url=database_url, media_dir=tmp_path, platform_api_token="t")
    upgrade(database_url)
    platform = build_platform(settings, FrozenClock())
    start = threading.Barrier(8)

    def writer(index: int) -> tuple[int, bool]:
        message = outbox.Outgoing("telegram", "1001", f"第 {index} 次", dedupe_key="campaign:7:1001")
        start.wait(timeout=30)
        with platform.sessions() as session:
            row, created = outbox.enqueue(session, message, platform.clock())
            session.commit()
            return row.id, created

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(writer, range(8)))
    assert len({row_id for row_id, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    with platform.sessions() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1
    platform.engine.dispose()
