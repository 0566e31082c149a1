"""Build the FastAPI application; all state hangs off `app.state`, nothing is global.

The database must already be migrated (`migrate.upgrade_database`); the CLI and the test helper
do that before serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI

import casedesktop
from casedesktop.server import live
from casedesktop.server.db import WORKER_THREADS, Sessions, make_engine
from casedesktop.server.routes.bodylimit import BodyLimit
from casedesktop.server.routes.error_handlers import install_error_handlers
from casedesktop.server.routes.v1 import router
from casedesktop.server.services.upload_staging import UploadLocks
from casedesktop.server.settings import Settings
from casedesktop.server.storage import BlobStorage, storage_from_option


def create_app(
    database_url: str,
    data_dir: Path,
    settings: Settings | None = None,
    storage: BlobStorage | None = None,
) -> FastAPI:
    """`storage`: where finished attachments go (`storage_from_option`); <data dir>/attachments
    when None."""
    sessions = Sessions(make_engine(database_url))
    waiters = live.FeedWaiters(sessions.engine)  # wakes long-polls of the change feed
    live.install_hooks(sessions.write, waiters)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking endpoints run on anyio's threads (40 by default): as many as the pool has
        # connections for; more only fight over the GIL and SQLite's one writer (db.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        waiters.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            waiters.stop()
            sessions.dispose()

    app = FastAPI(title="CaseDesktop server", version=casedesktop.__version__, lifespan=lifespan)
    app.state.sessions = sessions
    app.state.live = waiters
    app.state.data_dir = Path(data_dir)
    app.state.settings = settings or Settings()
    app.state.storage = storage if storage is not None else storage_from_option(None, data_dir)
    app.state.upload_dir = Path(data_dir) / "uploads"  # unfinished tus uploads
    app.state.upload_locks = UploadLocks()  # PATCHes of one upload take turns
    install_error_handlers(app)
    app.add_middleware(BodyLimit)  # request bodies are capped before they are read
    app.include_router(router)
    return app
