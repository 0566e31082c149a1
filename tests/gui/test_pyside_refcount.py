"""Regression guard: PySide6 6.12.0 on Python 3.11 leaks references to None and crashes the app.

Measured: update(), repaint(), setWindowTitle(), QPainter.setPen() and processEvents() each
dropped None's reference count by one per call. pyproject.toml pins that release away on 3.11; this
test fails if a future install brings a release with the same bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

CALLS = 5000


def test_repainting_thousands_of_times_keeps_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(200, 100)
    widget.show()
    qtbot.waitExposed(widget)
    pixmap = QPixmap(50, 50)
    before = sys.getrefcount(None)
    for i in range(CALLS):
        widget.update()
        widget.repaint()
        widget.setWindowTitle(f"frame {i}")
        painter = QPainter(pixmap)
        painter.setPen(QPen())
        painter.end()
        QApplication.processEvents()
    after = sys.getrefcount(None)
    # An immortal None (3.12+) reports a huge constant; a mortal one must not lose CALLS references.
    assert after >= before - CALLS // 10, f"None lost {before - after} references over {CALLS} repaints"
