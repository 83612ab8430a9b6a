"""Concurrent reports: every case gets its own code, and one idempotency key still files once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from cityplatform.api.app import build_platform
from cityplatform.cases import intake
from cityplatform.cases.categories import category_infos
from cityplatform.cases.context import CaseContext
from cityplatform.db.migrate import upgrade
from cityplatform.db.models import Case
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
