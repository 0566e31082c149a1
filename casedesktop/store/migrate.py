"""Brings a cache file's schema up to date with Alembic when the app opens it.

Alembic costs about 0.3 s to import; a cache already at the newest revision (every start but the
first after an upgrade) is recognised with one query and Alembic is not loaded at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from casedesktop.store.models import SEARCH_TABLES

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0009"  # the newest revision in migrations/versions; a test keeps the two in step


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """The search tables (FTS5 tables, their shadow tables, the comments' case rowids) are made by
    migrations by hand, not from the models."""
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLES))


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:
        return None  # a new, empty cache


def upgrade(connection: Connection) -> None:
    if current_revision(connection) == HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
