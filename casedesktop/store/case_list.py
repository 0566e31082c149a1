"""The case list as queries: filter, search (FTS5) and sort in SQLite, one page at a time.

Filtering in SQL, not in a Qt proxy model: over 100,000 rows a proxy costs ~670 ms a keystroke, an
indexed query a few milliseconds (shared/FACTS.md). Search results are ordered by the list's sort,
not by FTS rank: ranking a term found in every row costs over 100 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from casedesktop.domain import Role, Severity, Status
from casedesktop.store.database import CacheDB
from casedesktop.store.models import CaseRow, CommentRow
from casedesktop.store.queries import _SUMMARY_COLUMNS, CaseSummary, _case_sync_state

ACTIVE = tuple(s.value for s in Status if s.is_active)


class Tab(StrEnum):
    ALL = "all"
    OPEN = "open"
    WAITING_ON_ME = "waiting_on_me"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"all": "All", "open": "Open", "waiting_on_me": "Waiting on me",
                "resolved": "Resolved", "closed": "Closed"}[self.value]


def tab_statuses(tab: Tab, role: Role) -> tuple[str, ...]:
    """Which statuses a tab shows. "Waiting on me" is whatever needs this person's move."""
    if tab is Tab.OPEN:
        return ACTIVE
    if tab is Tab.WAITING_ON_ME:
        if role.is_staff:
            return (Status.NEW.value, Status.OPEN.value)
        return (Status.PENDING_CUSTOMER.value, Status.RESOLVED.value)
    if tab is Tab.RESOLVED:
        return (Status.RESOLVED.value,)
    if tab is Tab.CLOSED:
        return (Status.CLOSED.value, Status.MERGED.value)
    return ()


class SortKey(StrEnum):
    NUMBER = "number"
    SUBJECT = "subject"
    STATUS = "status"
    SEVERITY = "severity"
    PRODUCT = "product"
    ACCOUNT = "account_name"
    OWNER = "owner_name"
    CREATED = "created_at"
    UPDATED = "updated_at"


_SEVERITY_ORDER = {s.value: s.rank for s in Severity}


def _sort_column(key: SortKey) -> ColumnElement:
    if key is SortKey.SEVERITY:
        return case(_SEVERITY_ORDER, value=CaseRow.severity, else_=len(_SEVERITY_ORDER))
    return getattr(CaseRow, key.value)


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

    def with_(self, **changes: object) -> ListQuery:
        return replace(self, **changes)


def fts_expression(search: str) -> str:
    """What the user typed as an FTS5 query: every word must match, each as a prefix."""
    words = re.findall(r"\w+", search)
    return " ".join(f'"{w}"*' for w in words)


def _conditions(query: ListQuery, include_tab: bool = True) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    statuses = tab_statuses(query.tab, query.role) if include_tab else ()
    if statuses:
        conditions.append(CaseRow.status.in_(statuses))
    if query.severity:
        conditions.append(CaseRow.severity == query.severity)
    if query.product:
        conditions.append(CaseRow.product == query.product)
    if query.account:
        conditions.append(CaseRow.account_name == query.account)
    match = fts_expression(query.search)
    if match:
        in_case = text("cases.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH :match)")
        in_comment = text("comments.rowid IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH :match)")
        in_conversation = select(CommentRow.case_id).where(in_comment.bindparams(match=match))
        conditions.append(or_(in_case.bindparams(match=match), CaseRow.id.in_(in_conversation)))
    return conditions


def _filtered(statement: Select, query: ListQuery, include_tab: bool = True) -> Select:
    conditions = _conditions(query, include_tab)
    return statement.where(and_(*conditions)) if conditions else statement


def count(db: CacheDB, query: ListQuery) -> int:
    with db.reading() as session:
        return session.scalar(_filtered(select(func.count()).select_from(CaseRow), query)) or 0


def page(db: CacheDB, query: ListQuery, offset: int, limit: int) -> list[CaseSummary]:
    sort = _sort_column(query.sort)
    order = [sort.desc() if query.descending else sort.asc(), CaseRow.id]
    statement = _filtered(select(*_SUMMARY_COLUMNS, _case_sync_state().label("sync_state")), query)
    statement = statement.order_by(*order).offset(offset).limit(limit)
    with db.reading() as session:
        return [CaseSummary(*row) for row in session.execute(statement)]


def tab_counts(db: CacheDB, query: ListQuery) -> dict[Tab, int]:
    """How many rows each tab would show with the other filters and the search as they are."""
    with db.reading() as session:
        by_status = dict(
            session.execute(
                _filtered(select(CaseRow.status, func.count()).select_from(CaseRow), query, include_tab=False)
                .group_by(CaseRow.status)
            ).all()
        )
    counts = {}
    for tab in Tab:
        statuses = tab_statuses(tab, query.role)
        counts[tab] = sum(n for status, n in by_status.items() if not statuses or status in statuses)
    return counts


@dataclass(frozen=True)
class SummaryCards:
    open: int
    waiting_on_me: int
    resolved: int
    critical: int


def summary_cards(db: CacheDB, role: Role) -> SummaryCards:
    """The dashboard figures over all cases, whatever the list shows."""
    with db.reading() as session:
        by_status = dict(session.execute(select(CaseRow.status, func.count()).group_by(CaseRow.status)).all())
        critical = session.scalar(
            select(func.count()).select_from(CaseRow)
            .where(CaseRow.severity == Severity.CRITICAL.value, CaseRow.status.in_(ACTIVE))
        ) or 0

    def total(tab: Tab) -> int:
        return sum(by_status.get(s, 0) for s in tab_statuses(tab, role))

    return SummaryCards(total(Tab.OPEN), total(Tab.WAITING_ON_ME), total(Tab.RESOLVED), critical)


def distinct_values(db: CacheDB, column: str) -> list[str]:
    """Choices for a filter (products, accounts) from what the cache holds."""
    attribute = {"product": CaseRow.product, "account": CaseRow.account_name}[column]
    with db.reading() as session:
        return [v for v in session.scalars(select(attribute).distinct().order_by(attribute)) if v]
