"""Reads see the last committed snapshot while a writer holds the lock, and cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from casedesktop.store import meta
from casedesktop.store.database import open_cache
from casedesktop.store.models import CaseRow


def test_a_read_does_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    db = open_cache(tmp_path)
    try:
        with db.transaction() as writing:
            meta.put(writing, "probe", "uncommitted")
            writing.flush()  # the write lock is held (BEGIN IMMEDIATE) until this block ends
            with db.reading() as session:  # would wait busy_timeout and fail if reads took the lock
                assert session.scalar(select(func.count()).select_from(CaseRow)) == 0
                assert meta.get(session, "probe") == ""  # the snapshot, not the uncommitted row
        with db.reading() as session:
            assert meta.get(session, "probe") == "uncommitted"
    finally:
        db.close()


def test_a_write_slipped_into_a_read_fails_loudly(tmp_path: Path) -> None:
    db = open_cache(tmp_path)
    try:
        with pytest.raises(OperationalError, match="readonly"), db.reading() as session:
            meta.put(session, "probe", "x")
            session.flush()
    finally:
        db.close()
