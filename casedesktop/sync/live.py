"""Live updates: one long-poll of the change feed kept open while online, so a support reply shows
within a second or two instead of at the next poll.

The long-poll only watches; it stores nothing. When the server answers with news, the sync worker
is poked and runs an ordinary pass (push, pull, store, signal), and the next long-poll starts from
the cursor that pass stored. Its own thread and its own `ApiClient` (a requests.Session is not
shared across threads): the worker's thread stays free to send the user's changes at once.

Against a server without long-polls (its answer has no wait header) the watcher stops for the
session and the worker's regular poll carries on alone. Errors wait for the worker's next pass,
which owns backoff, offline detection and sign-in: the watcher never adds its own retry storm.
The first error after working long-polls pokes the worker once, so a server that went away is
noticed at once even though the regular poll had slowed down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from casedesktop.sync.api_client import ApiClient, SyncError

log = logging.getLogger(__name__)

WAIT = 25  # seconds the server may hold one long-poll (it allows up to 30)
IDLE_WAIT = 30.0  # seconds between looks while the worker is offline or signed out
NEWS_WAIT = 60.0  # the longest wait for the pass that fetches news


class LiveFeed:
    """Watches the change feed for the worker (see the module docstring)."""

    def __init__(
        self,
        server_url: str,
        token: Callable[[], str | None],
        stored_cursor: Callable[[], int],
        can_watch: Callable[[], bool],
        on_news: Callable[[], None],
    ):
        self._server_url = server_url
        self._token = token
        self._stored_cursor = stored_cursor
        self._can_watch = can_watch
        self._on_news = on_news
        self._passed = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casedesktop-live", daemon=True)
        self._cursor = 0  # past changes the caller may not see: the server moved it on
        self.supported: bool | None = None  # None until the server has answered a long-poll
        self.healthy = False  # the last long-poll was answered
        self.watching = False  # a long-poll is open or about to be
        self.news = 0  # for tests: answers that carried news

    @property
    def active(self) -> bool:
        """Long-polls work with this server: the worker may poll less often."""
        return bool(self.supported) and self.healthy and not self._stopping.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a long-poll under way is abandoned (the thread is a daemon)."""
        self._stopping.set()
        self._passed.set()

    def pass_finished(self) -> None:
        """The worker finished a pass: its stored cursor moved, its online state is known."""
        self._passed.set()

    def _wait_for_pass(self, timeout: float) -> None:
        self._passed.wait(timeout)
        self._passed.clear()

    def _run(self) -> None:
        client = ApiClient(self._server_url)
        try:
            while not self._stopping.is_set():
                if not self._can_watch():
                    self.watching = False
                    self._wait_for_pass(IDLE_WAIT)
                    continue
                self.watching = True
                client.token = self._token()
                cursor = max(self._cursor, self._stored_cursor())
                try:
                    # While not known to work, ask without waiting: the answer says at once
                    # whether this server long-polls at all.
                    page = client.wait_for_changes(cursor, WAIT if self.healthy else 0)
                except SyncError as exc:  # offline, signed out, failing: the worker's pass decides
                    log.info("live updates paused: %s", exc)
                    if self.healthy:
                        self.healthy = False
                        self._passed.clear()
                        self._on_news()  # let the worker find out what is wrong now
                    self._wait_for_pass(IDLE_WAIT)
                    continue
                if self._stopping.is_set():
                    break
                if page is None:
                    log.info("the server has no long-poll; syncing on the regular poll only")
                    self.supported = False
                    return
                self.supported = self.healthy = True
                if page.changes or page.has_more:
                    self.news += 1
                    self._passed.clear()
                    self._on_news()
                    self._wait_for_pass(NEWS_WAIT)
                else:
                    self._cursor = max(self._cursor, page.cursor)
        finally:
            self.watching = False
            client.close()
