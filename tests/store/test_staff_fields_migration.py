"""Migration 0008 (the owner's id, the SLA, comments' author ids) on an old cache file: up, down
and up again, the user's queued change and the full-text search kept each way."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from alembic import command

from casedesktop.store import queries
from casedesktop.store.case_list import ListQuery, count
from casedesktop.store.database import open_cache
from casedesktop.store.migrate import HEAD, alembic_config

OLD_CACHE = Path(__file__).parent.parent / "data" / "cache-0001.db"
NEW_COLUMNS = {("cases", "owner_id"), ("cases", "sla"), ("comments", "author_id")}


def _columns(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as raw:
        return {(table, row[1]) for table in ("cases", "comments")
                for row in raw.execute(f"PRAGMA table_info({table})")}


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        return raw.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_an_old_cache_goes_up_to_the_staff_fields_and_back_down_keeping_search(tmp_path: Path) -> None:
    profile = tmp_path / "old"
    profile.mkdir()
    shutil.copy(OLD_CACHE, profile / "cache.db")
    path = profile / "cache.db"
    assert not NEW_COLUMNS & _columns(path)

    db = open_cache(profile)  # migrates to the newest schema
    try:
        assert _revision(path) == HEAD == "0009"
        assert _columns(path) >= NEW_COLUMNS
        case = queries.list_cases(db)[0]
        detail = queries.case_detail(db, case.id)
        assert detail.case.owner_id is None and detail.case.sla is None  # nothing invented for old rows
        assert case.sync_state == "waiting"  # the queued reply survived
        with db.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0007")
    finally:
        db.close()

    assert _revision(path) == "0007"
    assert not NEW_COLUMNS & _columns(path)
    with sqlite3.connect(path) as raw:  # the triggers of the full-text index live on: a new row is found
        raw.execute("INSERT INTO cases (id, number, subject, description, status, severity, product, account_name, "
                    "reported_by_name, escalated, close_requested, owner_name, resolution_summary, "
                    "resolution_root_cause, resolution_type, created_at, updated_at, unread, contact_name, "
                    "contact_email, environment, case_type, category, source, cc_emails) VALUES ('c-down', "
                    "'CS-7000', 'Zeppelin downgrade', 'd', 'open', 'low', '', '', '', 0, 0, '', '', '', '', "
                    "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 0, '', '', '', '', '', '', '')")
        pending = raw.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    assert pending == 1

    db = open_cache(profile)  # and up again
    try:
        assert _revision(path) == HEAD and _columns(path) >= NEW_COLUMNS
        assert count(db, ListQuery(search="zeppelin")) == 1
        assert count(db, ListQuery(search="xylophone")) == 1  # from the conversation, as before
    finally:
        db.close()
