"""List queries on a seeded cache: tabs, filters, search, sort, paging; and the old-cache migration."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from casedesktop.domain import Role
from casedesktop.store import case_list, list_sql, local_changes, queries
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


# --- keyset paging, the search's temp table, caches, cancellation -----------------------------

PRODUCTS = ("Ledger Cloud", "Payroll", "Inventory")
STATUSES = ("new", "open", "pending_customer", "on_hold", "resolved", "closed")
WORDS = ("printer", "proxy", "payslip")


@pytest.fixture
def ties(profile_dir: Path):
    """500 cases whose sort keys tie a lot (three products, two owners, ten update times, a few
    unsent cases without a number) and whose conversation holds words the cases do not."""
    cache = open_cache(profile_dir)
    cases, comments = [], []
    for i in range(500):
        case_id = str(uuid.UUID(int=i + 1))
        cases.append({
            "id": case_id, "number": None if i % 97 == 5 else f"CS-{2000 + i}",
            "subject": f"{'Payroll run' if i % 4 == 0 else 'Ledger close'} {i % 7}",
            "description": "d", "status": STATUSES[i % 6], "severity": ("critical", "urgent", "standard", "low")[i % 4],
            "product": PRODUCTS[i % 3], "account_name": ("Northwind", "Contoso")[i % 2],
            "owner_name": "Alex" if i % 2 else "", "owner_id": ME.user_id if i % 2 else None,
            "priority": ("critical", "high", "medium", "low", None)[i % 5], "escalated": False, "close_requested": False,
            "reported_by_name": "", "resolution_summary": "", "resolution_root_cause": "", "resolution_type": "",
            "unread": False, "created_at": T0 + timedelta(hours=i % 5), "updated_at": T0 + timedelta(hours=i % 10),
        })
        if i % 3 == 0:
            comments.append({"id": str(uuid.uuid4()), "case_id": case_id, "author_name": "Sam", "author_role": "agent",
                             "kind": "reply", "body": f"try the {WORDS[(i // 3) % 3]} fix", "created_at": T0})
    with cache.transaction() as session:
        session.execute(insert(CaseRow), cases)
        session.execute(insert(CommentRow), comments)
    yield cache
    cache.close()


def reference_ids(db, query: ListQuery) -> set[str]:  # noqa: ANN001
    """The rows a query lists, by the plain-sqlite3 semantics of the search benchmark's peer."""
    import sqlite3

    sql = "SELECT id FROM cases WHERE 1"
    params: list[object] = []
    statuses = case_list.tab_statuses(query.tab, query.role)
    if statuses:
        sql += f" AND status IN ({','.join('?' * len(statuses))})"
        params += statuses
    for column, value in (("severity", query.severity), ("product", query.product), ("account_name", query.account)):
        if value:
            sql += f" AND {column} = ?"
            params.append(value)
    match = case_list.fts_expression(query.search)
    if match:
        sql += (" AND (cases.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?) OR cases.id IN "
                "(SELECT case_id FROM comments WHERE comments.rowid IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)))")
        params += [match, match]
    with sqlite3.connect(db.path) as raw:
        return {row[0] for row in raw.execute(sql, params)}


def all_pages(db, query: ListQuery, size: int) -> list:  # noqa: ANN001
    rows, offset = [], 0
    while True:
        got = case_list.page(db, query, offset, size)
        rows += got
        if len(got) < size:
            return rows
        offset += size


def sort_value(row, key: SortKey):  # noqa: ANN001, ANN201
    if key is SortKey.SEVERITY:
        return ("critical", "urgent", "standard", "low").index(row.severity)
    if key is SortKey.PRIORITY:
        return ("critical", "high", "medium", "low", None).index(row.priority)
    return getattr(row, key.value)


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("search", ["", "payroll", "pr", "p"])
def test_keyset_pages_equal_one_big_page_despite_ties(ties, sort, descending, search) -> None:  # noqa: ANN001
    query = ListQuery(sort=sort, descending=descending, search=search)
    whole = case_list.page(ties, query, 0, 10_000)
    paged = all_pages(ties, query, 37)
    assert [r.id for r in paged] == [r.id for r in whole]  # same order, nothing twice, nothing lost
    assert {r.id for r in whole} == reference_ids(ties, query)
    assert case_list.count(ties, query) == len(whole)
    values = [sort_value(r, sort) for r in whole if sort_value(r, sort) is not None]
    assert values == sorted(values, reverse=descending)


