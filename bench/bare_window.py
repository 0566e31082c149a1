"""The peer of the list and memory benchmarks: a bare PySide6 window, timed like ours.

    python -m bench.bare_window

QApplication + QMainWindow (the size of CaseDesktop's window) shown; once its first Paint event
has been handled it prints one JSON line (the moment, resident memory) and quits.
"""

from __future__ import annotations

import time

T_MAIN = time.monotonic()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402


def memory_kb() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(line.split()[1])
    return values


class FirstPaint(QObject):
    def __init__(self, app: QApplication):
        super().__init__()
        self.app = app
        self.seen = False

    def eventFilter(self, _obj, event) -> bool:  # noqa: ANN001, N802
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, self.done)  # once this paint (and its flush) is done
        return False

    def done(self) -> None:
        report = {"mode": "bare", "t_main": T_MAIN, "t_painted": time.monotonic(), **memory_kb()}
        print(json.dumps(report), flush=True)
        self.app.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1360, 820)
    probe = FirstPaint(app)
    window.installEventFilter(probe)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
