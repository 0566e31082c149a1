"""The staff desk: the vendor's categories, service level targets per priority, each case's first
response, deleted internal notes, and staff-only activity entries.

Written by hand to match casedesktop/server/models.py (a test compares the two). What existed
before is carried over:

- every category already on a case joins the vendor's list, so triage keeps taking it;
- a case's first response is its first public staff reply;
- assignments and triage were sent to customers until now: their entries, and their rows in the
  change log, become staff-only.

Downgrading drops the new tables and columns; a deleted note's row stays, without its text, as
an internal note (an earlier server shows it to staff only, as any note), and the entries made
staff-only here stay out of customers' feeds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STAFF_ONLY_ACTIVITIES = ("assign", "triage")  # the ones there were before this revision
STAFF_ROLES = ("agent", "admin")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
        sa.UniqueConstraint("name", name="uq_categories_name"),
    )
    op.create_table(
        "sla_targets",
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("first_response_seconds", sa.BigInteger(), nullable=True),
        sa.Column("resolution_seconds", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("priority", name="pk_sla_targets"),
    )
    op.add_column("cases", sa.Column("first_response_at", _utc(), nullable=True))
    op.add_column("comments", sa.Column("deleted_at", _utc(), nullable=True))
    op.add_column(
        "activities",
        sa.Column("staff_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _carry_over()


def _carry_over() -> None:
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Uuid()),
        sa.column("category", sa.String()),
        sa.column("first_response_at", _utc()),
    )
    comments = sa.table(
        "comments",
        sa.column("case_id", sa.Uuid()),
        sa.column("author_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("created_at", _utc()),
    )
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("role", sa.String()))
    activities = sa.table(
        "activities",
        sa.column("id", sa.Uuid()),
        sa.column("action", sa.String()),
        sa.column("staff_only", sa.Boolean()),
    )
    change_log = sa.table(
        "change_log",
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("staff_only", sa.Boolean()),
    )
    categories = sa.table(
        "categories",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("created_at", _utc()),
    )

    names = bind.execute(
        sa.select(sa.func.trim(cases.c.category)).where(sa.func.trim(cases.c.category) != "")
    ).scalars()
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name[:100])
    if unique:
        now = datetime.now(UTC)
        rows = [{"id": uuid.uuid4(), "name": name, "created_at": now} for name in unique.values()]
        op.bulk_insert(categories, rows)

    first_reply = (
        sa.select(sa.func.min(comments.c.created_at))
        .select_from(comments.join(users, users.c.id == comments.c.author_id))
        .where(
            comments.c.case_id == cases.c.id,
            comments.c.kind == "reply",
            users.c.role.in_(STAFF_ROLES),
        )
        .scalar_subquery()
    )
    bind.execute(sa.update(cases).values(first_response_at=first_reply))

    bind.execute(
        sa.update(activities)
        .where(activities.c.action.in_(STAFF_ONLY_ACTIVITIES))
        .values(staff_only=True)
    )
    hidden = sa.select(activities.c.id).where(activities.c.staff_only.is_(True))
    bind.execute(
        sa.update(change_log)
        .where(change_log.c.entity == "activity", change_log.c.entity_id.in_(hidden))
        .values(staff_only=True)
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite since 3.35): a batch copy of `cases`
    # would have to drop the table the other tables' foreign keys point at.
    op.drop_column("activities", "staff_only")
    op.drop_column("comments", "deleted_at")
    op.drop_column("cases", "first_response_at")
    op.drop_table("sla_targets")
    op.drop_table("categories")
