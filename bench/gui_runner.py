"""The real CaseDesktop window on a seeded profile, timed from the inside (a benchmark's child).

    python -m bench.gui_runner MODE PROFILE_DIR [OPTIONS_JSON]

Starts the app through `casedesktop.cli.main(["--profile", DIR])`, the same path as
`casedesktop --profile DIR`, with one addition: an event filter on the case table's viewport, so
the moment its first Paint event has been handled ("the case list painted", with the first page of
real rows) is known. The app completes the window (cache opened, controller, detail pane, sync)
right after that paint; once it has (`Session.when_ready`), the MODE's script runs on the live
window, then it prints one JSON line on stdout and quits. This runner imports nothing before the
app's start that the app itself does not (the scripts import what they need later).

MODE
  start   the first paint, then sort changes (a header click to the list repainted)
  memory  the first paint, then the list scrolled end to end (a screen, or `step_rows`, at a
          time), each step painted; resident memory
  search  the first paint, then search-as-you-type keystrokes, each with the same FTS5 query run
          through plain sqlite3 right after (the search benchmark's peer, same process and cache)

Times are time.monotonic() (one clock for every process on Linux), so the parent can subtract
the moment it started this process.
"""

from __future__ import annotations

import time

T_MAIN = time.monotonic()  # the interpreter is up; nothing imported yet

import json  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

WATCHDOG_MS = 240_000

# The search benchmark's peer: what a plain sqlite3 program runs for one keystroke to show the
# same list (the count and the first page, cases and conversation matched with FTS5).
_MATCHING = (
    "(cases.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?1) "
    "OR cases.id IN (SELECT case_id FROM comments WHERE comments.rowid IN "
    "(SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?1)))"
)
_COLUMNS = (
    "id, number, subject, status, severity, product, account_name, owner_name, "
    "escalated, unread, created_at, updated_at"
)
PEER_SEARCH_COUNT = f"SELECT count(*) FROM cases WHERE {_MATCHING}"
PEER_SEARCH_PAGE = (
    f"SELECT {_COLUMNS} FROM cases WHERE {_MATCHING} ORDER BY updated_at DESC, id LIMIT 128"
)


def memory_kb() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(line.split()[1])
    return values


