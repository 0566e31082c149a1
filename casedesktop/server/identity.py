"""Who is calling, as every layer sees it: a plain value, free of FastAPI and of any session.

Services take it, the token cache keeps it, the HTTP layer makes it from a bearer token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from casedesktop.domain import Role


@dataclass(frozen=True)
class CurrentUser:
    """Who is calling, detached from any session so each handler can open its own."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    account_ids: frozenset[uuid.UUID]

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff
