"""The vendor's categories (`casedesktop-server create-category`): the names staff file cases
under, checked on triage and when staff log a case. Everyone signed in may read the list."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import CATEGORY_MAX, CategoryOut, ErrorCode
from casedesktop.domain import known_product
from casedesktop.server.errors import ApiError
from casedesktop.server.models import Category
from casedesktop.server.services.accounts import AdminError

LIST_COMMAND = "casedesktop-server create-category --name NAME"


def list_categories(session: Session) -> list[CategoryOut]:
    """Sorted by name the same way on every database (their collations differ)."""
    names = session.scalars(select(Category.name))
    return [CategoryOut(name=name) for name in sorted(names, key=lambda n: (n.casefold(), n))]


INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # control, format (bidi, zero-width), …


def ensure_category(session: Session, name: str, now: datetime) -> tuple[Category, bool]:
    """The category of that name (any letter case), created if missing; the flag says whether
    it was created."""
    name = name.strip()
    if not name or len(name) > CATEGORY_MAX:
        raise AdminError(f"Give the category a name of at most {CATEGORY_MAX} characters.")
    if any(unicodedata.category(c) in INVISIBLE for c in name):
        raise AdminError(
            "A category name must not hold control, invisible or direction-changing characters "
            "(such as U+200B or U+202E): agents and reports would show something else than is stored."
        )
    for category in session.scalars(select(Category)):
        if category.name.casefold() == name.casefold():
            return category, False
    category = Category(name=name, created_at=now)
    session.add(category)
    session.flush()
    return category, True


def category_name(session: Session, wanted: str) -> str:
    """The category as the vendor spells it, "" for none, or 422 (field "category") naming the
    command that adds one."""
    wanted = wanted.strip()
    if not wanted:
        return ""
    names = list(session.scalars(select(Category.name)))
    name = known_product(wanted, names) if names else None
    if name is None:
        listed = ", ".join(sorted(names, key=str.casefold)[:20]) or "none yet"
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"There is no category {wanted[:CATEGORY_MAX]!r}; choose one of the list "
            f"({listed}), or add it with `{LIST_COMMAND}`.",
            field="category",
        )
    return name
