"""A Wayland window that paints a moving pattern, so screen-capture tests have something to see.

PipeWire sends a frame only when the screen changes: a still screen gives one frame and then
nothing. This window fills the screen with a bright bar sweeping across a dark background and a
frame counter, repainted 30 times a second, so a recording of it is neither black nor frozen.
Run it with QT_QPA_PLATFORM=wayland inside the headless session.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

BACKGROUND = QColor(20, 20, 60)
BAR = QColor(250, 200, 40)
BAR_WIDTH = 160
STEP = 24  # pixels per repaint


class MovingPattern(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("moving pattern")
        self.tick = 0
        self._timer = QTimer(self, interval=33, timeout=self._advance)
        self._timer.start()

    def _advance(self) -> None:
        self.tick += 1
        self.update()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        x = (self.tick * STEP) % max(1, self.width())
        painter.fillRect(QRect(x, 0, BAR_WIDTH, self.height()), BAR)
        painter.setPen(Qt.GlobalColor.white)
        painter.drawText(self.rect().adjusted(20, 20, 0, 0), str(self.tick))


def main() -> int:
    app = QApplication(sys.argv)
    window = MovingPattern()
    window.showFullScreen()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
