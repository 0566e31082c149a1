"""The real CaseDesktop window under a scripted user, its event loop's lateness timed (the child
of bench/gui_stall.py; one JSON line on stdout).

    python -m bench.gui_stall_runner MODE PROFILE_DIR [OPTIONS_JSON]

The window starts the way `casedesktop` starts it on a signed-in profile:
`casedesktop.ui.main.Session(profile, sync_interval=...)` then `session.start()`, which starts
the sync worker (its first pass at once). Once the window has been painted, a scripted user acts
through the real widgets (`UserScript`), and a PreciseTimer firing every `TICK_MS` records how
late each of its timeouts came (`actual interval - TICK_MS`): any work on the GUI thread, or a
wait for the GIL held by another thread, delays it.

MODE
  first_sync  a fresh profile: measured from the first paint until the window has been told the
              first sync finished (the worker's SyncStatus with `last_sync` set, not syncing),
              plus `TAIL_S` for the refresh that news triggers
  synced      a cache that already holds the cases: the worker's start-up pass is let finish
              first, then the same script runs for `duration_s` with sync idle (the user's own
              replies still go out)

To say where the time went (nothing of the app is changed, only wrapped or watched):
- a few slots of the window and the sync side's page request, parsing and storing are timed
  (wall and CPU time of the calling thread), and so is every run of the cyclic garbage collector
  (gc.callbacks), which holds the GIL in whichever thread set it off;
- every timeout also reads each thread's CPU time and run-queue wait (/proc/self/task/TID/
  schedstat), so a stall shows whether the GUI thread worked, waited for a CPU, or waited for
  the GIL while another thread ran;
- each stall over `STALL_MS` is reported with the timed calls and script actions that overlap
  it, and where the other threads' Python code stood when the late timeout ran.
"""

from __future__ import annotations

import time

T_MAIN = time.monotonic()

import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from array import array  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

TICK_MS = 5
STALL_MS = 50.0  # a stall worth explaining (the benchmark's p99 target)
SLOW_CALL_MS = 15.0  # timed calls at least this long are kept, to explain stalls
TAIL_S = 0.5
REPLY_MARK = "Stall bench reply"
SEARCH_TERMS = ("invoice", "ledger", "printer", "workaround")
TAB_CYCLE = (1, 0, 2, 0, 3, 0, 4, 0)  # Open, All, Waiting on me, All, Resolved, All, Closed, All
PICK_ROWS = 40  # rows the user clicks among (about what a screen shows)


def timed_calls() -> list[tuple[Any, str, bool]]:
    """What is timed to explain stalls, as (owner, attribute, is a classmethod): on the GUI
    thread the refresh point, the list, the case pane and the status bar; on the sync side the
    feed page's request, its parsing and its storing (with the CPU time of the thread making
    each call). Imported after the QApplication exists, as the app does."""
    from casedesktop.api.models import ChangesPage
    from casedesktop.store import server_state
    from casedesktop.sync.api_client import ApiClient
    from casedesktop.ui.case.detail_pane import CaseDetailPane
    from casedesktop.ui.caselist.controller import ListController
    from casedesktop.ui.caselist.model import CaseListModel
    from casedesktop.ui.mainwindow.window import MainWindow
    from casedesktop.ui.syncstatus.indicator import SyncIndicator

    return [
        (MainWindow, "apply_changes", False),
        (MainWindow, "_list_updated", False),
        (MainWindow, "_current_changed", False),
        (CaseDetailPane, "refresh", False),
        (ListController, "_apply", False),
        (CaseListModel, "set_result", False),
        (SyncIndicator, "show_status", False),
        (ApiClient, "http", False),
        (ChangesPage, "model_validate_json", True),
        (server_state, "apply_page", False),
    ]


