"""The case list as queries: filter, search (FTS5) and sort in SQLite, one page at a time.

Filtering in SQL, not in a Qt proxy model: over 100,000 rows a proxy costs ~670 ms a keystroke, an
indexed query a few milliseconds (measured: QSortFilterProxyModel 667 ms, SQLite's first page
0.8 ms). Search results are ordered by the list's sort, not by FTS rank: ranking a term found in
every row costs over 100 ms.

How a keystroke stays within a few milliseconds over 100,000 cases (`ListReader.first`):

- The FTS5 match runs once per search text, not once per query: the matching case rowids go into a
  per-connection temp table (`temp.case_list_hits`) and the count, the tab counts and every page
  are read against it; a sort or tab change with the same search reuses it. Both FTS tables have
  prefix indexes of one and two characters, and a matching comment finds its case's rowid in
  `comment_cases` (migration 0007): the first letters of a word cost 3 ms, not 8, and 5,000
  matching replies 1 ms, not 10. Typing on ("pay" after
  "pa") can only narrow the matches: when FTS5 counts as many in cases and in comments as before,
  they are the same ones and the table is kept.
- A search that every case matches (FTS5 counts its own matches in a few ms, with no join) is the
  list without a search: no temp table at all. That is the common-word case ("ledger" in every
  case) where even plain sqlite3 pays hundreds of ms for the union of cases and conversation.
- A page walks the sort column's index (every list column has one: migrations 0001, 0002, and
  0006 for the severity rank; ties go by rowid, which every index holds) and probes the hit set,
  or, for a few hits, sorts the hits; further pages continue after the last row of the page
  before (keyset), not OFFSET.
- Counts are exact, never capped. The one costly part, the tabs' counts of a big search (a row
  read per match: ~14 ms for 25,000), may come in a second step (`tabs_later`, `Counting`).
- Aggregates that do not depend on the search or sort (summary cards, filter choices, per-status
  counts) are kept until the data changes: SQLAlchemy commits through the engine and
  `PRAGMA data_version` (commits by other connections and processes) invalidate them.
- A newer keystroke cancels the older one's work: `ListReader.interrupt()` stops the statement
  running, and `first(cancelled=...)` is asked before each next one.

The SQL here goes to the DBAPI connection directly: a SQLAlchemy session begins each transaction
with BEGIN IMMEDIATE (database.py), which would make every read of the list wait for the sync
thread's writes; the list only reads (a deferred transaction in WAL mode) and writes its temp table.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import event

from casedesktop.domain import Role, Severity
from casedesktop.domain.queues import Queue
from casedesktop.store.database import CacheDB
from casedesktop.store.list_sql import ACTIVE, CaseSummary, SortKey, Tab, summary_of, tab_statuses
from casedesktop.store.list_sql import ROW_SQL as _ROW_SQL
from casedesktop.store.list_sql import ROW_WIDTH as _ROW_WIDTH
from casedesktop.store.list_sql import SORT_SQL as _SORT_SQL

_NULLABLE_SORT = {SortKey.NUMBER}  # an unsent case has no number yet


@dataclass(frozen=True)
class ListQuery:
    """Everything that decides which rows the list shows and in which order."""

    role: Role = Role.CUSTOMER
    tab: Tab = Tab.ALL
    severity: str = ""
    product: str = ""
    account: str = ""
    search: str = ""
    sort: SortKey = SortKey.UPDATED
    descending: bool = True
    # Staff only: their triage's priority, and a queue of domain/queues.py (Mine is `user_id`'s).
    priority: str = ""
    queue: Queue = Queue.ALL
    user_id: str = ""

    def with_(self, **changes: object) -> ListQuery:
        return replace(self, **changes)


def fts_expression(search: str) -> str:
    """What the user typed as an FTS5 query: every word must match, each as a prefix."""
    words = re.findall(r"\w+", search)
    return " ".join(f'"{w}"*' for w in words)


@dataclass(frozen=True)
class SummaryCards:
    open: int
    waiting_on_me: int
    resolved: int
    critical: int


# --- SQL pieces ------------------------------------------------------------------------------

_HITS = "temp.case_list_hits"  # the rowids of the cases the current search matches
TAB_COUNTS_INLINE = 1_000  # more matches than this: the tabs' counts may come in a second step (~1 ms a thousand)
_CASES_FTS_HITS = "SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?"
# The cases of the matching comments, through the rowid map of migration 0007 (a comment's row
# and the index of case ids cost ten times as much).
_CONVERSATION_HITS = (
    "SELECT comment_cases.case_rowid FROM comments_fts CROSS JOIN comment_cases "
    "ON comment_cases.comment = comments_fts.rowid WHERE comments_fts MATCH ?"
)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat()


def queue_condition(queue: Queue, user_id: str, now: str) -> tuple[str, list[object]]:
    """A queue of domain/queues.py as SQL ("1" for all). Overdue reads the SLA the server sent
    (migration 0008) the way domain/sla.py decides it for an active case: a target already
    missed, or a due time passed with the target not reached, so a case becomes overdue as time
    passes without anything being written."""
    sql: list[str] = []
    params: list[object] = []
    if queue.statuses is not None:
        statuses = sorted(s.value for s in queue.statuses)
        sql.append(f"cases.status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if queue is Queue.UNASSIGNED:
        sql.append("cases.owner_id IS NULL")
    elif queue is Queue.MINE:
        sql.append("cases.owner_id = ?")
        params.append(user_id)
    elif queue is Queue.OVERDUE:
        sql.append(
            "cases.sla IS NOT NULL AND (json_array_length(cases.sla, '$.breached') > 0"
            " OR (json_extract(cases.sla, '$.first_response_at') IS NULL"
            " AND julianday(json_extract(cases.sla, '$.first_response_due')) < julianday(?))"
            " OR julianday(json_extract(cases.sla, '$.resolution_due')) < julianday(?))")
        params.extend((now, now))
    return (" AND ".join(sql) or "1"), params


def _filters(query: ListQuery, include_tab: bool = True, include_queue: bool = True,
             now: str | None = None) -> tuple[list[str], list[object]]:
    """The non-search conditions of a query, as SQL and parameters."""
    sql: list[str] = []
    params: list[object] = []
    statuses = tab_statuses(query.tab, query.role) if include_tab else ()
    if statuses:
        sql.append(f"cases.status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if include_queue and query.queue is not Queue.ALL:
        condition, values = queue_condition(query.queue, query.user_id, now or _utc_now())
        sql.append(f"({condition})")
        params.extend(values)
    for column, value in (("severity", query.severity), ("product", query.product),
                          ("account_name", query.account), ("priority", query.priority)):
        if value:
            sql.append(f"cases.{column} = ?")
            params.append(value)
    return sql, params


def _narrows(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """Whether every case the words `after` match is matched by `before` too (typing on: each
    word the same or longer, maybe more words). Plain letters and digits only, to be sure of it."""
    return (
        len(after) >= len(before)
        and all(w.isalnum() for w in (*before, *after))
        and all(new.startswith(old) for old, new in zip(before, after, strict=False))
    )


# --- what is known about one database --------------------------------------------------------


class _DbInfo:
    """Per cache: a counter of commits made through its engine, and the keyset anchors of pages.

    An anchor is the sort key of the last row of a page, so the next page starts right after it
    (`WHERE (key, rowid) > anchor`) instead of counting OFFSET rows from the top.
    """

    MAX_ANCHORS = 512

    def __init__(self, db: CacheDB):
        self.commits = 0
        self.lock = threading.Lock()
        self.anchors: OrderedDict[tuple, tuple] = OrderedDict()
        event.listen(db.engine, "commit", self._committed)

    def _committed(self, _connection: object) -> None:
        self.commits += 1

    def anchor(self, key: tuple) -> tuple | None:
        with self.lock:
            return self.anchors.get(key)

    def remember(self, key: tuple, anchor: tuple) -> None:
        with self.lock:
            self.anchors[key] = anchor
            self.anchors.move_to_end(key)
            while len(self.anchors) > self.MAX_ANCHORS:
                self.anchors.popitem(last=False)


_DB_INFO: weakref.WeakKeyDictionary[CacheDB, _DbInfo] = weakref.WeakKeyDictionary()
_DB_INFO_LOCK = threading.Lock()


def _db_info(db: CacheDB) -> _DbInfo:
    with _DB_INFO_LOCK:
        info = _DB_INFO.get(db)
        if info is None:
            info = _DB_INFO[db] = _DbInfo(db)
        return info


@dataclass
class _ConnectionState:
    """What one SQLite connection has worked out, valid while the data it was read from is."""

    version: tuple[int, int] | None = None  # (PRAGMA data_version, engine commits) when read
    epoch: int = 0  # counts the times the data changed under it
    hits_made: int = 0  # counts the times the temp table was filled
    total: int | None = None
    search: str | None = None  # the FTS expression whose hits are in the temp table
    search_all: bool = False  # ... which every case matches: no temp table needed
    words: tuple[str, ...] = ()  # the words typed for it
    side_counts: tuple[int, int] = (-1, -1)  # its FTS5 matches in cases and in comments
    hits: int = 0
    status_counts: dict[tuple, dict[str, int]] = field(default_factory=dict)
    cards: dict[Role, SummaryCards] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def forget(self) -> None:
        self.epoch += 1
        self.total = None
        self.search = None
        self.search_all = False
        self.words = ()
        self.side_counts = (-1, -1)
        self.hits = 0
        self.status_counts.clear()
        self.cards.clear()
        self.choices.clear()


class _Reader:
    """The list's queries on one DBAPI connection (used by one thread at a time)."""

    def __init__(self, connection: sqlite3.Connection, state: _ConnectionState, info: _DbInfo,
                 dedicated: bool = False):
        self.connection = connection
        self.state = state
        self.info = info
        # A pooled connection also writes (sessions), and its own commits do not change its
        # data_version: count the engine's commits too. The list worker's connection never writes,
        # so data_version alone tells it of every change (an engine commit with nothing in it,
        # e.g. marking a case read that was read already, then costs nothing).
        self.dedicated = dedicated
        self.cancelled: Callable[[], bool] | None = None  # checked before each statement

    # --- plumbing ----------------------------------------------------------------------------

    def _rows(self, sql: str, params: list[object] | tuple = ()) -> list[tuple]:
        if self.cancelled is not None and self.cancelled():
            raise sqlite3.OperationalError("interrupted: a newer query replaced this one")
        return self.connection.execute(sql, params).fetchall()

    def _scalar(self, sql: str, params: list[object] | tuple = ()) -> object:
        return self._rows(sql, params)[0][0]

    def _execute(self, sql: str, params: list[object] | tuple = ()) -> None:
        self._rows(sql, params)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction (WAL: a consistent snapshot, no lock on writers), caches checked."""
        version = (self._scalar("PRAGMA data_version"), 0 if self.dedicated else self.info.commits)
        if version != self.state.version:
            self.state.forget()
            self.state.version = version
        if self.connection.in_transaction:  # pragma: no cover - left over by an interrupt
            self.connection.rollback()
        self.connection.execute("BEGIN")
        try:
            yield
        except BaseException:
            if self.connection.in_transaction:
                self.connection.rollback()
            # The temp table may be half written (or rolled back): work it out afresh next time.
            self.state.search, self.state.words, self.state.side_counts = None, (), (-1, -1)
            raise
        else:
            self.connection.commit()

    # --- search ------------------------------------------------------------------------------

    def _total(self) -> int:
        if self.state.total is None:
            self.state.total = int(self._scalar("SELECT count(*) FROM cases"))
        return self.state.total

    def _prepare_search(self, match: str, words: tuple[str, ...]) -> None:
        """Run the FTS5 match once: all cases, or the hits in the temp table."""
        state = self.state
        if state.search == match:
            return
        previous_words, state.search = state.words, None
        in_cases = int(self._scalar("SELECT count(*) FROM cases_fts WHERE cases_fts MATCH ?", (match,)))
        if in_cases == self._total():
            state.search_all, state.hits, state.search, state.words = True, in_cases, match, words
            return
        in_comments = int(self._scalar("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH ?", (match,)))
        if (not state.search_all and previous_words and _narrows(previous_words, words)
                and (in_cases, in_comments) == state.side_counts):
            # Typing on: the matches can only shrink, and neither side did, so they are the same.
            state.search, state.words = match, words
            return
        state.words, state.side_counts = (), (-1, -1)  # until the table is complete
        self._execute(f"CREATE TEMP TABLE IF NOT EXISTS {_HITS[5:]} (rowid INTEGER PRIMARY KEY)")
        self._execute(f"DELETE FROM {_HITS}")
        if in_cases:
            self._execute(f"INSERT INTO {_HITS} {_CASES_FTS_HITS}", (match,))
        if in_comments:
            self._execute(f"INSERT OR IGNORE INTO {_HITS} {_CONVERSATION_HITS}", (match,))
        state.hits = int(self._scalar(f"SELECT count(*) FROM {_HITS}"))
        state.hits_made += 1
        state.search_all = False
        state.side_counts = (in_cases, in_comments)
        for key in [k for k in state.status_counts if k[-1]]:
            del state.status_counts[key]
        state.search, state.words = match, words

    def _searching(self, query: ListQuery) -> bool:
        """Whether the query's search narrows the list (after preparing its hits)."""
        match = fts_expression(query.search)
        if not match:
            return False
        self._prepare_search(match, tuple(re.findall(r"\w+", query.search)))
        return not self.state.search_all

    # --- counts ------------------------------------------------------------------------------

    def status_counts(self, query: ListQuery) -> dict[str, int]:
        """Rows per status with the query's filters and search, whatever the tab."""
        searching = self._searching(query)
        key = (query.severity, query.product, query.account, query.priority, searching)
        cached = self.state.status_counts.get(key)
        if cached is not None:
            return cached
        where, params = _filters(query, include_tab=False, include_queue=False)
        source = f"{_HITS} AS hits CROSS JOIN cases ON cases.rowid = hits.rowid" if searching else "cases"
        sql = f"SELECT cases.status, count(*) FROM {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        counts = dict(self._rows(sql + " GROUP BY cases.status", params))
        self.state.status_counts[key] = counts
        return counts

    def content_key(self, query: ListQuery) -> tuple:
        """Equal for two queries (on this connection) exactly when they list the same rows in the
        same order: the same data, filters and sort, and the same matches."""
        searching = self._searching(query)
        matches = ("hits", self.state.hits_made) if searching else ("all",)
        return (self.state.epoch, query.role, query.tab, query.severity, query.product, query.account,
                query.priority, query.queue, query.user_id, query.sort, query.descending, matches)

    def count(self, query: ListQuery) -> int:
        searching = self._searching(query)
        if searching and not _filters(query)[0]:
            return self.state.hits
        if query.queue is not Queue.ALL:
            return self.queue_counts(query)[query.queue]
        statuses = tab_statuses(query.tab, query.role)
        return sum(n for s, n in self.status_counts(query).items() if not statuses or s in statuses)

    def queue_counts(self, query: ListQuery) -> dict[Queue, int]:
        """Rows in each staff queue with the query's tab, filters and search: one pass."""
        searching = self._searching(query)
        where, params = _filters(query, include_queue=False)
        now = _utc_now()
        columns: list[str] = []
        column_params: list[object] = []
        for queue in Queue:
            condition, values = queue_condition(queue, query.user_id, now)
            columns.append(f"coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)")
            column_params.extend(values)
        source = f"{_HITS} AS hits CROSS JOIN cases ON cases.rowid = hits.rowid" if searching else "cases"
        sql = f"SELECT {', '.join(columns)} FROM {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        row = self._rows(sql, [*column_params, *params])[0]
        return dict(zip(Queue, (int(n) for n in row), strict=True))

    def tab_counts_are_costly(self, query: ListQuery) -> bool:
        """Whether the tab counts would read the rows of many matches (not needed for the count:
        a search and no other filter counts its matches; the tabs are counted later)."""
        searching = self._searching(query)
        return (
            searching
            and not _filters(query)[0]
            and self.state.hits > TAB_COUNTS_INLINE
            and (query.severity, query.product, query.account, query.priority, True) not in self.state.status_counts
        )

    def tab_counts(self, query: ListQuery) -> dict[Tab, int]:
        by_status = self.status_counts(query)
        counts = {}
        for tab in Tab:
            statuses = tab_statuses(tab, query.role)
            counts[tab] = sum(n for status, n in by_status.items() if not statuses or status in statuses)
        return counts

    def summary_cards(self, role: Role) -> SummaryCards:
        cards = self.state.cards.get(role)
        if cards is None:
            by_status = self.status_counts(ListQuery(role=role))
            critical = int(self._scalar(
                f"SELECT count(*) FROM cases WHERE cases.severity = ? AND cases.status IN "
                f"({', '.join('?' * len(ACTIVE))})", (Severity.CRITICAL.value, *ACTIVE)))

            def total(tab: Tab) -> int:
                return sum(by_status.get(s, 0) for s in tab_statuses(tab, role))

            cards = SummaryCards(total(Tab.OPEN), total(Tab.WAITING_ON_ME), total(Tab.RESOLVED), critical)
            self.state.cards[role] = cards
        return cards

    def distinct_values(self, column: str) -> list[str]:
        values = self.state.choices.get(column)
        if values is None:
            name = {"product": "product", "account": "account_name"}[column]
            # A skip scan of the column's index: one seek per distinct value, not a read of
            # every entry (~4 ms at 100,000 cases for a handful of products).
            values = [v for (v,) in self._rows(
                f"WITH RECURSIVE d(v) AS (SELECT min({name}) FROM cases UNION ALL "
                f"SELECT (SELECT min({name}) FROM cases WHERE {name} > d.v) FROM d WHERE d.v IS NOT NULL) "
                "SELECT v FROM d WHERE v IS NOT NULL") if v]
            self.state.choices[column] = values
        return values

    def lists(self, query: ListQuery, case_id: str) -> bool:
        """Whether `query` lists the case (an index seek by id, plus the search's hits if any)."""
        where, params = _filters(query)
        if self._searching(query):
            where.append(f"cases.rowid IN (SELECT rowid FROM {_HITS})")
        where.append("cases.id = ?")
        params.append(case_id)
        return bool(self._rows("SELECT 1 FROM cases WHERE " + " AND ".join(where) + " LIMIT 1", params))

    # --- pages -------------------------------------------------------------------------------

    def page(self, query: ListQuery, offset: int, limit: int) -> list[CaseSummary]:
        keys = _SORT_SQL[query.sort]
        direction = " DESC" if query.descending else ""
        where, params = _filters(query)
        searching = self._searching(query)
        source = "cases"
        if searching:
            hits = self.state.hits
            if hits == 0:
                return []
            # Many hits: walk the sort index and probe them (~ page * cases / hits index entries);
            # a few: sort them (a table row read each, ~8 times an index entry). For 100,000
            # cases the two cost the same at ~1,300 hits.
            if 8 * hits * hits > (offset + limit) * self._total():
                where.append(f"+cases.rowid IN (SELECT rowid FROM {_HITS})")  # walk the sort index
            else:
                source = f"{_HITS} AS hits CROSS JOIN cases ON cases.rowid = hits.rowid"  # sort the few
        anchor_key = (query, self.info.commits, offset)
        anchor = self.info.anchor(anchor_key) if offset else None
        if anchor is not None and not (query.sort in _NULLABLE_SORT and (query.descending or anchor[0] is None)):
            columns = ", ".join((*keys, "cases.rowid"))
            marks = ", ".join("?" * (len(keys) + 1))
            where.append(f"({columns}) {'<' if query.descending else '>'} ({marks})")
            params.extend(anchor)
            skip = 0
        else:
            skip = offset
        # The order is found on rowids and sort keys alone (an index walk or a sort of few hits);
        # the columns and the sync state are read for the page's rows only.
        named = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        inner = f"SELECT cases.rowid AS r, {named} FROM {source}"
        if where:
            inner += " WHERE " + " AND ".join(where)
        inner += " ORDER BY " + ", ".join(f"{k}{direction}" for k in (*keys, "cases.rowid")) + " LIMIT ? OFFSET ?"
        outer_keys = [f"p.k{i}" for i in range(len(keys))]
        sql = (
            f"SELECT {_ROW_SQL}, {', '.join(outer_keys)}, p.r FROM ({inner}) AS p "
            "CROSS JOIN cases ON cases.rowid = p.r ORDER BY "
            + ", ".join(f"{k}{direction}" for k in (*outer_keys, "p.r"))
        )
        rows = self._rows(sql, [*params, limit, skip])
        if len(rows) == limit:
            self.info.remember((query, self.info.commits, offset + limit), tuple(rows[-1][_ROW_WIDTH:]))
        return [summary_of(row) for row in rows]