def test_keyset_anchor_is_used_and_dropped_after_a_change(ties) -> None:  # noqa: ANN001
    query = ListQuery(sort=SortKey.OWNER)
    first = case_list.page(ties, query, 0, 50)
    info = case_list._db_info(ties)
    assert info.anchor((query, info.commits, 50)) is not None  # the next page continues after it
    second = case_list.page(ties, query, 50, 50)
    assert not {r.id for r in first} & {r.id for r in second}
    local_changes.create_case(ties, ME, subject="A new one", description="x")
    assert info.anchor((query, info.commits, 50)) is None  # data changed: OFFSET until re-anchored
    assert len(all_pages(ties, query, 50)) == 501


@pytest.mark.parametrize(
    "query",
    [ListQuery(search="printer"), ListQuery(search="payroll", tab=Tab.OPEN), ListQuery(search="p", product="Payroll"),
     ListQuery(search="ledger close 3"), ListQuery(search="pay", severity="critical", account="Contoso"),
     ListQuery(search="proxy", role=Role.AGENT, tab=Tab.WAITING_ON_ME), ListQuery(search="zzz")],
)
def test_search_counts_and_tabs_match_plain_sqlite3(ties, query: ListQuery) -> None:  # noqa: ANN001
    expected = reference_ids(ties, query)
    assert case_list.count(ties, query) == len(expected)
    assert {r.id for r in case_list.page(ties, query, 0, 1000)} == expected
    for tab, n in case_list.tab_counts(ties, query).items():
        assert n == len(reference_ids(ties, query.with_(tab=tab))), tab


def test_a_search_every_case_matches_is_the_list_without_it(db) -> None:  # noqa: ANN001
    everyone = ListQuery(search="description")  # "Description of ..." in every case
    assert case_list.count(db, everyone) == 6
    assert numbers(db, everyone) == numbers(db, ListQuery())
    assert case_list.tab_counts(db, everyone) == case_list.tab_counts(db, ListQuery())


def test_typing_on_reuses_the_matches_only_while_they_are_the_same(ties) -> None:  # noqa: ANN001
    reader = case_list.ListReader(ties)
    try:
        pa = reader.first(ListQuery(search="pa"), 1000)  # "Payroll run" cases and "payslip" replies
        pay = reader.first(ListQuery(search="pay"), 1000)
        assert pay.content == pa.content  # the same matches: the list is not reset
        payr = reader.first(ListQuery(search="payr"), 1000)  # no more payslips
        assert payr.content != pay.content
        for found, text in ((pa, "pa"), (pay, "pay"), (payr, "payr")):
            assert {r.id for r in found.first_page} == reference_ids(ties, ListQuery(search=text))
            assert found.count == len(found.first_page)
    finally:
        reader.close()


def test_the_reader_sees_changes_made_elsewhere(ties) -> None:  # noqa: ANN001
    reader = case_list.ListReader(ties)
    try:
        before = reader.first(ListQuery(search="kumquat"), 100)
        assert before.count == 0
        cards = reader.first(ListQuery(), 100).cards
        case_id, _ = local_changes.create_case(ties, ME, subject="Kumquat import fails", description="x")
        after = reader.first(ListQuery(search="kumquat"), 100)
        assert [r.id for r in after.first_page] == [case_id] and after.count == 1
        assert reader.first(ListQuery(), 100).cards.open == cards.open + 1
        local_changes.add_comment(ties, ME, ties_case(ties, "CS-2001"), "the kumquat template again")
        assert reader.first(ListQuery(search="kumquat"), 100).count == 2
    finally:
        reader.close()


def ties_case(db, number: str) -> str:  # noqa: ANN001
    return queries.resolve_case_ref(db, number)


def test_tab_counts_can_come_second(ties, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(case_list, "TAB_COUNTS_INLINE", 10)
    reader = case_list.ListReader(ties)
    try:
        query = ListQuery(search="ledger")
        quick = reader.first(query, 50, tabs_later=True)
        assert quick.tabs_pending
        assert quick.tab_counts[Tab.ALL] == quick.count == len(reference_ids(ties, query))
        assert f"Open ({quick.tab_counts[Tab.OPEN]})" == "Open (…)"
        full = reader.first(query, 50)
        assert not full.tabs_pending and full.content == quick.content
        assert full.tab_counts[Tab.OPEN] == len(reference_ids(ties, query.with_(tab=Tab.OPEN)))
        assert not reader.first(query, 50, tabs_later=True).tabs_pending  # counted once: kept
        with_filter = reader.first(query.with_(tab=Tab.OPEN, search="payroll"), 50, tabs_later=True)
        assert not with_filter.tabs_pending  # its count needs them anyway
    finally:
        reader.close()


def test_interrupt_cancels_the_running_query_and_the_reader_recovers(ties) -> None:  # noqa: ANN001
    import sqlite3
    import threading
    import time

    reader = case_list.ListReader(ties)
    try:
        reader.first(ListQuery(), 10)
        slow = reader._reader()
        errors: list[BaseException] = []

        def run() -> None:
            try:
                slow.connection.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
                ).fetchall()
            except sqlite3.OperationalError as error:
                errors.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.2)
        started = time.monotonic()
        reader.interrupt()
        thread.join(5)
        assert not thread.is_alive() and time.monotonic() - started < 1
        assert case_list.is_interrupted(errors[0])
        assert reader.first(ListQuery(search="printer"), 500).count == len(reference_ids(ties, ListQuery(search="printer")))
    finally:
        reader.close()