class CallLog:
    """Wraps methods and functions (the attribute, before anything binds or connects it) to
    time each call: wall time, and the CPU time of the thread making it."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.slow: list[tuple[float, float, str]] = []  # (start s, end s, what), from t0
        self.totals: dict[str, list[float]] = {}  # name -> [calls, total ms, max ms, CPU ms]

    def wrap(self, owner: Any, name: str, is_classmethod: bool = False) -> None:
        original = getattr(owner, name)
        label = f"{getattr(owner, '__name__', str(owner)).rsplit('.', 1)[-1]}.{name}"
        log = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            t, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                log.note(label, t, time.perf_counter(), time.thread_time() - cpu)

        if is_classmethod:
            setattr(owner, name, classmethod(lambda _cls, *a, **k: timed(*a, **k)))
        else:
            timed.__name__ = original.__name__
            timed.__qualname__ = original.__qualname__
            setattr(owner, name, timed)

    def note(self, label: str, start: float, end: float, cpu: float) -> None:
        ms = (end - start) * 1000
        total = self.totals.setdefault(label, [0, 0.0, 0.0, 0.0])
        total[0] += 1
        total[1] += ms
        total[2] = max(total[2], ms)
        total[3] += cpu * 1000
        if ms >= SLOW_CALL_MS:
            thread = threading.current_thread()
            where = "" if thread is threading.main_thread() else f" on {thread.name}"
            self.slow.append(
                (start - self.t0, end - self.t0, f"{label}{where} (CPU {cpu * 1000:.0f} ms)")
            )

    def watch_gc(self) -> None:
        """Time the cyclic garbage collector's runs too: a collection runs in whichever thread
        allocated last, holding the GIL all along, so a long one stalls every thread."""
        started: dict[int, tuple[float, float]] = {}

        def callback(phase: str, info: dict[str, int]) -> None:
            ident = threading.get_ident()
            if phase == "start":
                started[ident] = (time.perf_counter(), time.thread_time())
            elif ident in started:
                t, cpu = started.pop(ident)
                self.note(
                    f"gc.collect(generation={info['generation']})",
                    t,
                    time.perf_counter(),
                    time.thread_time() - cpu,
                )

        gc.callbacks.append(callback)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            label: {
                "calls": int(c),
                "total_ms": round(t, 1),
                "max_ms": round(m, 1),
                "cpu_ms": round(u, 1),
            }
            for label, (c, t, m, u) in sorted(self.totals.items(), key=lambda kv: -kv[1][2])
        }


class Lateness:
    """A PreciseTimer every TICK_MS; each timeout records how late it came, and for every thread
    of the process the CPU time it used and the time it waited for a CPU while runnable since the
    last timeout (/proc/self/task/TID/schedstat). So a stall shows whether the GUI thread worked
    through it, waited for a CPU (the machine busy), or waited for something else, such as the
    GIL held by another thread."""

    def __init__(self, t0: float):
        from PySide6.QtCore import Qt, QTimer

        self.t0 = t0
        self.values = array("d")  # lateness in ms, one per timeout
        self.ends = array("d")  # when each timeout ran (s from t0), for the stalls' times
        # per timeout: thread name -> (CPU ns, run-queue wait ns) so far
        self.sched: list[dict[str, tuple[int, int]]] = []
        self.files: dict[str, int] = {}  # thread name -> its open schedstat file
        # For a stalled timeout: where the other threads' Python code stood when it ran (a thread
        # that held the GIL through a long call stands right after it).
        self.where: dict[int, dict[str, list[str]]] = {}
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.started_at = 0.0
        self.stopped_at = 0.0
        self.first: dict[str, tuple[int, int]] = {}

    def start(self) -> None:
        self._find_threads()
        self.first = self._read()
        self.last = self.started_at = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.stopped_at = time.perf_counter()
        for fd in self.files.values():
            os.close(fd)
        self.files = {}

    def _find_threads(self) -> None:
        """Every live thread, named (the GUI thread is "gui"), with its schedstat file open."""
        main = threading.main_thread()
        alive = set()
        for thread in threading.enumerate():
            if thread.native_id is None:
                continue
            name = "gui" if thread is main else f"{thread.name}#{thread.native_id}"
            alive.add(name)
            if name not in self.files:
                with contextlib.suppress(OSError):
                    path = f"/proc/self/task/{thread.native_id}/schedstat"
                    self.files[name] = os.open(path, os.O_RDONLY)
        for name in set(self.files) - alive:
            os.close(self.files.pop(name))

    def _read(self) -> dict[str, tuple[int, int]]:
        sched = {}
        for name, fd in self.files.items():
            with contextlib.suppress(OSError, ValueError, IndexError):  # the thread has ended
                fields = os.pread(fd, 100, 0).split()
                sched[name] = (int(fields[0]), int(fields[1]))
        return sched

    def _tick(self) -> None:
        now = time.perf_counter()
        self.values.append((now - self.last) * 1000 - TICK_MS)
        self.ends.append(now - self.t0)
        self.last = now
        if len(self.values) % 50 == 0:  # threads come and go (a pass's page fetcher)
            self._find_threads()
        self.sched.append(self._read())
        if self.values[-1] >= STALL_MS and len(self.where) < 500:
            self.where[len(self.values) - 1] = where_threads_stand()

    def report(self) -> dict[str, Any]:
        from bench.common import Stats

        if not self.values:
            return {"samples": 0}
        stats = Stats(tuple(self.values))
        seconds = self.stopped_at - self.started_at
        last = self.sched[-1]
        threads = {
            name: {
                "cpu_s": round((last[name][0] - first[0]) / 1e9, 2),
                "waited_for_cpu_s": round((last[name][1] - first[1]) / 1e9, 2),
            }
            for name, first in self.first.items()
            if name in last
        }
        return {
            "samples": len(stats),
            "seconds": round(seconds, 2),
            "p50_ms": round(stats.percentile(50), 2),
            "p90_ms": round(stats.percentile(90), 2),
            "p99_ms": round(stats.percentile(99), 2),
            "max_ms": round(stats.max, 1),
            "mean_ms": round(sum(stats.values) / len(stats), 2),
            "over_50_ms": sum(v > 50 for v in stats.values),
            "over_100_ms": sum(v > 100 for v in stats.values),
            "stalled_s": round(sum(v for v in stats.values if v > 50) / 1000, 2),
            "threads": threads,
        }

    def stalls(self, threshold: float) -> list[dict[str, Any]]:
        """Every interval at least `threshold` late: when (s from t0), how late, and per thread
        the CPU it used and the time it waited for a CPU (ms, 1 ms or more), and where the other
        threads stood when the late timeout ran."""
        found = []
        for i, (late, end) in enumerate(zip(self.values, self.ends, strict=True)):
            if late < threshold or i == 0:
                continue
            before, after = self.sched[i - 1], self.sched[i]
            cpu: dict[str, float] = {}
            runq: dict[str, float] = {}
            for name, (used, waited) in after.items():
                was = before.get(name, (used, waited))
                if (used - was[0]) >= 1e6:
                    cpu[name] = round((used - was[0]) / 1e6, 1)
                if (waited - was[1]) >= 1e6:
                    runq[name] = round((waited - was[1]) / 1e6, 1)
            where = self.where.get(i, {})
            found.append(
                {
                    "start": end - (late + TICK_MS) / 1000,
                    "end": end,
                    "late_ms": late,
                    "cpu_ms": cpu,
                    "waited_for_cpu_ms": runq,
                    "threads_stood_at": {n: where[n] for n in cpu if n in where},
                }
            )
        return found


def where_threads_stand(depth: int = 4) -> dict[str, list[str]]:
    """The innermost `depth` frames of every thread but the GUI thread, by the names Lateness
    gives them."""
    frames = sys._current_frames()  # noqa: SLF001 - a diagnostic, as faulthandler does
    main = threading.main_thread()
    stood: dict[str, list[str]] = {}
    for thread in threading.enumerate():
        frame = frames.get(thread.ident)
        if thread is main or frame is None:
            continue
        stack = []
        while frame is not None and len(stack) < depth:
            code = frame.f_code
            stack.append(f"{code.co_qualname} ({Path(code.co_filename).name}:{frame.f_lineno})")
            frame = frame.f_back
        stood[f"{thread.name}#{thread.native_id}"] = stack
    return stood


class UserScript:
    """A user acting through the real widgets every 300-500 ms (seeded, so every run is the same
    sequence): each step selects another row of the list (the case opens on the right); every
    6th step also switches a status tab, every 8th writes and sends a reply, every 10th types a
    search term (a key every 90 ms) or clears it."""

    def __init__(self, window, seed: int, t0: float):  # noqa: ANN001
        from PySide6.QtCore import QTimer

        self.window = window
        self.rng = random.Random(seed)
        self.t0 = t0
        self.steps = 0
        self.running = False
        self.counts = {
            "rows_selected": 0,
            "cases_opened": 0,
            "no_rows": 0,
            "replies_sent": 0,
            "tab_switches": 0,
            "keystrokes": 0,
            "searches_cleared": 0,
        }
        self.actions: list[tuple[float, float, str]] = []  # (start s, end s, action), from t0
        self.durations: dict[str, list[float]] = {}
        self.step_timer = QTimer()
        self.step_timer.setSingleShot(True)
        self.step_timer.timeout.connect(self.step)
        self._singles: list[Any] = []

    def start(self) -> None:
        self.running = True
        self.step()

    def stop(self) -> None:
        self.running = False
        self.step_timer.stop()

    def later(self, ms: int, action: Callable[[], None]) -> None:
        from PySide6.QtCore import QTimer

        def run() -> None:
            if self.running:
                action()

        QTimer.singleShot(ms, self.step_timer, run)

    def timed(self, name: str, action: Callable[[], None]) -> None:
        t = time.perf_counter()
        action()
        end = time.perf_counter()
        self.actions.append((t - self.t0, end - self.t0, name))
        self.durations.setdefault(name, []).append((end - t) * 1000)

    def step(self) -> None:
        if not self.running:
            return
        k = self.steps
        self.steps += 1
        self.timed("select_row", self.select_row)
        if k % 6 == 1:
            self.later(150, lambda: self.timed("switch_tab", self.switch_tab))
        if k % 8 == 3:
            self.later(150, lambda: self.timed("send_reply", lambda: self.send_reply(k)))
        if k % 10 == 5:
            self.later(150, self.search)
        self.step_timer.start(self.rng.randint(300, 500))

    def select_row(self) -> None:
        window = self.window
        rows = min(window.model.rowCount(), PICK_ROWS)
        if rows == 0:
            self.counts["no_rows"] += 1
            return
        current = window.table.currentIndex().row()
        row = self.rng.randrange(rows)
        if row == current and rows > 1:
            row = (row + 1) % rows
        before = window.detail.case_id
        window.table.selectRow(row)
        self.counts["rows_selected"] += 1
        if window.detail.case_id != before:
            self.counts["cases_opened"] += 1

    def switch_tab(self) -> None:
        tabs = self.window.tabs
        tabs.setCurrentIndex(TAB_CYCLE[self.counts["tab_switches"] % len(TAB_CYCLE)])
        self.counts["tab_switches"] += 1

    def send_reply(self, k: int) -> None:
        detail = self.window.detail
        if detail.case_id is None or not detail.send_button.isEnabled():
            return
        detail.reply_box.setPlainText(f"{REPLY_MARK} {k}: the export still stops at 80 %.")
        detail.send_button.click()
        self.counts["replies_sent"] += 1

    def search(self) -> None:
        box = self.window.filters.search
        if box.text():
            self.timed("clear_search", box.clear)
            self.counts["searches_cleared"] += 1
            return
        term = SEARCH_TERMS[(self.steps // 10) % len(SEARCH_TERMS)]

        def key(i: int) -> None:
            self.timed("keystroke", lambda: box.insert(term[i]))
            self.counts["keystrokes"] += 1
            if i + 1 < len(term):
                self.later(90, lambda: key(i + 1))

        key(0)

    def report(self) -> dict[str, Any]:
        from bench.common import Stats

        timings = {}
        for name, values in self.durations.items():
            stats = Stats.of(values)
            timings[name] = {
                "n": len(stats),
                "p50_ms": round(stats.median, 2),
                "max_ms": round(stats.max, 1),
            }
        return {"steps": self.steps, **self.counts, "action_ms": timings}


def replies_stored(profile_dir: Path) -> int:
    connection = sqlite3.connect(f"file:{profile_dir / 'cache.db'}?mode=ro", uri=True)
    try:
        return connection.execute(
            "SELECT count(*) FROM comments WHERE body LIKE ?", (REPLY_MARK + "%",)
        ).fetchone()[0]
    finally:
        connection.close()


def cases_stored(profile_dir: Path) -> int:
    connection = sqlite3.connect(f"file:{profile_dir / 'cache.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        connection.close()


def overlapping(spans: list[tuple[float, float, str]], start: float, end: float) -> list[str]:
    return [
        f"{name}: {(e - s) * 1000:.0f} ms from {s:.3f} s"
        for s, e, name in spans
        if s < end and e > start
    ]


def gc_report(before: list[dict[str, int]] | None) -> dict[str, Any]:
    """The collector's runs per generation while measured, and how many objects it tracks now
    (a full collection's cost grows with them)."""
    after = gc.get_stats()
    before = before or [{"collections": 0} for _ in after]
    return {
        "collections_while_measured": [
            a["collections"] - b["collections"] for a, b in zip(after, before, strict=True)
        ],
        "tracked_objects_at_end": len(gc.get_objects()),
        "threshold": list(gc.get_threshold()),
    }


def main() -> int:
    mode, profile_dir = sys.argv[1], Path(sys.argv[2])
    options: dict[str, Any] = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    if mode not in ("first_sync", "synced"):
        print(json.dumps({"error": f"unknown mode {mode!r}"}), flush=True)
        return 2

    from PySide6.QtCore import QTimer

    import casedesktop.ui.main as ui_main
    from casedesktop.app import open_profile

    app = ui_main.application()
    t0 = time.perf_counter()
    calls = CallLog(t0)
    for owner, name, is_classmethod in timed_calls():
        calls.wrap(owner, name, is_classmethod)
    calls.watch_gc()
    report: dict[str, Any] = {"mode": mode, "t_main": T_MAIN, "t0_monotonic": time.monotonic()}
    lateness = Lateness(t0)
    state: dict[str, Any] = {"done": False}

    def finish(extra: dict[str, Any] | None = None) -> None:
        if state["done"]:
            return
        state["done"] = True
        lateness.stop()
        script = state.get("script")
        if script is not None:
            script.stop()
        report.update(extra or {})
        report["lateness"] = lateness.report()
        if script is not None:
            report["user"] = script.report()
            spans = sorted(calls.slow + script.actions)
        else:
            spans = sorted(calls.slow)
        stalls = sorted(lateness.stalls(STALL_MS), key=lambda s: -s["late_ms"])
        report["stalls"] = [
            {
                "at_s": round(stall["start"], 3),
                "late_ms": round(stall["late_ms"], 1),
                "cpu_ms": stall["cpu_ms"],
                "waited_for_cpu_ms": stall["waited_for_cpu_ms"],
                "during": overlapping(spans, stall["start"], stall["end"]),
                "threads_stood_at": stall["threads_stood_at"],
            }
            for stall in stalls[:20]
        ]
        report["timed_calls"] = calls.summary()
        report["gc"] = gc_report(state.get("gc_at_start"))
        report["cases_in_cache"] = cases_stored(profile_dir)
        report["replies_in_cache"] = replies_stored(profile_dir)
        print(json.dumps(report), flush=True)
        app.quit()

    def fail(message: str) -> None:
        report["error"] = message
        finish()

    def start_measuring() -> None:
        report["measure_start_s"] = round(time.perf_counter() - t0, 3)
        state["gc_at_start"] = gc.get_stats()
        state["script"] = UserScript(session.window, int(options.get("seed", 1)), t0)
        lateness.start()
        state["script"].start()
        if mode == "synced":
            QTimer.singleShot(int(float(options["duration_s"]) * 1000), finish)

    def on_status(status) -> None:  # noqa: ANN001 - a SyncStatus
        if status.syncing:
            state["seen_syncing"] = True
            return
        if "first_pass_s" in report or not state.get("seen_syncing"):
            return
        report["first_pass_s"] = round(time.perf_counter() - state["sync_started"], 3)
        report["first_pass_error"] = status.last_error
        if status.last_sync is None:
            fail(f"the first sync failed: {status.last_error or 'no reason given'}")
        elif mode == "first_sync":  # (a sync over before the first paint: measure the tail)
            state["painted"].when(lambda: QTimer.singleShot(int(TAIL_S * 1000), finish))
        else:  # synced: the start-up pass is over; measure the user alone
            QTimer.singleShot(int(TAIL_S * 1000), lambda: state["painted"].when(start_measuring))

    class Painted:
        """Runs callbacks once the window has been painted (at once after that)."""

        def __init__(self) -> None:
            self.done = False
            self.waiting: list[Callable[[], None]] = []

        def fire(self) -> None:
            self.done = True
            report["painted_s"] = round(time.perf_counter() - t0, 3)
            for callback in self.waiting:
                callback()

        def when(self, callback: Callable[[], None]) -> None:
            if self.done:
                callback()
            else:
                self.waiting.append(callback)

    state["painted"] = Painted()
    profile = open_profile(profile_dir)
    if profile.identity is None or profile.tokens.get() is None:
        print(json.dumps({"error": "the profile is not signed in"}), flush=True)
        return 1
    session = ui_main.Session(profile, sync_interval=float(options.get("sync_interval", 3600)))
    session.session.sync.statusChanged.connect(on_status)
    report["cases_at_start"] = session.window.model.rowCount()
    ui_main.AfterPaint(session.window, state["painted"].fire)
    if mode == "first_sync":
        state["painted"].when(start_measuring)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: fail(f"timed out after {options.get('watchdog_s', 600)} s"))
    watchdog.start(int(float(options.get("watchdog_s", 600)) * 1000))
    state["sync_started"] = time.perf_counter()
    session.start()
    try:
        app.exec()
    finally:
        session.stop()
        profile.close()
    report_error = "error" in report
    if not state["done"]:
        print(json.dumps({"error": "the window closed before the measurement ended"}), flush=True)
        return 1
    return 1 if report_error else 0


if __name__ == "__main__":
    sys.exit(main())
