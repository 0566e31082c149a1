"""List queries on a seeded cache: tabs, filters, search, sort, paging; and the old-cache migration."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from casedesktop.domain import Role
from casedesktop.store import case_list, local_changes, queries
from casedesktop.store.case_list import ListQuery, SortKey, Tab
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow, CommentRow

ME = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "ann@example.com", "Ann", Role.CUSTOMER)
T0 = datetime(2026, 11, 1, tzinfo=UTC)
ROWS = [
    # number, subject, status, severity, product, account
    ("CS-1001", "Bank feed stopped importing", "open", "critical", "Ledger Cloud", "Northwind"),
    ("CS-1002", "Invoice PDF cuts the last line", "pending_customer", "standard", "Ledger Desktop", "Northwind"),
    ("CS-1003", "Payroll tax table out of date", "resolved", "urgent", "Payroll", "Contoso"),
    ("CS-1004", "Cannot add a second user", "closed", "low", "Ledger Cloud", "Contoso"),
    ("CS-1005", "Export to Excel loses formulas", "new", "urgent", "Ledger Desktop", "Northwind"),
    ("CS-1006", "Duplicate payments to suppliers", "on_hold", "critical", "Ledger Cloud", "Northwind"),
]


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    with cache.transaction() as session:
        for i, (number, subject, status, severity, product, account) in enumerate(ROWS):
            session.add(CaseRow(
                id=f"00000000-0000-0000-0000-00000000000{i}", number=number, subject=subject,
                description=f"Description of {subject.lower()}", status=status, severity=severity,
                product=product, account_name=account, created_at=T0 + timedelta(days=i),
                updated_at=T0 + timedelta(days=10 - i),
            ))
        session.flush()
        session.add(CommentRow(id=str(uuid.uuid4()), case_id="00000000-0000-0000-0000-000000000003",
                               author_name="Sam", author_role="agent", kind="reply",
                               body="Please send the zeppelin log file", created_at=T0))
    yield cache
    cache.close()


def numbers(db, query: ListQuery) -> list[str]:  # noqa: ANN001
    return [r.number for r in case_list.page(db, query, 0, 100)]


def test_default_order_is_last_updated_first(db) -> None:
    assert numbers(db, ListQuery()) == ["CS-1001", "CS-1002", "CS-1003", "CS-1004", "CS-1005", "CS-1006"]


@pytest.mark.parametrize(
    ("sort", "descending", "expected_first"),
    [(SortKey.NUMBER, True, "CS-1006"), (SortKey.SUBJECT, False, "CS-1001"), (SortKey.CREATED, False, "CS-1001"),
     (SortKey.SEVERITY, False, "CS-1001"), (SortKey.SEVERITY, True, "CS-1004"), (SortKey.PRODUCT, False, "CS-1001")],
)
def test_sort_by_any_column(db, sort, descending, expected_first) -> None:  # noqa: ANN001
    got = numbers(db, ListQuery(sort=sort, descending=descending))
    assert got[0] == expected_first
    assert sorted(got) == sorted(r[0] for r in ROWS)


def test_severity_sorts_by_meaning_not_alphabet(db) -> None:
    got = [r.severity for r in case_list.page(db, ListQuery(sort=SortKey.SEVERITY, descending=False), 0, 100)]
    assert got == ["critical", "critical", "urgent", "urgent", "standard", "low"]


def test_tabs_and_their_counts_for_a_customer(db) -> None:
    query = ListQuery(role=Role.CUSTOMER)
    assert case_list.tab_counts(db, query) == {
        Tab.ALL: 6, Tab.OPEN: 4, Tab.WAITING_ON_ME: 2, Tab.RESOLVED: 1, Tab.CLOSED: 1,
    }
    assert numbers(db, query.with_(tab=Tab.WAITING_ON_ME)) == ["CS-1002", "CS-1003"]
    assert case_list.count(db, query.with_(tab=Tab.OPEN)) == 4


def test_staff_wait_on_new_and_open_cases(db) -> None:
    assert set(numbers(db, ListQuery(role=Role.AGENT, tab=Tab.WAITING_ON_ME))) == {"CS-1001", "CS-1005"}


def test_filters_combine_with_tabs_and_counts_follow_filters(db) -> None:
    query = ListQuery(product="Ledger Cloud")
    assert numbers(db, query) == ["CS-1001", "CS-1004", "CS-1006"]
    assert numbers(db, query.with_(severity="critical")) == ["CS-1001", "CS-1006"]
    assert numbers(db, ListQuery(account="Contoso", tab=Tab.CLOSED)) == ["CS-1004"]
    assert case_list.tab_counts(db, query)[Tab.ALL] == 3
    assert case_list.distinct_values(db, "product") == ["Ledger Cloud", "Ledger Desktop", "Payroll"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("bank", ["CS-1001"]), ("BANK FEE", ["CS-1001"]), ("cs-1004", ["CS-1004"]), ("1004", ["CS-1004"]),
     ("zeppelin", ["CS-1004"]), ("formulas excel", ["CS-1005"]), ("nothing-like-this", []),
     ("\"quoted' (odd) * input", []), ("", [r[0] for r in ROWS])],
)
def test_search_over_number_subject_description_and_conversation(db, typed, expected) -> None:  # noqa: ANN001
    assert sorted(numbers(db, ListQuery(search=typed))) == sorted(expected)


def test_search_sees_local_changes_at_once(db) -> None:
    case_id, _ = local_changes.create_case(db, ME, subject="Quarterly close wizard freezes", description="x")
    assert [r.id for r in case_list.page(db, ListQuery(search="wizard"), 0, 10)] == [case_id]
    local_changes.add_comment(db, ME, case_id, "It happens with the kumquat template")
    assert [r.id for r in case_list.page(db, ListQuery(search="kumquat"), 0, 10)] == [case_id]


def test_paging_returns_disjoint_slices(db) -> None:
    first = case_list.page(db, ListQuery(), 0, 4)
    second = case_list.page(db, ListQuery(), 4, 4)
    assert len(first) == 4 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}


def test_summary_cards(db) -> None:
    cards = case_list.summary_cards(db, Role.CUSTOMER)
    assert (cards.open, cards.waiting_on_me, cards.resolved, cards.critical) == (4, 2, 1, 2)


def test_an_old_cache_file_is_migrated_and_searchable(tmp_path: Path) -> None:
    profile = tmp_path / "old"
    profile.mkdir()
    shutil.copy(Path(__file__).parent.parent / "data" / "cache-0001.db", profile / "cache.db")
    db = open_cache(profile)
    try:
        assert numbers(db, ListQuery(search="reconciliation")) == ["CS-1001"]
        assert numbers(db, ListQuery(search="xylophone")) == ["CS-1001"]  # from the conversation
        assert queries.list_cases(db)[0].sync_state == "waiting"  # its queued reply survived
    finally:
        db.close()


def test_bulk_insert_is_indexed_by_the_triggers(profile_dir: Path) -> None:
    db = open_cache(profile_dir)
    try:
        with db.transaction() as session:
            session.execute(insert(CaseRow), [
                {"id": str(uuid.uuid4()), "number": f"CS-{n}", "subject": f"subject {n}", "description": "d",
                 "status": "open", "severity": "low", "product": "p", "account_name": "a", "escalated": False,
                 "close_requested": False, "owner_name": "", "reported_by_name": "", "resolution_summary": "",
                 "resolution_root_cause": "", "resolution_type": "", "unread": False,
                 "created_at": T0, "updated_at": T0}
                for n in range(2000)
            ])
        assert case_list.count(db, ListQuery(search="subject")) == 2000
        assert numbers(db, ListQuery(search="CS-1999")) == ["CS-1999"]
    finally:
        db.close()