@contextmanager
def _pooled(db: CacheDB) -> Iterator[_Reader]:
    """A reader on a connection of the engine's pool, within one snapshot."""
    raw = db.engine.raw_connection()
    try:
        state = raw.info.get("case_list")
        if state is None:
            state = raw.info["case_list"] = _ConnectionState()
        reader = _Reader(raw.driver_connection, state, _db_info(db))
        with reader.snapshot():
            yield reader
    finally:
        raw.close()


# --- the public functions (one snapshot each) ---------------------------------------------------


def count(db: CacheDB, query: ListQuery) -> int:
    with _pooled(db) as reader:
        return reader.count(query)


def page(db: CacheDB, query: ListQuery, offset: int, limit: int) -> list[CaseSummary]:
    with _pooled(db) as reader:
        return reader.page(query, offset, limit)


def queue_counts(db: CacheDB, query: ListQuery) -> dict[Queue, int]:
    """How many rows each staff queue would show with the other filters and the search as they are."""
    with _pooled(db) as reader:
        return reader.queue_counts(query)


def tab_counts(db: CacheDB, query: ListQuery) -> dict[Tab, int]:
    """How many rows each tab would show with the other filters and the search as they are."""
    with _pooled(db) as reader:
        return reader.tab_counts(query)


def summary_cards(db: CacheDB, role: Role) -> SummaryCards:
    """The dashboard figures over all cases, whatever the list shows."""
    with _pooled(db) as reader:
        return reader.summary_cards(role)


