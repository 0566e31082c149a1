"""The rest of the case fields of the portals: contact, environment, type, category, source, cc.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    ("contact_name", sa.String(length=200)),
    ("contact_email", sa.String(length=320)),
    ("environment", sa.String(length=200)),
    ("case_type", sa.String(length=60)),
    ("category", sa.String(length=200)),
    ("source", sa.String(length=60)),
    ("cc_emails", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
