"""Search within a keystroke: prefix indexes, and which case each comment belongs to by rowid;
an index of the unread cases.

Search-as-you-type asks for every word as a prefix, and the first letters of a word match
thousands of terms: FTS5 merged their lists on every keystroke (8 ms for "p" over 100,000 cases).
With prefix indexes of one and two characters it reads one list (3 ms). Both FTS tables are made
again with them (same columns, tokenizer and triggers as 0002) and rebuilt from their rows.

A search matches the conversation through `comments_fts`, whose rowids are comments': turning each
matching comment into its case's rowid took a read of the comment's row and a seek in the index of
case ids, ~2 µs a match (10 ms for 5,000 matching replies, a third of a keystroke's budget).
`comment_cases` holds the two rowids side by side (a few bytes a comment, kept by triggers like the
FTS tables): 0.2 µs a match. Should the cache ever be VACUUMed, rebuild it with the FTS indexes
(`DELETE FROM comment_cases; INSERT INTO comment_cases SELECT ...` as below).

The unread count (the tray's badge, asked after every change of the list) read every case;
a partial index of the unread ones makes it a count of those few. Its WHERE must stay the one
`queries.unread_count` asks (SQLite uses a partial index only for a query that implies it).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"  # 0002's
FTS_TABLES = (("cases_fts", "number, subject, description", "cases"), ("comments_fts", "body", "comments"))

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _make_fts(prefix: str) -> None:
    """Both FTS tables made again (the triggers of 0002 name them, so they carry on) and rebuilt."""
    for name, columns, content in FTS_TABLES:
        op.execute(f"DROP TABLE {name}")
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, content='{content}', "
            f"content_rowid='rowid', {TOKENIZE}{prefix})"
        )
        op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")


def upgrade() -> None:
    _make_fts(", prefix='1 2'")
    op.execute("CREATE TABLE comment_cases (comment INTEGER PRIMARY KEY, case_rowid INTEGER NOT NULL)")
    op.execute(
        """CREATE TRIGGER comment_cases_insert AFTER INSERT ON comments BEGIN
             INSERT OR REPLACE INTO comment_cases(comment, case_rowid)
             SELECT new.rowid, cases.rowid FROM cases WHERE cases.id = new.case_id;
           END"""
    )
    op.execute(
        """CREATE TRIGGER comment_cases_delete AFTER DELETE ON comments BEGIN
             DELETE FROM comment_cases WHERE comment = old.rowid;
           END"""
    )
    op.execute(
        """CREATE TRIGGER comment_cases_update AFTER UPDATE OF case_id ON comments BEGIN
             DELETE FROM comment_cases WHERE comment = old.rowid;
             INSERT INTO comment_cases(comment, case_rowid)
             SELECT new.rowid, cases.rowid FROM cases WHERE cases.id = new.case_id;
           END"""
    )
    op.execute(
        "INSERT INTO comment_cases(comment, case_rowid) "
        "SELECT comments.rowid, cases.rowid FROM comments JOIN cases ON cases.id = comments.case_id"
    )
    op.execute("CREATE INDEX ix_cases_unread ON cases (unread) WHERE unread = 1")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_unread")
    for name in ("comment_cases_insert", "comment_cases_delete", "comment_cases_update"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE comment_cases")
    _make_fts("")
