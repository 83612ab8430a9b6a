"""Operator commands behind `citysteward platform …`."""

from __future__ import annotations

from cityplatform.db.migrate import upgrade
from cityplatform.db.session import make_engine, make_sessionmaker
from cityplatform.geo import load_city
from cityplatform.settings import settings_from_env
from cityplatform.units import sync_units


def migrate() -> None:
    """Upgrade the schema to head and sync the units table from knowledge/."""
    settings = settings_from_env()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        changed = sync_units(session, load_city(settings.city))
    engine.dispose()
    print(f"schema at head; {changed} unit(s) added or renamed")
