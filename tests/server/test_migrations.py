"""The hand-written Alembic baseline must match the SQLAlchemy models exactly, on each backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text

from casedesktop.server.auth import hash_password
from casedesktop.server.db import make_engine
from casedesktop.server.migrate import alembic_config, schema_differences, upgrade_database
from casedesktop.server.testing import TEST_PASSWORD, running_server


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


def test_cases_made_before_0002_keep_working(database_url: str, tmp_path: Path) -> None:
    """A database at 0001 with a case in it upgrades, and the old case reads with defaults."""
    command.upgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    account, user, case = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO accounts (id, name, created_at) VALUES (:id, 'Acme', :now)"),
                {"id": _uuid(engine, account), "now": _time(engine, now)},
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, role, password_hash, created_at) "
                    "VALUES (:id, 'ann@acme.example', 'Ann', 'customer', :hash, :now)"
                ),
                {
                    "id": _uuid(engine, user),
                    "hash": hash_password(TEST_PASSWORD),
                    "now": _time(engine, now),
                },
            )
            connection.execute(
                text("INSERT INTO memberships (user_id, account_id) VALUES (:u, :a)"),
                {"u": _uuid(engine, user), "a": _uuid(engine, account)},
            )
            connection.execute(
                text(
                    "INSERT INTO cases (id, number, account_id, reported_by, subject, description,"
                    " status, severity, priority, product, escalated, close_requested,"
                    " resolution_summary, resolution_root_cause, resolution_type, created_at,"
                    " updated_at) VALUES (:id, 'CS-1001', :a, :u, 'Old', 'From 0001', 'new',"
                    " 'low', NULL, '', false, false, '', '', '', :now, :now)"
                ),
                {
                    "id": _uuid(engine, case),
                    "a": _uuid(engine, account),
                    "u": _uuid(engine, user),
                    "now": _time(engine, now),
                },
            )
    finally:
        engine.dispose()

    with running_server(tmp_path, database_url) as server:  # upgrades to the newest schema
        ann = server.signed_in("ann@acme.example")
        old = ann.get(f"/cases/{case}").json()
        assert old["subject"] == "Old" and old["environment"] == "" and old["cc_emails"] == []
        assert old["contact_id"] is None and old["contact_name"] == "Ann"
        assert ann.comment(str(case), "Still here.").status_code == 201
    assert schema_differences(database_url) == []


def _uuid(engine: Engine, value: uuid.UUID) -> str:
    return value.hex if engine.dialect.name == "sqlite" else str(value)


def _time(engine: Engine, value: datetime) -> object:
    return value.replace(tzinfo=None) if engine.dialect.name == "sqlite" else value
