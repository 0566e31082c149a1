"""The hand-written Alembic baseline must match the SQLAlchemy models exactly, on each backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
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


def test_0006_carries_the_desk_over_and_back(database_url: str) -> None:
    """Upgrading to 0006: the categories on cases join the vendor's list, a case's first response
    is its first staff reply, and assignments become staff-only (their change-log rows too).
    Downgrading and upgrading again gets back there."""
    command.upgrade(alembic_config(database_url), "0005")
    engine = make_engine(database_url)
    account, ann, sam = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cases = [uuid.uuid4(), uuid.uuid4()]
    create, assign = uuid.uuid4(), uuid.uuid4()
    opened = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    u, t = (lambda v: _uuid(engine, v)), (lambda v: _time(engine, v))
    try:
        with engine.begin() as connection:
            run = connection.execute
            run(text("INSERT INTO accounts (id, name, created_at) VALUES (:id, 'Acme', :now)"),
                {"id": u(account), "now": t(opened)})  # fmt: skip
            for user, email, role in ((ann, "ann@acme.example", "customer"), (sam, "sam@v.example", "agent")):
                run(
                    text("INSERT INTO users (id, email, name, role, password_hash, created_at) "
                         "VALUES (:id, :email, 'X', :role, 'h', :now)"),
                    {"id": u(user), "email": email, "role": role, "now": t(opened)},
                )  # fmt: skip
            for number, (case, category) in enumerate(zip(cases, ("Billing ", "billing"), strict=True)):
                run(
                    text(
                        "INSERT INTO cases (id, number, account_id, reported_by, subject, description,"
                        " status, severity, priority, product, escalated, close_requested,"
                        " resolution_summary, resolution_root_cause, resolution_type, created_at,"
                        " updated_at, category) VALUES (:id, :number, :a, :u, 's', 'd', 'open',"
                        " 'low', 'high', '', false, false, '', '', '', :now, :now, :category)"
                    ),
                    {"id": u(case), "number": f"CS-{1001 + number}", "a": u(account), "u": u(ann),
                     "now": t(opened), "category": category},
                )  # fmt: skip
            for author, minutes in ((ann, 10), (sam, 60), (sam, 90)):
                run(
                    text("INSERT INTO comments (id, case_id, author_id, kind, body, created_at) "
                         "VALUES (:id, :case, :author, 'reply', 'b', :at)"),
                    {"id": u(uuid.uuid4()), "case": u(cases[0]), "author": u(author),
                     "at": t(opened + timedelta(minutes=minutes))},
                )  # fmt: skip
            for activity, action in ((create, "create"), (assign, "assign")):
                run(
                    text("INSERT INTO activities (id, case_id, actor_id, action, reason, created_at) "
                         "VALUES (:id, :case, :actor, :action, '', :at)"),
                    {"id": u(activity), "case": u(cases[0]), "actor": u(sam), "action": action,
                     "at": t(opened)},
                )  # fmt: skip
                run(
                    text("INSERT INTO change_log (entity, entity_id, case_id, account_id, staff_only) "
                         "VALUES ('activity', :id, :case, :account, false)"),
                    {"id": u(activity), "case": u(cases[0]), "account": u(account)},
                )  # fmt: skip
    finally:
        engine.dispose()

    for _round in range(2):
        upgrade_database(database_url)
        assert schema_differences(database_url) == []
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                names = connection.execute(text("SELECT name FROM categories")).scalars().all()
                first = connection.execute(
                    text("SELECT first_response_at FROM cases ORDER BY number")
                ).scalars().all()
                hidden = connection.execute(
                    text("SELECT a.action, a.staff_only, c.staff_only FROM activities a "
                         "JOIN change_log c ON c.entity_id = a.id ORDER BY a.action")
                ).all()  # fmt: skip
        finally:
            engine.dispose()
        assert names == ["Billing"]  # trimmed, and one per spelling
        assert [_as_utc(value) for value in first] == [opened + timedelta(minutes=60), None]
        assert [(a, bool(s), bool(c)) for a, s, c in hidden] == [
            ("assign", True, True),
            ("create", False, False),
        ]
        command.downgrade(alembic_config(database_url), "0005")


def _as_utc(value: object) -> object:
    if isinstance(value, str):  # SQLite through a plain text() query
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
