"""Platform figures: create-case latency over HTTP, and filtering 100,000 cases.

Starts the real platform (uvicorn) on a free port with a fresh database, so the figures include
HTTP, validation, geography, deadlines and the database round trips.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from cityplatform.cases.categories import category_infos
from cityplatform.cases.workflow import Status
from cityplatform.db.models import Case, Unit
from cityplatform.db.session import make_engine
from cityplatform.geo import CityMap, grid_cell, load_city, wgs84_to_gcj02
from citysteward.percentiles import percentile
from citysteward.stack import config_from_env, free_port, start_service, stop_service

CREATES = 300
FILTER_CASES = 100_000
FILTER_RUNS = 30


def random_points(city: CityMap, count: int, rng: random.Random) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lat, lon = rng.uniform(22.53, 22.65), rng.uniform(113.02, 113.15)
        if city.contains(lat, lon):
            points.append((lat, lon))
    return points


def measure_creates(client: httpx.Client, city: CityMap, rng: random.Random) -> list[float]:
    keys = list(category_infos())
    timings: list[float] = []
    for index, (lat, lon) in enumerate(random_points(city, CREATES, rng)):
        body = {
            "category": rng.choice(keys),
            "description": "基准测试：路边有问题需要处理",
            "latitude": lat,
            "longitude": lon,
            "reporter": {"channel": "bench", "user_id": str(index % 50)},
        }
        started = time.perf_counter()
        response = client.post("/api/v1/cases", json=body, headers={"Idempotency-Key": f"bench-{index}"})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def bulk_load(database_url: str, city: CityMap, rng: random.Random) -> None:
    """Insert FILTER_CASES cases directly (the API would take minutes) with realistic spread."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        units = dict(connection.execute(select(Unit.code, Unit.id)).tuples().all())
        infos = list(category_infos().values())
        statuses = [s.value for s in Status]
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        rows: list[dict[str, Any]] = []
        for index, (lat, lon) in enumerate(random_points(city, FILTER_CASES, rng)):
            area = city.locate(lat, lon)
            assert area is not None
            info = rng.choice(infos)
            created = start + timedelta(minutes=index * 4)
            gcj = wgs84_to_gcj02(lat, lon)
            rows.append(
                {
                    "code": f"BM{created:%Y%m%d}-{index:06d}",
                    "category": info.key,
                    "gbt_code": info.gbt_code,
                    "description": "批量数据",
                    "urgency": "normal",
                    "status": rng.choice(statuses),
                    "latitude": lat,
                    "longitude": lon,
                    "gcj02_latitude": gcj[0],
                    "gcj02_longitude": gcj[1],
                    "grid_cell": grid_cell(lat, lon),
                    "district": area.district,
                    "street": area.street,
                    "community": area.community,
                    "unit_id": units[area.unit_code if info.unit == "street" else info.unit],
                    "source": "bench",
                    "created_at": created,
                    "updated_at": created,
                    "dispatch_deadline": created + timedelta(hours=2),
                    "deadline": created + timedelta(days=3),
                }
            )
            if len(rows) == 5000:
                connection.execute(insert(Case), rows)
                rows.clear()
        if rows:
            connection.execute(insert(Case), rows)
    engine.dispose()


def measure_filters(client: httpx.Client, city: CityMap) -> dict[str, list[float]]:
    street = city.locate(*random_points(city, 1, random.Random(1))[0])
    assert street is not None
    queries = {
        "status": {"status": "dispatched"},
        "status+category": {"status": "dispatched", "category": "noise"},
        "status+category+street": {"status": "dispatched", "category": "noise", "street": street.street},
        "overdue+district": {"overdue": "true", "district": street.district},
    }
    timings: dict[str, list[float]] = {}
    for name, params in queries.items():
        runs: list[float] = []
        for _ in range(FILTER_RUNS):
            started = time.perf_counter()
            client.get("/api/v1/cases", params={**params, "limit": 50}).raise_for_status()
            runs.append((time.perf_counter() - started) * 1000)
        timings[name] = runs
    return timings


def main(database_url: str | None = None) -> None:
    rng = random.Random(2026)
    city = load_city()
    with tempfile.TemporaryDirectory(prefix="citysteward-bench-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
        config = replace(config_from_env(), platform_port=free_port())
        env = {"DATABASE_URL": url, "MEDIA_DIR": str(Path(scratch) / "media")}
        server = start_service("platform", config, Path(scratch) / "platform.log", timeout=60, extra_env=env)
        headers = {"Authorization": f"Bearer {config.platform_api_token}"}
        try:
            with httpx.Client(base_url=config.platform_url, headers=headers, timeout=30) as client:
                creates = measure_creates(client, city, rng)
                print(f"database: {url.split('://')[0]}")
                print(
                    f"create case over HTTP ({CREATES} requests, sequential): "
                    f"p50 {percentile(creates, 0.5):.1f} ms, p95 {percentile(creates, 0.95):.1f} ms"
                )
                started = time.perf_counter()
                bulk_load(url, city, rng)
                print(f"bulk-loaded {FILTER_CASES:,} cases in {time.perf_counter() - started:.1f} s")
                for name, runs in measure_filters(client, city).items():
                    print(
                        f"filter {FILTER_CASES:,} cases by {name:<24} p50 {statistics.median(runs):6.1f} ms, "
                        f"p95 {percentile(runs, 0.95):6.1f} ms (first page of 50 + total count)"
                    )
        finally:
            stop_service(server)
