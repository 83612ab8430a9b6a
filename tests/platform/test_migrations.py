"""Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from cityplatform.db.migrate import downgrade, upgrade
from cityplatform.db.models import Base
from cityplatform.db.session import make_engine


def test_upgrade_matches_the_models_and_downgrade_removes_everything(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        downgrade(database_url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(database_url)
        assert "cases" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0002_keeps_residents_and_gives_them_the_new_defaults(database_url: str) -> None:
    upgrade(database_url, "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO residents (channel, user_id, chat_id, created_at) "
                    "VALUES ('telegram', '1001', '1001', '2026-11-23 02:00:00')"
                )
            )
        upgrade(database_url)
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT user_id, tips_enabled, tips_time, language, erased_at FROM residents")
            ).one()
        assert tuple(row) == ("1001", False, "08:00", None, None)
        downgrade(database_url, "0001")
        assert "outbox_messages" not in inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT user_id FROM residents")).scalar_one() == "1001"
    finally:
        engine.dispose()


DESK_TABLES = {
    "volunteer_invites",
    "volunteers",
    "desk_questions",
    "desk_answers",
    "learned_items",
    "learned_item_changes",
}


def test_0003_adds_the_desk_tables_beside_existing_data_and_downgrade_removes_them(database_url: str) -> None:
    upgrade(database_url, "0002")
    engine = make_engine(database_url)
    try:
        assert not DESK_TABLES & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO residents (channel, user_id, chat_id, created_at) "
                    "VALUES ('telegram', '1001', '1001', '2026-11-23 02:00:00')"
                )
            )
        upgrade(database_url, "0003")
        assert set(inspect(engine).get_table_names()) >= DESK_TABLES
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO volunteers (resident_id, community, joined_at) "
                    "VALUES ((SELECT id FROM residents), '东风社区', '2026-11-23 02:00:00')"
                )
            )
        downgrade(database_url, "0002")
        assert not DESK_TABLES & set(inspect(engine).get_table_names())
        assert "outbox_messages" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT user_id FROM residents")).scalar_one() == "1001"
        upgrade(database_url)
        assert set(inspect(engine).get_table_names()) >= DESK_TABLES
    finally:
        engine.dispose()