def test_every_sort_walks_an_index(ties) -> None:  # noqa: ANN001
    import sqlite3

    with sqlite3.connect(ties.path) as raw:
        for key, expressions in case_list._SORT_SQL.items():
            for direction in ("", " DESC"):
                order = ", ".join(f"{e}{direction}" for e in (*expressions, "cases.rowid"))
                plan = " ".join(r[3] for r in raw.execute(f"EXPLAIN QUERY PLAN SELECT cases.rowid FROM cases ORDER BY {order} LIMIT 5"))
                assert "TEMP B-TREE" not in plan, (key, plan)
        plan = " ".join(r[3] for r in raw.execute(
            f"EXPLAIN QUERY PLAN SELECT cases.rowid FROM cases ORDER BY {list_sql.SEVERITY_RANK_SQL}, cases.rowid LIMIT 5"))
        assert "ix_cases_severity_rank" in plan
        plan = " ".join(r[3] for r in raw.execute(
            f"EXPLAIN QUERY PLAN SELECT cases.rowid FROM cases ORDER BY {list_sql.PRIORITY_RANK_SQL} DESC, "
            "cases.rowid DESC LIMIT 5"))
        assert "ix_cases_priority_rank" in plan


def test_conversation_matches_follow_comments_and_cases_as_they_come_and_go(ties) -> None:  # noqa: ANN001
    import sqlite3

    def mapped() -> set[tuple[str, str]]:
        """Search's map of comments to their cases' rowids, read back as ids."""
        with sqlite3.connect(ties.path) as raw:
            return set(raw.execute(
                "SELECT comments.id, cases.id FROM comment_cases JOIN comments ON comments.rowid = comment_cases.comment "
                "JOIN cases ON cases.rowid = comment_cases.case_rowid"))

    def comments() -> set[tuple[str, str]]:
        with sqlite3.connect(ties.path) as raw:
            return set(raw.execute("SELECT id, case_id FROM comments"))

    assert mapped() == comments() and len(comments()) == 167
    printer = ListQuery(search="printer")
    assert case_list.count(ties, printer) == len(reference_ids(ties, printer)) == 56
    case_id, _ = local_changes.create_case(ties, ME, subject="Scanner offline", description="d")
    local_changes.add_comment(ties, ME, case_id, "the printer spooler again")
    with ties.transaction() as session:  # a case goes, and its comments with it
        session.delete(session.get(CaseRow, str(uuid.UUID(int=1))))
    assert mapped() == comments() and len(comments()) == 167
    assert case_id in {r.id for r in case_list.page(ties, printer, 0, 100)}
    assert str(uuid.UUID(int=1)) not in {r.id for r in case_list.page(ties, ListQuery(search="fix"), 0, 500)}
    assert case_list.count(ties, printer) == len(reference_ids(ties, printer)) == 56


def test_the_unread_count_reads_only_the_unread_cases(ties) -> None:  # noqa: ANN001
    import sqlite3

    from sqlalchemy import update

    assert queries.unread_count(ties) == 0
    with ties.transaction() as session:
        session.execute(update(CaseRow).where(CaseRow.status == "open").values(unread=True))
    assert queries.unread_count(ties) == 84
    compiled = queries.UNREAD_COUNT.compile(ties.engine, compile_kwargs={"literal_binds": True})
    with sqlite3.connect(ties.path) as raw:
        plan = " ".join(r[3] for r in raw.execute(f"EXPLAIN QUERY PLAN {compiled}"))
    assert "ix_cases_unread" in plan, plan


def test_the_severity_rank_follows_the_domain() -> None:
    from casedesktop.domain import Severity

    ranks = dict(re.findall(r"WHEN '(\w+)' THEN (\d)", list_sql.SEVERITY_RANK_SQL))
    assert {s.value: s.rank for s in Severity} == {k: int(v) for k, v in ranks.items()}


# --- staff: priority, queues (domain/queues.py), overdue from the cached SLA --------------------

STAFF = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "sam@vendor.example", "Sam", Role.AGENT)


