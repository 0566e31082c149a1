"""Bring a server database to the newest schema; every CLI verb runs this first.

Alembic is configured from code (no alembic.ini at runtime) with the migrations shipped in the
package.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from casedesktop.server import models  # noqa: F401  (registers every table on Base.metadata)
from casedesktop.server.base import Base
from casedesktop.server.db import WRITE_OPTION, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x43617365  # "Case": any constant the server's database uses for nothing else


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser treats % as interpolation; URLs may carry %-escaped passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str) -> None:
    """Run `alembic upgrade head` on the database (creating the SQLite file if needed)."""
    config = alembic_config(database_url)
    engine = make_engine(database_url)
    try:
        # Two processes may start at once (serve and a CLI verb): the write lock on SQLite, and
        # an advisory lock on PostgreSQL, make the second wait and then find nothing to do.
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema_differences(database_url: str) -> list[object]:
    """What Alembic autogenerate would change to make the database match the models ([] = none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()
