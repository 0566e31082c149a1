"""The start-up page read with plain sqlite3 (store/first_page.py) lists what case_list lists."""

from __future__ import annotations

import uuid

import pytest

from casedesktop.domain import Role
from casedesktop.store import case_list, first_page, local_changes, meta
from casedesktop.store.case_list import ListQuery, SortKey
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)


@pytest.fixture
def db(profile_dir):
    cache = open_cache(profile_dir)
    seed_cases(cache, 300)
    with cache.transaction() as session:
        meta.save_identity(session, ME)
    yield cache
    cache.close()


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [True, False])
def test_the_first_page_is_case_lists_first_page(db, profile_dir, sort, descending) -> None:  # noqa: ANN001
    local_changes.create_case(db, ME, subject="Made offline", description="Not sent yet", severity="urgent",
                              product="Payroll")
    page = first_page.read(profile_dir, sort.value, descending, limit=128)
    assert page is not None
    query = ListQuery(role=Role.CUSTOMER, sort=sort, descending=descending)
    assert page.role == "customer"
    assert page.count == case_list.count(db, query) == 301
    expected = case_list.page(db, query, 0, 128)
    if sort is SortKey.NUMBER:  # where the one unnumbered case goes is case_list's to decide
        expected = [r for r in expected if r.number]
        page = page._replace(rows=[r for r in page.rows if r.number])
    assert page.rows[:len(expected)] == expected[:len(page.rows)]


def test_nothing_when_there_is_no_cache_or_nobody_signed_in(tmp_path) -> None:  # noqa: ANN001
    assert first_page.read(tmp_path) is None
    assert not (tmp_path / "cache.db").exists()  # never made here
    cache = open_cache(tmp_path)
    seed_cases(cache, 3)
    cache.close()
    assert first_page.read(tmp_path) is None  # no identity: the start signs in first
    assert first_page.read(tmp_path, "no such column") is None
