"""The window's first screen of cases, read with the plain sqlite3 module before anything else loads.

A cold start shows the case list as soon as it can: SQLAlchemy, Alembic, pydantic, requests and
keyring cost about a second to import, so the first page and the row count are read here with
the standard library alone, read-only, before the cache is opened properly (quick check,
migrations, the sync engine) right after the first paint. Anything unexpected (no cache yet,
nobody signed in, a schema this code does not know) returns None and the start takes the full path.

The SQL pieces are `case_list`'s own (store/list_sql.py: columns, sync state, sort expressions),
with rowid for ties as there; tests/store/test_first_page.py checks the rows are the same.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from casedesktop.store.list_sql import (
    ROW_SQL,
    SORT_SQL,
    CaseSummary,
    SortKey,
    summary_of,
)

CACHE_FILE = "cache.db"  # database.CACHE_FILE

class FirstPage(NamedTuple):
    role: str  # who is signed in (meta user_role)
    count: int  # every case: the list's "All" tab with no filter
    rows: list[CaseSummary]


def read(profile_dir: Path, sort: str = "updated_at", descending: bool = True,
         limit: int = 128) -> FirstPage | None:
    """The role, the count and the first `limit` rows of the unfiltered list; None when the cache
    is missing, nobody is signed in, or anything about it is not as expected."""
    path = profile_dir / CACHE_FILE
    if sort not in set(SortKey) or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error:
        return None
    try:
        facts = dict(connection.execute(
            "SELECT key, value FROM meta WHERE key IN ('server_url', 'user_email', 'user_role')"
        ).fetchall())
        if not facts.get("server_url") or not facts.get("user_email"):
            return None
        direction = " DESC" if descending else ""
        order = ", ".join(f"{key}{direction}" for key in (*SORT_SQL[SortKey(sort)], "cases.rowid"))
        connection.execute("BEGIN")  # the count and the page from one snapshot
        total = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
        rows = connection.execute(
            f"SELECT {ROW_SQL} FROM cases ORDER BY {order} LIMIT ?", (limit,)
        ).fetchall()
        page = [summary_of(r) for r in rows]
        return FirstPage(facts.get("user_role") or "customer", total, page)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        connection.close()
