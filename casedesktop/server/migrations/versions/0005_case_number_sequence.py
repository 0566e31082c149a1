"""PostgreSQL draws case numbers from a sequence instead of the `case_number` counter row, so a
new case no longer waits for the previous one's commit (services/cases.py). SQLite, whose writers
take turns anyway, keeps the counter: nothing changes there.

The sequence continues after the highest number in use (the counter's, or a higher CS-number
already stored) and is owned by cases.number. Downgrading hands its position back to the counter.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEQUENCE = "case_number_seq"
FIRST = 1001  # as the counter: the first case is CS-1001


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE SEQUENCE {SEQUENCE} START WITH {FIRST} OWNED BY cases.number")
    op.execute(
        f"""
        SELECT setval('{SEQUENCE}', top, true) FROM (
            SELECT greatest(
                (SELECT max(value) FROM counters WHERE name = 'case_number'),
                (SELECT max(substring(number FROM 4)::bigint) FROM cases
                 WHERE number ~ '^CS-[0-9]{{1,18}}$')
            ) AS top
        ) AS highest
        WHERE top >= {FIRST}
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        UPDATE counters SET value = greatest(value, (
            SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {SEQUENCE}
        ))
        WHERE name = 'case_number'
        """
    )
    op.execute(f"DROP SEQUENCE {SEQUENCE}")
