"""An index on the priority rank, so staff sorting the list by priority walk an index.

Priority sorts by meaning (critical, high, medium, low, then none), like severity (0006): an
expression no plain column index serves. SQLite uses an expression index only for the very same
expression, so this one must stay equal to `casedesktop.store.list_sql.PRIORITY_RANK_SQL` (there
with the column qualified); tests/store/test_case_list.py checks the query plan. Alembic cannot
reflect expression indexes on SQLite, so the models do not declare it.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PRIORITY_RANK = (
    "(CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 4 END)"
)


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_cases_priority_rank ON cases {PRIORITY_RANK}")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_priority_rank")
