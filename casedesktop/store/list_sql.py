"""The case list's tabs, SQL pieces and sort keys, with no SQLAlchemy: shared by `case_list` (the
list's queries), `first_page` and the window's first frame (both before SQLAlchemy loads)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from casedesktop.domain import Role, Status
from casedesktop.i18n import _, pgettext


class OpState(StrEnum):
    """Where an outbox entry is (store/outbox.py)."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    FAILED = "failed"


WAITING = (OpState.PENDING, OpState.IN_FLIGHT)


class SyncState:
    """How a row stands with the server, as the list and the detail pane mark it."""

    SYNCED = "synced"
    WAITING = "waiting"
    FAILED = "failed"


ACTIVE = tuple(s.value for s in Status if s.is_active)


class Tab(StrEnum):
    ALL = "all"
    OPEN = "open"
    WAITING_ON_ME = "waiting_on_me"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The tab's text, in the user's language (shown with a count: "Open (7)")."""
        return _TAB_LABELS[self.value]()


# A context of their own: a tab names a group of cases and is shown counted, where a status names
# one case's state, so a language may word them differently. "Waiting on you" is the wording the
# customer's status column uses, for staff too: the tab is whatever needs this person's move.
_TAB_LABELS = {
    "all": lambda: pgettext("status tab", "All"),
    "open": lambda: pgettext("status tab", "Open"),
    "waiting_on_me": lambda: pgettext("status tab", "Waiting on you"),
    "resolved": lambda: pgettext("status tab", "Resolved"),
    "closed": lambda: pgettext("status tab", "Closed"),
}


def tab_statuses(tab: Tab, role: Role) -> tuple[str, ...]:
    """Which statuses a tab shows. "Waiting on you" is whatever needs this person's move."""
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
    PRIORITY = "priority"  # staff's lists only (customers never get a priority)


# Severity sorts by meaning (critical first), not alphabet. Migration 0006 indexes exactly this
# expression; SQLite uses an expression index only for the same expression, so keep them equal
# (tests/store/test_case_list.py checks the plan).
SEVERITY_RANK_SQL = (
    "(CASE cases.severity WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 WHEN 'standard' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END)"
)

# Priority sorts by meaning too (critical first, none last); migration 0009 indexes exactly this.
PRIORITY_RANK_SQL = (
    "(CASE cases.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END)"
)

# What each column sorts by, before the rowid that breaks ties; each tuple is served by an index,
# so a page is a walk of that index and never a sort of the whole table. Status ties go by last
# update (the index on status and updated_at), the others by rowid (insertion order).
SORT_SQL: dict[SortKey, tuple[str, ...]] = {
    SortKey.NUMBER: ("cases.number",),
    SortKey.SUBJECT: ("cases.subject",),
    SortKey.STATUS: ("cases.status", "cases.updated_at"),
    SortKey.SEVERITY: (SEVERITY_RANK_SQL,),
    SortKey.PRODUCT: ("cases.product",),
    SortKey.ACCOUNT: ("cases.account_name",),
    SortKey.OWNER: ("cases.owner_name",),
    SortKey.CREATED: ("cases.created_at",),
    SortKey.UPDATED: ("cases.updated_at",),
    SortKey.PRIORITY: (PRIORITY_RANK_SQL,),
}

# The columns of a list row (queries.CaseSummary), then its sync state.
CASE_COLUMNS = (
    "cases.id, cases.number, cases.subject, cases.status, cases.severity, cases.product, "
    "cases.account_name, cases.owner_name, cases.escalated, cases.unread, cases.created_at, "
    "cases.updated_at"
)
_WAITING_SQL = ", ".join(f"'{s.value}'" for s in WAITING)
SYNC_STATE_SQL = (
    "CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE outbox.case_id = cases.id "
    f"AND outbox.state = '{OpState.FAILED.value}') THEN '{SyncState.FAILED}' "
    "WHEN EXISTS (SELECT 1 FROM outbox WHERE outbox.case_id = cases.id "
    f"AND outbox.state IN ({_WAITING_SQL})) THEN '{SyncState.WAITING}' ELSE '{SyncState.SYNCED}' END"
)


# A list row as SQL: the columns, the sync state, whether closing was asked for, the priority.
ROW_SQL = f"{CASE_COLUMNS}, {SYNC_STATE_SQL}, cases.close_requested, cases.priority"
ROW_WIDTH = 15  # the values ROW_SQL gives; a query's extra columns (sort keys) come after them


class CaseSummary(NamedTuple):
    """One row of the case list (a tuple: 100,000 of them stay light)."""

    id: str
    number: str | None
    subject: str
    status: str
    severity: str
    product: str
    account_name: str
    owner_name: str
    escalated: bool
    unread: bool
    created_at: datetime
    updated_at: datetime
    sync_state: str
    close_requested: bool = False
    priority: str | None = None  # staff's triage; None in a customer's cache

    @property
    def label(self) -> str:
        return self.number or _("(not sent yet)")


def stored_time(value: object) -> datetime | None:
    """A time as SQLite hands it back (text, or a naive datetime): aware UTC."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value is not None else None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def summary_of(row: tuple) -> CaseSummary:
    """A row of `SELECT ROW_SQL` as a CaseSummary."""
    return CaseSummary(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], bool(row[8]), bool(row[9]),
        stored_time(row[10]), stored_time(row[11]), row[12], bool(row[13]), row[14],
    )
