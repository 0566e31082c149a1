"""Brings a cache file's schema up to date with Alembic when the app opens it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from casedesktop.store.models import FTS_TABLES

MIGRATIONS = Path(__file__).with_name("migrations")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """FTS5 tables and their shadow tables are made by a migration by hand, not from the models."""
    return not (type_ == "table" and name and name.startswith(FTS_TABLES))


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
