"""Live updates: the worker's long-poll brings a support reply into the cache within seconds while
the regular poll is 30 s away, slows the regular poll while it works, notices a server that went
away, and falls back to the regular poll against a server without long-polls."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casedesktop.server.app import create_app
from casedesktop.server.db import Sessions, make_engine
from casedesktop.server.migrate import upgrade_database
from casedesktop.server.testing import ServerHandle, serve_app_in_thread
from casedesktop.store import queries
from casedesktop.sync.worker import LIVE_INTERVAL, SyncWorker
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL, _populated
from tests.sync.helpers import make_device, wait_until
from tests.sync.test_worker import Recorder


def _live_worker(device: Any, url: str, seen: Recorder) -> SyncWorker:
    return SyncWorker(device.db, url, lambda: device.client.token, device.identity.user_id,
                      seen.status, seen.changes, interval=30.0, live=True)


def _bodies(device: Any, case_id: str) -> list[str]:
    return [c.body for c in queries.case_detail(device.db, case_id).comments]


def test_a_support_reply_is_stored_within_seconds(world: ServerHandle, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    case = world.signed_in(CUSTOMER_EMAIL).new_case(subject="Printer offline")
    seen = Recorder()
    worker = _live_worker(ann, world.base_url, seen)
    worker.start()
    try:
        wait_until(lambda: worker.live is not None and worker.live.active)
        passes = worker.passes
        worker.sync_now()  # a pass while the long-poll works: the next regular one is far off
        wait_until(lambda: worker.passes > passes and not seen.last.syncing)
        assert seen.last.next_attempt_at is not None
        assert seen.last.next_attempt_at - time.monotonic() > LIVE_INTERVAL - 30
        passes = worker.passes
        time.sleep(0.3)  # the long-poll is open now
        agent = world.signed_in(AGENT_EMAIL)
        assert agent.comment(case["id"], "Please send the printer's model.").status_code == 201
        took = wait_until(lambda: "Please send the printer's model." in _bodies(ann, case["id"]),
                          timeout=5)
        assert took < 3.0
        assert worker.passes == passes + 1  # one pass fetched it, on the long-poll's word
        assert worker.live.news == 1
    finally:
        worker.stop()
        ann.close()


@contextmanager
def _own_server(tmp_path: Path, wrap: Callable[[Any], Any] = lambda app: app) -> Iterator[tuple[ServerHandle, Any]]:
    """A populated server whose life the test controls (`wrap` may stand in front of its app)."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade_database(url)
    app = create_app(url, tmp_path / "server")
    sessions = Sessions(make_engine(url))
    try:
        with serve_app_in_thread(wrap(app)) as base_url:
            yield _populated(ServerHandle(base_url, url, tmp_path / "server", sessions)), app
    finally:
        sessions.dispose()


def test_a_server_that_goes_away_is_noticed_at_once(tmp_path: Path) -> None:
    with _own_server(tmp_path) as (world, _app):
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
        seen = Recorder()
        worker = _live_worker(ann, world.base_url, seen)
        worker.start()
        wait_until(lambda: worker.live is not None and worker.live.active)
    try:  # the server is gone; the next regular pass would be minutes away
        wait_until(lambda: seen.last.online is False, timeout=10)
        assert worker.live is not None and not worker.live.active
    finally:
        worker.stop()
        ann.close()


def test_without_long_polls_the_regular_poll_carries_on(tmp_path: Path) -> None:
    """A server of an earlier release: no wait header, and `wait` ignored (answered at once)."""
    with _own_server(tmp_path, _WithoutLongPolls) as (world, app):
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
        seen = Recorder()
        worker = _live_worker(ann, world.base_url, seen)
        worker.start()
        try:
            wait_until(lambda: worker.live is not None and worker.live.supported is False)
            wait_until(lambda: seen.last.next_attempt_at is not None)
            assert seen.last.next_attempt_at - time.monotonic() <= 30.0  # the regular poll
            assert app.state.live.waiting == 0
        finally:
            worker.stop()
            ann.close()


class _WithoutLongPolls:
    """The same API as an earlier release answered it: `wait` unknown, no wait header."""

    def __init__(self, app: Any):
        self.app = app
        self.state = app.state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = b"&".join(
                part for part in scope["query_string"].split(b"&") if not part.startswith(b"wait=")
            )
            scope = {**scope, "query_string": query}

            async def strip(message: dict) -> None:
                if message["type"] == "http.response.start":
                    message = {
                        **message,
                        "headers": [
                            (k, v) for k, v in message["headers"] if k.lower() != b"x-changes-wait"
                        ],
                    }
                await send(message)

            await self.app(scope, receive, strip)
            return
        await self.app(scope, receive, send)
