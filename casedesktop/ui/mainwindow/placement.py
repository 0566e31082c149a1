"""Where the main window opens: the size and place the user left it in, per screen.

A laptop used with and without a large monitor needs two places: the window maximised on the
monitor, a smaller one on the laptop's own screen. So the geometry is saved under a key naming the
screen (its name and its geometry); at start the window goes back to the screen it was last on if
that screen is still there, else to the primary screen, and whatever is restored is clamped into
the screen's free area, title bar included, so no part of it (the status bar, the reply box's
Send) opens off screen.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QMargins, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen

LAST_SCREEN_KEY = "window/last_screen"
SCREEN_GROUP = "window/screens"
LEGACY_GEOMETRY_KEY = "window/geometry"  # saveGeometry() bytes of older versions
# The frame a window manager adds, until the real one is known (openbox's title bar at 1366×768
# came to 23 px, KDE's and GNOME's to 30-40 px; a frame of 1-4 px on the other sides).
ASSUMED_FRAME = QMargins(4, 40, 4, 4)
PREFERRED_SIZE = QSize(1360, 820)


def screen_key(screen: QScreen) -> str:
    """A settings key for `screen`: its name and geometry (a monitor on another port, or the same
    port at another resolution, is another place)."""
    geometry = screen.geometry()
    text = f"{screen.name()}-{geometry.width()}x{geometry.height()}+{geometry.x()}+{geometry.y()}"
    return re.sub(r"[^A-Za-z0-9+-]", "_", text)


def fit_into(rect: QRect, available: QRect, frame: QMargins = ASSUMED_FRAME) -> QRect:
    """`rect` (the window's inner geometry) made to fit, with `frame` around it, inside
    `available`: smaller if it is larger, then moved in as little as needed."""
    room = available.marginsRemoved(frame)
    size = rect.size().boundedTo(room.size())
    left = min(max(rect.left(), room.left()), room.right() - size.width() + 1)
    top = min(max(rect.top(), room.top()), room.bottom() - size.height() + 1)
    return QRect(QPoint(left, top), size)


def default_geometry(available: QRect, frame: QMargins = ASSUMED_FRAME) -> QRect:
    """The first start's place: 1360×820 centred, or the whole free area on a smaller screen."""
    room = available.marginsRemoved(frame)
    size = PREFERRED_SIZE.boundedTo(room.size())
    centred = QRect(QPoint(0, 0), size)
    centred.moveCenter(room.center())
    return fit_into(centred, available, frame)


def screen_named(key: str) -> QScreen | None:
    for screen in QGuiApplication.screens():
        if screen_key(screen) == key:
            return screen
    return None


class SavedPlacement:
    """The saved geometry (inner, unmaximised) and maximised state of the window on one screen."""

    def __init__(self, geometry: QRect, maximized: bool):
        self.geometry = geometry
        self.maximized = maximized

    @classmethod
    def read(cls, settings: QSettings, key: str) -> SavedPlacement | None:
        geometry = settings.value(f"{SCREEN_GROUP}/{key}/geometry")
        if not isinstance(geometry, QRect) or geometry.isEmpty():
            return None
        maximized = settings.value(f"{SCREEN_GROUP}/{key}/maximized", False) in (True, "true")
        return cls(geometry, maximized)

    def write(self, settings: QSettings, key: str) -> None:
        settings.setValue(f"{SCREEN_GROUP}/{key}/geometry", self.geometry)
        settings.setValue(f"{SCREEN_GROUP}/{key}/maximized", self.maximized)
        settings.setValue(LAST_SCREEN_KEY, key)


def restore_placement(settings: QSettings) -> tuple[QScreen, QRect, bool]:
    """The screen to open on, the inner geometry there (clamped into its free area) and whether
    to maximise: the screen last used if it is still there, else the primary screen."""
    primary = QGuiApplication.primaryScreen()
    last = str(settings.value(LAST_SCREEN_KEY, "") or "")
    screen = screen_named(last) if last else None
    saved = SavedPlacement.read(settings, last) if last else None
    if screen is None:
        screen = primary
        own = SavedPlacement.read(settings, screen_key(primary))
        saved = own or saved  # a place saved for this screen, else the missing screen's, moved here
    available = screen.availableGeometry()
    if saved is None:
        return screen, default_geometry(available), False
    return screen, fit_into(saved.geometry, available), saved.maximized
