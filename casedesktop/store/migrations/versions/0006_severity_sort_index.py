"""An index on the severity rank, so sorting the list by severity walks an index.

Severity sorts by meaning (critical, urgent, standard, low), not alphabet: an expression that no
plain column index serves, so every sort by severity sorted all cases (~60 ms at 100,000). SQLite
uses an expression index only for the very same expression: this one must stay equal to
`casedesktop.store.list_sql.SEVERITY_RANK_SQL` (there with the column qualified, which an index
expression may not be; a test checks the query plan). Alembic cannot
reflect expression indexes on SQLite, so the models do not declare it and autogenerate skips it.

The other list columns already have an index each (0001, 0002); the list breaks ties by rowid,
which every SQLite index holds, and sorts status ties by last update (ix_cases_status_updated_at).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEVERITY_RANK = (
    "(CASE severity WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 WHEN 'standard' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END)"
)


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_cases_severity_rank ON cases {SEVERITY_RANK}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_severity_rank")
