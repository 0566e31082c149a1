"""The hand-written Alembic baseline must match the SQLAlchemy models exactly, on each backend."""

from __future__ import annotations

from sqlalchemy import inspect

from casedesktop.server.db import make_engine
from casedesktop.server.migrate import schema_differences, upgrade_database


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)  # every CLI verb runs it: a second run must be a no-op
    assert schema_differences(database_url) == []
    engine = make_engine(database_url)
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
