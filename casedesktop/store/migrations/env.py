"""Alembic environment for the local cache: runs on the connection the store hands over."""

from alembic import context

from casedesktop.store.migrate import include_name
from casedesktop.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
