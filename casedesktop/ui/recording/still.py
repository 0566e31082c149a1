"""Still pictures of the screen as Qt images: the screenshot itself, and the frozen picture an area
picker is drawn on.

The pixels come from the recorder's layer (`recording.screenshot.grab`: mss, or the desktop
portal on Wayland), which may wait on the user, so they are fetched off the GUI thread. Qt grabs
a screen itself (`QScreen.grabWindow`) everywhere but on Wayland, where it gets nothing: there
the area picker waits for the portal's picture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPixmap, QScreen

from casedesktop.recording import Rect, portal
from casedesktop.recording.screenshot import grab
from casedesktop.ui.tasks import background


def to_qimage(image: np.ndarray) -> QImage:
    """A BGRA array as a QImage of its own (RGB32 reads those bytes and ignores the alpha byte,
    which X11 leaves 0)."""
    height, width = image.shape[:2]
    return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_RGB32).copy()


def capture(monitor: int, region: Rect | None) -> QImage:
    """Grab and convert, off the GUI thread (QImage may be made on any thread)."""
    return to_qimage(grab(monitor, region))


def for_area_picker(screen: QScreen, owner: QObject, ready: Callable[[QPixmap | None], None],
                    failed: Callable[[BaseException], None]) -> None:
    """Hand `ready` the picture an area picker over `screen` shows: None where the picker grabs
    the screen itself, on Wayland the portal's picture of that screen (later, off the GUI thread)."""
    if not portal.session_is_wayland():
        ready(None)
        return
    g = screen.geometry()
    background().run(capture, 0, Rect(g.x(), g.y(), g.width(), g.height()),
                     done=lambda image: ready(QPixmap.fromImage(image)), failed=failed, owner=owner)
