"""Whether a query lists one case (the case the window shows), also far below its first page and
within a search's matches: the window lets go of a case only when the new rows leave it out."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.store import case_list
from casedesktop.store.case_list import ListQuery, Tab
from casedesktop.store.database import open_cache
from tests.support import seed_cases


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    seed_cases(cache, 1000)
    yield cache
    cache.close()


def case(number: int) -> str:
    return str(uuid.UUID(int=number))


@pytest.mark.parametrize(("query", "number", "listed"), [
    (ListQuery(role=Role.CUSTOMER), 1001, True),  # the last row of 1000: not on the first page
    (ListQuery(role=Role.CUSTOMER, tab=Tab.OPEN), 1002, True),  # open, far down
    (ListQuery(role=Role.CUSTOMER, tab=Tab.OPEN), 1005, False),  # resolved
    (ListQuery(role=Role.CUSTOMER, search="Payroll"), 1003, True),  # a match, far down
    (ListQuery(role=Role.CUSTOMER, search="Payroll"), 1004, False),  # Inventory
    (ListQuery(role=Role.CUSTOMER, search="ledger"), 1004, True),  # every case matches
    (ListQuery(role=Role.CUSTOMER, search="Payroll", severity="critical"), 1003, False),  # urgent
])
def test_the_first_result_says_whether_it_lists_the_followed_case(db, query: ListQuery, number: int, listed: bool) -> None:  # noqa: ANN001
    reader = case_list.ListReader(db)
    try:
        found = reader.first(query, 128, follow=case(number))
        assert found.lists_followed is listed
        assert all(row.id != case(number) for row in found.first_page)  # decided beyond the first page
        assert reader.first(query, 128).lists_followed is None  # nothing followed, nothing asked
    finally:
        reader.close()
