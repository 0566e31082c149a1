"""What staff see of a case beyond the portal's fields: its owner's id, its service-level targets;
and who wrote each comment, by id.

The owner's id is what an assignment names (the owner's name alone can belong to two people);
the SLA is kept as the server's JSON object, as it came (only staff's caches ever get one); a
comment's author id tells "my own note" (which its author may delete) from a namesake's.

Plain ALTER TABLE, not a batch copy: copying `cases` or `comments` would drop the full-text
triggers of 0002 and 0007. SQLite drops a column in place since 3.35.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("cases", "owner_id", sa.String(length=36)),
    ("cases", "sla", sa.Text()),
    ("comments", "author_id", sa.String(length=36)),
)


def upgrade() -> None:
    for table, name, kind in COLUMNS:
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table, name, _kind in reversed(COLUMNS):
        with op.batch_alter_table(table, recreate="never") as batch_op:
            batch_op.drop_column(name)
