"""Client releases the vendor publishes (`casedesktop-server set-release`), newest row current.

Written by hand to match casedesktop/server/models.py (a test compares the two).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _seq() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "client_releases",
        sa.Column("id", _seq(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("published_at", _utc(), nullable=False),
        sa.Column("linux_url", sa.String(2000), nullable=True),
        sa.Column("linux_sha256", sa.String(64), nullable=True),
        sa.Column("windows_url", sa.String(2000), nullable=True),
        sa.Column("windows_sha256", sa.String(64), nullable=True),
        sa.Column("macos_url", sa.String(2000), nullable=True),
        sa.Column("macos_sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_client_releases"),
    )


def downgrade() -> None:
    op.drop_table("client_releases")
