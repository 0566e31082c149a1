"""The same server on PostgreSQL: schema parity with the models, and the API end to end.

The `postgres_url` fixture (tests/conftest.py) starts a throw-away cluster or skips.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from casedesktop.domain import Role
from casedesktop.server.db import make_engine
from casedesktop.server.migrate import alembic_config
from casedesktop.server.models import Case
from casedesktop.server.services import changelog
from casedesktop.server.testing import running_server

pytestmark = pytest.mark.postgres


def test_api_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    with running_server(tmp_path, postgres_url) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        server.add_user("sam@vendor.example", Role.AGENT)
        ann, sam = server.login("ann@acme.example"), server.login("sam@vendor.example")

        case = ann.new_case(subject="Bank feed stopped")
        assert case["number"] == "CS-1001"
        created = datetime.fromisoformat(case["created_at"])
        assert created.utcoffset() == timedelta(0)
        repeat = ann.post("/cases", json={"id": case["id"], "subject": "x", "description": "y"})
        assert repeat.status_code == 200 and repeat.json()["number"] == "CS-1001"
        assert ann.new_case()["number"] == "CS-1002"

        assert sam.act(case["id"], "pick-up").json()["owner_name"] == "Sam"
        assert sam.comment(case["id"], "note", kind="internal").status_code == 201
        assert sam.act(case["id"], "pending-customer").status_code == 200
        assert ann.comment(case["id"], "Here is the log.").status_code == 201
        assert ann.get(f"/cases/{case['id']}").json()["status"] == "open"
        invalid = sam.act(case["id"], "pick-up")
        assert invalid.status_code == 409 and invalid.json()["current_status"] == "open"

        items, cursor = ann.all_changes(limit=2)
        assert cursor > 0 and "note" not in [
            i["comment"]["body"] for i in items if i["entity"] == "comment"
        ]
        staff_items, staff_cursor = sam.all_changes()
        assert staff_cursor == cursor and len(staff_items) == len(items) + 1


def test_change_log_writers_queue_but_readers_do_not(postgres_url: str, tmp_path: Path) -> None:
    """A later writer must wait for an earlier one to commit (seq order = commit order),
    while feed readers carry on: otherwise a cursor could jump past a late commit."""
    with running_server(tmp_path, postgres_url) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.signed_in("ann@acme.example")
        case_id = uuid.UUID(ann.new_case()["id"])
        _, cursor = ann.all_changes()

        first = server.sessions.writer()
        changelog.record(first, first.get(Case, case_id), first.get(Case, case_id))

        def second_writer() -> None:
            with server.sessions.writer() as session:
                case = session.get(Case, case_id)
                changelog.record(session, case, case)
                session.commit()

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(timeout=0.5)
        try:
            assert thread.is_alive(), "the second writer did not wait for the first"
            page = ann.get("/changes", params={"cursor": cursor}).json()  # not blocked
            assert page["changes"] == [] and page["cursor"] == cursor
        finally:
            first.commit()
            first.close()
            thread.join(timeout=10)
        items, _ = ann.all_changes(cursor)
        seqs = [item["seq"] for item in items]
        assert len(seqs) == 2 and seqs == sorted(seqs)


def test_case_numbers_come_from_a_sequence_that_continues_the_counter(
    postgres_url: str, tmp_path: Path
) -> None:
    """Migration 0005 starts the sequence after the highest number in use (the counter's, or a
    higher one already stored) and hands its position back to the counter on downgrade."""
    config = alembic_config(postgres_url)
    command.upgrade(config, "0004")
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE counters SET value = 1500 WHERE name = 'case_number'"))
    finally:
        engine.dispose()
    with running_server(tmp_path, postgres_url) as server:  # upgrades to the newest schema
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.signed_in("ann@acme.example")
        assert [ann.new_case()["number"] for _ in range(2)] == ["CS-1501", "CS-1502"]
    command.downgrade(config, "0004")
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            counter = connection.execute(
                text("SELECT value FROM counters WHERE name = 'case_number'")
            ).scalar()
    finally:
        engine.dispose()
    assert counter == 1502


def test_the_sequence_starts_past_numbers_already_stored(postgres_url: str, tmp_path: Path) -> None:
    with running_server(tmp_path, postgres_url) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.signed_in("ann@acme.example")
        first = ann.new_case()["number"]
    config = alembic_config(postgres_url)
    command.downgrade(config, "0004")
    engine = make_engine(postgres_url)
    try:
        with engine.begin() as connection:  # a number stored past the counter (bulk imports do)
            connection.execute(text("UPDATE cases SET number = 'CS-7000'"))
    finally:
        engine.dispose()
    with running_server(tmp_path, postgres_url) as server:
        ann = server.signed_in("ann@acme.example")
        assert first == "CS-1001" and ann.new_case()["number"] == "CS-7001"
