"""The staff desk's queues: which cases each one holds, one rule for the server's list and
summary and for a client that filters its own cache the same way."""

from __future__ import annotations

from enum import StrEnum

from casedesktop.domain.fields import Status

# Work still going on (staff's or the customer's turn), and work done.
ACTIVE_STATUSES = frozenset(status for status in Status if status.is_active)
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class Queue(StrEnum):
    """The values of `GET /cases?queue=`; every queue but `all` and `resolved` holds active
    cases only (a merged case is in `all` alone)."""

    ALL = "all"
    UNASSIGNED = "unassigned"  # active, nobody owns it
    MINE = "mine"  # active, owned by the caller
    OPEN = "open"  # active
    WAITING = "waiting"  # waiting on the customer
    RESOLVED = "resolved"  # resolved or closed
    OVERDUE = "overdue"  # active, and a service level target was missed (domain.sla)

    @property
    def statuses(self) -> frozenset[Status] | None:
        """The statuses the queue holds (None: any)."""
        if self is Queue.ALL:
            return None
        if self is Queue.WAITING:
            return frozenset({Status.PENDING_CUSTOMER})
        if self is Queue.RESOLVED:
            return DONE_STATUSES
        return ACTIVE_STATUSES
