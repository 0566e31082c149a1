"""The local cache: SQLite through SQLAlchemy, migrated by Alembic, with the outbox of unsent changes."""