def distinct_values(db: CacheDB, column: str) -> list[str]:
    """Choices for a filter (products, accounts) from what the cache holds."""
    with _pooled(db) as reader:
        return reader.distinct_values(column)


@dataclass(frozen=True)
class ListPage:
    """What the list shows for a query: its row count, the first page, the tabs' counts."""

    count: int
    first_page: list[CaseSummary]
    tab_counts: dict[Tab, int]
    cards: SummaryCards
    products: list[str]
    accounts: list[str]
    # Equal for two results of one ListReader exactly when they list the same rows in the same
    # order (a search typed on that still matches the same cases, one that matches every case).
    content: tuple = ()
    tabs_pending: bool = False  # some tab counts are Counting(): ask again without tabs_later
    lists_followed: bool | None = None  # whether the rows include `first`'s `follow` case (None: not asked)
    queue_counts: dict[Queue, int] = field(default_factory=dict)  # staff's queue tabs (empty for a customer)


class Counting(int):
    """A tab count still being worked out: shown as "…" (it is never a number to add up)."""

    def __new__(cls) -> Counting:
        return super().__new__(cls, 0)

    def __format__(self, spec: str) -> str:
        return "…"

    def __str__(self) -> str:
        return "…"

    __repr__ = __str__


class ListReader:
    """The list worker's own connection: everything for a query in one snapshot, cancellable.

    One thread at a time runs `first` (the lock makes sure of it); any thread may `interrupt` it,
    which makes the running SQL raise sqlite3.OperationalError ("interrupted") at once.
    """

    def __init__(self, db: CacheDB):
        self._db = db
        self._raw = None
        self._lock = threading.Lock()
        self._closed = False

    def _reader(self) -> _Reader:
        if self._raw is None:
            self._raw = self._db.engine.raw_connection()
            self._raw.info.setdefault("case_list", _ConnectionState())
        return _Reader(self._raw.driver_connection, self._raw.info["case_list"], _db_info(self._db),
                       dedicated=True)

    def first(self, query: ListQuery, page_size: int, *, tabs_later: bool = False,
              cancelled: Callable[[], bool] | None = None, follow: str | None = None) -> ListPage:
        """The count, first page, tab counts, cards and filter choices for `query`.

        With `tabs_later`, the tabs' counts of a search with many matches (the one part that
        reads a row of every match: ~14 ms for 25,000) are left `Counting()`, unless they come
        for free; `tabs_pending` says so, and the same call without it completes them.
        `cancelled` is asked before each statement (`interrupt` stops the one running): when it
        says yes, sqlite3.OperationalError("interrupted ...") is raised. `follow` is a case id
        (the one the window shows): `lists_followed` says whether the query lists it.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the list reader is closed")
            reader = self._reader()
            reader.cancelled = cancelled
            with reader.snapshot():
                pending = tabs_later and reader.tab_counts_are_costly(query)
                count = reader.count(query)
                if pending:
                    tabs = {tab: Counting() for tab in Tab}
                    tabs[Tab.ALL] = count  # no filter but the search: all its matches
                else:
                    tabs = reader.tab_counts(query)
                rows = reader.page(query, 0, page_size)
                queues = reader.queue_counts(query) if query.role.is_staff else {}
                lists_followed = None
                if follow is not None:
                    lists_followed = any(row.id == follow for row in rows) or (
                        len(rows) < count and reader.lists(query, follow))
                return ListPage(
                    count,
                    rows,
                    tabs,
                    reader.summary_cards(query.role),
                    reader.distinct_values("product"),
                    reader.distinct_values("account"),
                    reader.content_key(query),
                    pending,
                    lists_followed,
                    queues,
                )

    def interrupt(self) -> None:
        raw = self._raw
        if raw is not None:
            raw.driver_connection.interrupt()

    def close(self) -> None:
        self.interrupt()
        with self._lock:
            self._closed = True
            if self._raw is not None:
                self._raw.close()
                self._raw = None


def is_interrupted(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "interrupt" in str(error)

