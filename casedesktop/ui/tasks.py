"""The one way the window works off the GUI thread.

`Lane.run(fn)` runs `fn` on the lane's worker thread and calls `done(result)` or `failed(error)`
back on the GUI thread; `on_gui_thread(callback)` turns a callback for threads we do not own (the
sync worker, the recorder, downloads) into one that runs on the GUI thread. Either way a result
whose `owner` widget has gone is dropped, and `Task.cancel()` drops it on purpose.

Writes to the cache go through one lane, `writes()`: the GUI never waits on SQLite's write lock
(which the sync thread holds for each feed page), and the user's changes keep their order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Relay(QObject):
    """Lives on the GUI thread; whatever it is handed runs there, in the order handed."""

    deliver = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _run(call: Callable[[], None]) -> None:
        call()


_relay: _Relay | None = None
_relay_lock = threading.Lock()


def _the_relay() -> _Relay:
    global _relay
    with _relay_lock:
        if _relay is None or not shiboken6.isValid(_relay):
            app = QCoreApplication.instance()
            if app is None or QThread.currentThread() is not app.thread():
                raise RuntimeError("the task relay is made on the GUI thread, after the QApplication")
            _relay = _Relay()
        return _relay


def _alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


def on_gui_thread(callback: Callable[..., None], owner: QObject | None = None) -> Callable[..., None]:
    """A function any thread may call: `callback(*args)` then runs on the GUI thread, in call
    order, unless `owner` has been deleted by then. Make it on the GUI thread."""
    relay = _the_relay()

    def call(*args: Any) -> None:
        if shiboken6.isValid(relay):
            relay.deliver.emit(lambda: callback(*args) if _alive(owner) else None)

    return call


class Task:
    """One piece of work on a lane: its future, and a way to drop its result."""

    def __init__(self, future: Future) -> None:
        self.future = future
        self.cancelled = False

    def cancel(self) -> None:
        """Do not start it if it has not started; do not deliver its result either way."""
        self.cancelled = True
        self.future.cancel()


class Lane:
    """Named worker threads whose results come back on the GUI thread.

    One worker (the default) runs its work in the order given, which the cache's writes need and
    which lets a lane keep a per-thread resource such as an SQLite connection.
    """

    def __init__(self, name: str, workers: int = 1) -> None:
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._deliver = on_gui_thread(lambda call: call())
        self._closed = False

    def run(self, fn: Callable[..., T], *args: Any, done: Callable[[T], None] | None = None,
            failed: Callable[[BaseException], None] | None = None, owner: QObject | None = None,
            **kwargs: Any) -> Task:
        """Run `fn(*args, **kwargs)` on this lane; `done(result)` or `failed(error)` follow on the GUI thread.

        Without `failed`, an error is logged and raised again on the GUI thread, where the
        application's error handler reports it.
        """
        task: Task

        def work() -> None:
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to the GUI thread as it is
                self._deliver(partial(finish, None, error))
            else:
                self._deliver(partial(finish, result, None))

        def finish(result: Any, error: BaseException | None) -> None:
            if task.cancelled or not _alive(owner):
                return
            if error is None:
                if done is not None:
                    done(result)
            elif failed is not None:
                failed(error)
            else:
                log.error("Background work on %s failed", self.name, exc_info=error)
                raise error

        task = Task(self._executor.submit(work))
        return task

    def drain(self) -> None:
        """Wait until the work given so far has run (closing the window waits for its writes)."""
        if not self._closed:
            self._executor.submit(lambda: None).result()

    def shutdown(self, wait: bool = True) -> None:
        """Drop the work not started yet; with `wait`, let the running one finish first."""
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)


_shared: dict[str, Lane] = {}


def _shared_lane(name: str, workers: int) -> Lane:
    lane = _shared.get(name)
    if lane is None or lane._closed:
        lane = _shared[name] = Lane(name, workers)
    return lane


def writes() -> Lane:
    """The lane every write to the cache from the window goes through, one at a time, in order."""
    return _shared_lane("casedesktop-write", 1)


def background() -> Lane:
    """A lane for one-off work that may wait on the network (signing in): two at a time."""
    return _shared_lane("casedesktop-background", 2)


def settle(rounds: int = 3) -> None:
    """Let the writes asked for so far finish and their results arrive, now (tests use it to look
    at the window right after a click; each round also delivers what the last one started)."""
    for _ in range(rounds):
        writes().drain()
        QCoreApplication.processEvents()
