"""Push protocol: devices (bound to a user, last processed change number) and the outcome of each
processed number, so a re-sent change gets its first answer (casedesktop/server/services/push.py).

Written by hand to match the tables in casedesktop/server/models.py (a test compares the two).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "push_devices",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_push_devices_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("device_id", name="pk_push_devices"),
    )
    op.create_index("ix_push_devices_user_id", "push_devices", ["user_id"])
    op.create_table(
        "push_mutations",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("op_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["push_devices.device_id"],
            name="fk_push_mutations_device_id_push_devices",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "seq", name="pk_push_mutations"),
    )


def downgrade() -> None:
    op.drop_table("push_mutations")
    op.drop_index("ix_push_devices_user_id", table_name="push_devices")
    op.drop_table("push_devices")