def in_queue(row: CaseRow, queue, now: datetime) -> bool:  # noqa: ANN001
    """domain/queues.py and domain/sla.py applied in Python, row by row: the reference."""
    import json

    from casedesktop.domain import Status
    from casedesktop.domain.queues import Queue
    from casedesktop.domain.sla import SlaState, SlaTargets, sla_standing

    statuses = queue.statuses
    if statuses is not None and Status(row.status) not in statuses:
        return False
    if queue is Queue.UNASSIGNED:
        return row.owner_id is None
    if queue is Queue.MINE:
        return row.owner_id == STAFF.user_id
    if queue is Queue.OVERDUE:
        if row.sla is None:
            return False
        sla = json.loads(row.sla)
        due = {k: datetime.fromisoformat(sla[k].replace("Z", "+00:00")) if sla.get(k) else None
               for k in ("first_response_due", "resolution_due", "first_response_at")}
        created = row.created_at
        targets = SlaTargets(due["first_response_due"] - created if due["first_response_due"] else None,
                             due["resolution_due"] - created if due["resolution_due"] else None)
        return sla_standing(targets, created, due["first_response_at"], None, now).state is SlaState.OVERDUE
    return True


@pytest.fixture
def desk(profile_dir: Path):
    """Cases of every status, owned by this agent, someone else or nobody, with SLA figures as the
    server sends them: one first response overdue, one resolution overdue, one answered in time."""
    import json

    cache = open_cache(profile_dir)
    now = datetime.now(UTC)
    slas = [
        {"first_response_due": (now - timedelta(hours=1)).isoformat(), "resolution_due": (now + timedelta(days=2)).isoformat(),
         "first_response_at": None, "breached": [], "state": "ok"},  # turned overdue since the server said "ok"
        {"first_response_due": (now - timedelta(days=2)).isoformat(), "resolution_due": (now - timedelta(minutes=5)).isoformat(),
         "first_response_at": (now - timedelta(days=3)).isoformat(), "breached": [], "state": "due_soon"},
        {"first_response_due": (now - timedelta(hours=3)).isoformat(), "resolution_due": (now + timedelta(days=1)).isoformat(),
         "first_response_at": (now - timedelta(hours=4)).isoformat(), "breached": [], "state": "ok"},
        None,
    ]
    with cache.transaction() as session:
        for i in range(24):
            session.add(CaseRow(
                id=str(uuid.UUID(int=1000 + i)), number=f"CS-{3000 + i}", subject=f"Desk case {i}", description="d",
                status=STATUSES[i % 6], severity="standard", priority=("critical", "high", None)[i % 3],
                product="Ledger Cloud", account_name=("Northwind", "Contoso")[i % 2],
                owner_id=(STAFF.user_id, str(uuid.uuid4()), None)[(i // 5) % 3],
                sla=None if slas[i % 4] is None else json.dumps(slas[i % 4]),
                created_at=now - timedelta(days=4), updated_at=now - timedelta(minutes=i),
            ))
    yield cache
    cache.close()


def test_staff_queues_follow_the_domain_rule_with_their_counts(desk) -> None:  # noqa: ANN001
    from casedesktop.domain.queues import Queue

    now = datetime.now(UTC)
    with desk.reading() as session:
        rows = list(session.query(CaseRow))
    staff = ListQuery(role=Role.AGENT, user_id=STAFF.user_id)
    counts = case_list.queue_counts(desk, staff)
    for queue in Queue:
        expected = {r.number for r in rows if in_queue(r, queue, now)}
        listed = numbers(desk, staff.with_(queue=queue))
        assert set(listed) == expected, queue
        assert counts[queue] == len(expected) == case_list.count(desk, staff.with_(queue=queue)), queue
    assert counts[Queue.OVERDUE] > 0 and counts[Queue.MINE] > 0 and counts[Queue.UNASSIGNED] > 0


def test_priority_filters_and_combines_with_a_queue(desk) -> None:  # noqa: ANN001
    from casedesktop.domain.queues import Queue

    staff = ListQuery(role=Role.AGENT, user_id=STAFF.user_id, priority="critical")
    rows = case_list.page(desk, staff, 0, 100)
    assert len(rows) == 8 and {r.priority for r in rows} == {"critical"}
    mine_critical = case_list.page(desk, staff.with_(queue=Queue.MINE), 0, 100)
    assert mine_critical and all(r.priority == "critical" and r.status in list_sql.ACTIVE for r in mine_critical)
    assert case_list.queue_counts(desk, staff)[Queue.MINE] == len(mine_critical)
    by_priority = [r.priority for r in case_list.page(desk, ListQuery(role=Role.AGENT, sort=SortKey.PRIORITY,
                                                                       descending=False), 0, 100)]
    assert by_priority == sorted(by_priority, key=("critical", "high", None).index)


def test_a_customer_list_has_no_queue_counts(db) -> None:  # noqa: ANN001
    reader = case_list.ListReader(db)
    try:
        found = reader.first(ListQuery(), 50)
    finally:
        reader.close()
    assert found.queue_counts == {} and found.count == len(ROWS)