def main() -> int:
    mode, profile_dir = sys.argv[1], Path(sys.argv[2])
    options: dict[str, Any] = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}

    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    # Only what the app itself imports before its first paint (the rest, e.g. SQLAlchemy, is
    # imported by the scripts below once the list has been painted).
    import casedesktop.cli as cli
    import casedesktop.store.first_page as first_page
    import casedesktop.ui.main as ui_main
    from casedesktop.ui.caselist.model import COLUMNS, PAGE_SIZE

    t_imported = time.monotonic()
    report: dict[str, Any] = {"mode": mode, "t_main": T_MAIN, "t_imported": t_imported}

    # How long the synchronous first query of the list takes before the window is shown (plain
    # sqlite3: the count and the first page, store/first_page.py).
    original_read = first_page.read

    def timed_read(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        t0 = time.perf_counter()
        result = original_read(*args, **kwargs)
        report.setdefault("first_page_ms", (time.perf_counter() - t0) * 1000)
        if result is not None:
            report.setdefault("rows", result.count)
        return result

    first_page.read = timed_read

    class Probe(QObject):
        """Calls back once the viewport's next Paint event has been handled."""

        def __init__(self, viewport):  # noqa: ANN001
            super().__init__()
            self.callback = None
            viewport.installEventFilter(self)

        def after_next_paint(self, callback) -> None:  # noqa: ANN001
            self.callback = callback

        def eventFilter(self, _obj, event) -> bool:  # noqa: ANN001, N802
            if event.type() == QEvent.Type.Paint and self.callback is not None:
                callback, self.callback = self.callback, None
                QTimer.singleShot(0, callback)  # runs once this paint (and its flush) is done
            return False

    state: dict[str, Any] = {}

    def finish(extra: dict[str, Any] | None = None) -> None:
        report.update(extra or {})
        report.update(memory_kb())
        print(json.dumps(report), flush=True)
        QApplication.instance().quit()

    def fail(message: str) -> None:
        report["error"] = message
        finish()

    original_start = ui_main.Session.start

    def start(session) -> None:  # noqa: ANN001
        window = session.window
        state["window"] = window
        state["session"] = session
        # The table's viewport, found by the name Qt gives it: the first call of viewport() itself
        # costs 10-30 ms in PySide6 6.11 (checked to be the same widget once painted).
        viewport = window.table.findChild(
            QWidget, "qt_scrollarea_viewport", Qt.FindChildOption.FindDirectChildrenOnly
        ) or window.table.viewport()
        state["viewport"] = viewport
        state["probe"] = Probe(viewport)
        state["probe"].after_next_paint(first_paint)
        state["on_updated"] = None

        def ready() -> None:  # the profile is open, the controller exists, sync has started
            report["t_ready"] = time.monotonic()
            report["rss_ready_kb"] = memory_kb()["VmRSS"]
            window.controller.updated.connect(
                lambda result: state["on_updated"] and state["on_updated"](result)
            )

        session.when_ready(ready)
        t0 = time.monotonic()
        original_start(session)
        report["show_ms"] = (time.monotonic() - t0) * 1000

    ui_main.Session.start = start

    def first_paint() -> None:
        report["t_painted"] = time.monotonic()
        report["rss_first_paint_kb"] = memory_kb()["VmRSS"]
        if state["viewport"] is not state["window"].table.viewport():
            fail("the probe watched a widget other than the case table's viewport")
            return
        report["model_rows"] = state["window"].model.rowCount()
        report["first_paint_rows_fetched"] = state["window"].model.rows_fetched
        if mode == "start" and not options.get("sorts", True):
            script = finish
        else:
            script = {"start": sort_changes, "memory": scroll_end_to_end, "search": keystrokes}[
                mode
            ]
        # The scripts drive the complete window: wait for the rest of the start (after the paint).
        state["session"].when_ready(lambda: QTimer.singleShot(0, script))

    # --- a change of the list, timed to its repaint ----------------------------------------

    def measure_change(change, done) -> None:  # noqa: ANN001
        """Run `change()`, wait for the controller's result and the viewport's repaint after it,
        then call `done(ms, result)`."""
        window = state["window"]
        box: dict[str, Any] = {}

        def painted() -> None:
            done((time.monotonic() - box["t0"]) * 1000, box["result"])

        def updated(result) -> None:  # noqa: ANN001
            state["on_updated"] = None
            box["result"] = result
            box["updated_ms"] = (time.monotonic() - box["t0"]) * 1000
            state["probe"].after_next_paint(painted)
            window.table.viewport().update()  # a result equal to the last one still repaints

        state["on_updated"] = updated
        box["t0"] = time.monotonic()
        change()

    # --- start: sort changes ----------------------------------------------------------------

    def sort_changes() -> None:
        window = state["window"]
        columns = options.get("sort_columns", list(range(len(COLUMNS))))
        plan = [(c, Qt.SortOrder.AscendingOrder) for c in columns]
        plan.append((len(COLUMNS) - 1, Qt.SortOrder.DescendingOrder))  # back to the default
        results: list[dict[str, Any]] = []

        def step() -> None:
            if not plan:
                peer = peer_sorts(columns) if options.get("peer_sorts", True) else {}
                finish({"sorts": results, "peer_sorts": peer})
                return
            column, order = plan.pop(0)

            def done(ms: float, result) -> None:  # noqa: ANN001
                results.append(
                    {
                        "column": COLUMNS[column][1],
                        "descending": order == Qt.SortOrder.DescendingOrder,
                        "ms": ms,
                        "rows": result.count,
                    }
                )
                QTimer.singleShot(50, step)

            measure_change(lambda: window.table.sortByColumn(column, order), done)

        step()

    def peer_sorts(columns: list[int]) -> dict[str, float]:
        """Plain sqlite3: the count and the first page in each column's order (ascending)."""
        connection = sqlite3.connect(profile_dir / "cache.db")
        severity = (
            "CASE severity WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 "
            "WHEN 'standard' THEN 2 WHEN 'low' THEN 3 ELSE 4 END"
        )
        timings: dict[str, float] = {}
        try:
            for column in columns:
                key = COLUMNS[column][1]
                expression = severity if key == "severity" else key
                t0 = time.perf_counter()
                connection.execute("SELECT count(*) FROM cases").fetchone()
                connection.execute(
                    f"SELECT {_COLUMNS} FROM cases ORDER BY {expression}, id LIMIT {PAGE_SIZE}"
                ).fetchall()
                timings[key] = (time.perf_counter() - t0) * 1000
        finally:
            connection.close()
        return timings

    # --- memory: scroll end to end ------------------------------------------------------------

    def scroll_end_to_end() -> None:
        window = state["window"]
        table = window.table
        bar = table.verticalScrollBar()
        viewport = table.viewport()
        # Rows per step: a screen (the scroll bar's page step) unless the benchmark asks for
        # more, e.g. one model page, so that every page of rows is fetched and painted.
        step = max(1, int(options.get("step_rows") or 0), bar.pageStep())
        t0 = time.monotonic()
        steps = 0
        value = 0
        while True:
            bar.setValue(value)
            viewport.repaint()  # synchronous: every screen of the list is really painted
            steps += 1
            if value >= bar.maximum():
                break
            value = min(value + step, bar.maximum())
        last_row = table.rowAt(viewport.height() - 1)
        finish(
            {
                "scroll_s": time.monotonic() - t0,
                "scroll_steps": steps,
                "step_rows": step,
                "screen_rows": bar.pageStep(),
                "last_visible_row": last_row,
                "rows_fetched": window.model.rows_fetched,
                "rows_in_memory": window.model.rows_in_memory,
            }
        )

    # --- search: keystrokes -------------------------------------------------------------------

    def keystrokes() -> None:
        from casedesktop.store.case_list import fts_expression

        window = state["window"]
        terms: list[str] = options["terms"]
        passes = int(options.get("passes", 1))
        plan: list[tuple[int, str, str]] = []
        for n in range(passes):
            for term in terms:
                plan += [(n, term, term[:i]) for i in range(1, len(term) + 1)]
                plan.append((n, term, ""))  # clear the box before the next term (not timed)
        connection = sqlite3.connect(profile_dir / "cache.db")
        results: list[dict[str, Any]] = []

        def peer(text: str) -> tuple[float, int]:
            match = fts_expression(text)
            t0 = time.perf_counter()
            count = connection.execute(PEER_SEARCH_COUNT, (match,)).fetchone()[0]
            connection.execute(PEER_SEARCH_PAGE, (match,)).fetchall()
            return (time.perf_counter() - t0) * 1000, count

        def step() -> None:
            if not plan:
                connection.close()
                finish({"keystrokes": results})
                return
            n, term, text = plan.pop(0)

            def done(ms: float, result) -> None:  # noqa: ANN001
                if text:
                    peer_ms, peer_count = peer(text)
                    results.append(
                        {
                            "pass": n,
                            "term": term,
                            "text": text,
                            "ms": ms,
                            "rows": result.count,
                            "peer_ms": peer_ms,
                            "peer_rows": peer_count,
                        }
                    )
                QTimer.singleShot(20, step)

            # The search box's debounced signal: what the window runs once typing pauses.
            measure_change(lambda: window.filters.searchChanged.emit(text), done)

        step()

    def watchdog() -> None:
        fail(f"timed out after {WATCHDOG_MS / 1000:.0f} s in mode {mode}")

    app = ui_main.application()  # run_gui reuses it
    assert app is not None
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(watchdog)
    timer.start(int(options.get("watchdog_ms", WATCHDOG_MS)))
    status = cli.main(["--profile", str(profile_dir)])
    if "t_painted" not in report and "error" not in report:
        report["error"] = f"the window closed before its list was painted (exit {status})"
        print(json.dumps(report), flush=True)
    return 0 if "error" not in report else 1


if __name__ == "__main__":
    sys.exit(main())
