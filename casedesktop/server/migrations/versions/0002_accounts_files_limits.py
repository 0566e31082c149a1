"""Contacts, products, case fields from the portal guides, attachments and tus uploads,
activity details, and the login failure log for rate limiting.

Written by hand to match casedesktop/server/models.py (a test compares the two). New NOT NULL
columns of `cases` get server defaults so rows made before this migration stay valid. SQLite
cannot add a foreign key with ALTER, but it accepts one inline in ADD COLUMN.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_contacts_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_contacts_user_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.create_index("ix_contacts_user_id", "contacts", ["user_id"])

    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("name", name="uq_products_name"),
    )

    op.create_table(
        "login_failures",
        sa.Column("id", _seq(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_email", "login_failures", ["email"])
    op.create_index("ix_login_failures_address", "login_failures", ["address"])
    op.create_index("ix_login_failures_created_at", "login_failures", ["created_at"])

    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "cases",
        sa.Column(
            "contact_id",
            sa.Uuid(),
            sa.ForeignKey("contacts.id", name="fk_cases_contact_id_contacts"),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    for name, length in (
        ("environment", 200),
        ("case_type", 100),
        ("category", 100),
        ("source", 40),
    ):
        op.add_column(
            "cases", sa.Column(name, sa.String(length), nullable=False, server_default="")
        )
    op.add_column("cases", sa.Column("cc_emails", sa.JSON(), nullable=True))
    op.add_column("activities", sa.Column("details", sa.JSON(), nullable=True))

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("uploader_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("staff_only", sa.Boolean(), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_attachments_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_attachments_comment_id_comments"
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name="fk_attachments_uploader_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_index("ix_attachments_comment_id", "attachments", ["comment_id"])

    op.create_table(
        "uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("staff_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_uploads_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_uploads_comment_id_comments"
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name="fk_uploads_uploader_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_uploads"),
        sa.UniqueConstraint("attachment_id", name="uq_uploads_attachment_id"),
    )
    op.create_index("ix_uploads_case_id", "uploads", ["case_id"])
    op.create_index("ix_uploads_uploader_id", "uploads", ["uploader_id"])


def downgrade() -> None:
    op.drop_table("uploads")
    op.drop_table("attachments")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("cases") as batch:
        for name in ("cc_emails", "source", "category", "case_type", "environment"):
            batch.drop_column(name)
        batch.drop_column("contact_id")
    op.drop_table("login_failures")
    op.drop_table("products")
    op.drop_table("contacts")
