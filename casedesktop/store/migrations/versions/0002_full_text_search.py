"""Full-text search over case number, subject, description and the conversation (SQLite FTS5).

External-content FTS tables keyed on the rowid of `cases` and `comments`, kept current by triggers,
so a search never scans rows and the index never drifts from the data. (Should the cache ever be
VACUUMed, rowids may change: rebuild both indexes with `INSERT INTO x_fts(x_fts) VALUES('rebuild')`.)

Revision ID: 0002
Revises: 0001
"""

from alembic import op

SORTABLE_INDEXED = ("subject", "severity", "product", "account_name", "owner_name", "created_at")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE cases_fts USING fts5(number, subject, description, "
        f"content='cases', content_rowid='rowid', {TOKENIZE})"
    )
    op.execute(
        """CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
             INSERT INTO cases_fts(rowid, number, subject, description)
             VALUES (new.rowid, new.number, new.subject, new.description);
           END"""
    )
    op.execute(
        """CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
             INSERT INTO cases_fts(cases_fts, rowid, number, subject, description)
             VALUES ('delete', old.rowid, old.number, old.subject, old.description);
           END"""
    )
    op.execute(
        """CREATE TRIGGER cases_fts_update AFTER UPDATE OF number, subject, description ON cases BEGIN
             INSERT INTO cases_fts(cases_fts, rowid, number, subject, description)
             VALUES ('delete', old.rowid, old.number, old.subject, old.description);
             INSERT INTO cases_fts(rowid, number, subject, description)
             VALUES (new.rowid, new.number, new.subject, new.description);
           END"""
    )
    op.execute(
        "CREATE VIRTUAL TABLE comments_fts USING fts5(body, "
        f"content='comments', content_rowid='rowid', {TOKENIZE})"
    )
    op.execute(
        """CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
             INSERT INTO comments_fts(rowid, body) VALUES (new.rowid, new.body);
           END"""
    )
    op.execute(
        """CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
             INSERT INTO comments_fts(comments_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
           END"""
    )
    op.execute(
        """CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments BEGIN
             INSERT INTO comments_fts(comments_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
             INSERT INTO comments_fts(rowid, body) VALUES (new.rowid, new.body);
           END"""
    )
    op.execute("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')")
    op.execute("INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')")
    # Indexes for the sortable list columns, so a sort change reads an index instead of sorting.
    for column in SORTABLE_INDEXED:
        op.create_index(f"ix_cases_{column}", "cases", [column])


def downgrade() -> None:
    for column in SORTABLE_INDEXED:
        op.drop_index(f"ix_cases_{column}", "cases")
    for name in ("cases_fts_insert", "cases_fts_delete", "cases_fts_update",
                 "comments_fts_insert", "comments_fts_delete", "comments_fts_update"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE comments_fts")
    op.execute("DROP TABLE cases_fts")
