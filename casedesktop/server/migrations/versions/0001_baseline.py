"""Baseline: accounts, users, tokens, cases, comments, activity, applied actions, change feed.

Written by hand to match casedesktop/server/models.py (a test compares the two). Migrations keep
their own copies of the types, so later model changes never rewrite history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FIRST_CASE_NUMBER = 1000  # the first case gets CS-1001


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_memberships_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_memberships_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "account_id", name="pk_memberships"),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_tokens"),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(counters, [{"name": "case_number", "value": FIRST_CASE_NUMBER}])

    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(20), nullable=True),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("close_requested", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("parent_case_id", sa.Uuid(), nullable=True),
        sa.Column("resolution_summary", sa.Text(), nullable=False),
        sa.Column("resolution_root_cause", sa.Text(), nullable=False),
        sa.Column("resolution_type", sa.String(200), nullable=False),
        sa.Column("survey", sa.JSON(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_cases_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(["reported_by"], ["users.id"], name="fk_cases_reported_by_users"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_cases_owner_id_users"),
        sa.ForeignKeyConstraint(
            ["parent_case_id"], ["cases.id"], name="fk_cases_parent_case_id_cases"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("number", name="uq_cases_number"),
    )
    op.create_index("ix_cases_account_id_updated_at", "cases", ["account_id", "updated_at"])
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])

    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_comments_case_id_cases"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_comments_author_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_case_id", "comments", ["case_id"])

    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_activities_case_id_cases"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_activities_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
    )
    op.create_index("ix_activities_case_id", "activities", ["case_id"])

    op.create_table(
        "applied_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_applied_actions_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_applied_actions"),
    )
    op.create_index("ix_applied_actions_case_id", "applied_actions", ["case_id"])

    op.create_table(
        "change_log",
        # SQLite: exactly INTEGER PRIMARY KEY AUTOINCREMENT, so seq never goes back.
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("staff_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_change_log_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_change_log_account_id_accounts"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_change_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_account_id", "change_log", ["account_id"])


def downgrade() -> None:
    for table in (
        "change_log",
        "applied_actions",
        "activities",
        "comments",
        "cases",
        "counters",
        "tokens",
        "memberships",
        "users",
        "accounts",
    ):
        op.drop_table(table)
