"""Sync: outbox change numbers (push protocol) and the status the user saw; sync notices;
resumable upload sessions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import casedesktop.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("push_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("base_status", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_push_seq"), ["push_seq"])
    op.create_table(
        "sync_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("your_text", sa.Text(), nullable=False),
        sa.Column("created_at", casedesktop.store.types.UtcDateTime(), nullable=False),
        sa.Column("seen", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_notices_case_id"), ["case_id"], unique=False)
    op.create_table(
        "upload_sessions",
        sa.Column("attachment_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("bytes_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", casedesktop.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", casedesktop.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("attachment_id"),
    )


def downgrade() -> None:
    op.drop_table("upload_sessions")
    with op.batch_alter_table("sync_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_notices_case_id"))
    op.drop_table("sync_notices")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_outbox_push_seq"), type_="unique")
        batch_op.drop_column("base_status")
        batch_op.drop_column("push_seq")
