"""Who may see which case: customers see their accounts' cases, staff see every case.

A case the caller may not see is answered exactly like a case that does not exist (404).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from casedesktop.server.auth import CurrentUser
from casedesktop.server.errors import not_found
from casedesktop.server.models import Case, ChangeLog


def visible_cases(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_staff:
        return true()
    return Case.account_id.in_(user.account_ids)


def visible_changes(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_staff:
        return true()
    return ChangeLog.account_id.in_(user.account_ids) & ChangeLog.staff_only.is_(False)


def get_visible_case(
    session: Session, user: CurrentUser, case_id: uuid.UUID, *, for_update: bool = False
) -> Case:
    """The case, or 404 if it does not exist or the caller may not see it.

    `for_update` locks the row on PostgreSQL so concurrent actions apply one after the other
    (SQLite write transactions are already serialized).
    """
    query = select(Case).where(Case.id == case_id, visible_cases(user))
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalar(query)
    if case is None:
        raise not_found()
    return case
