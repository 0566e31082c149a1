"""Take a screenshot for a case: choose what to capture, get the app out of the picture, grab,
mark it up, and hand the PNG over to be attached.

The choice of screen or area is the recorder's (`TargetDialog`, `RegionPicker`), with words for a
picture and a choice remembered apart from the recording's. The app's own windows are hidden for
the moment of the grab (a short pause lets the windows under them repaint), so the picture shows
the problem, not CaseDesktop; the area picker's still picture is taken while they are hidden too.
The grab runs on a background lane (a portal may keep it waiting on the user); the editor then
writes the PNG into the profile's `screenshots/` folder and the window attaches it.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QScreen
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from casedesktop.i18n import _
from casedesktop.recording import RecordingError, Rect, portal
from casedesktop.ui.recording.flow import TargetDialog
from casedesktop.ui.recording.region_picker import RegionPicker
from casedesktop.ui.recording.still import capture
from casedesktop.ui.screenshot.editor import ScreenshotEditor
from casedesktop.ui.tasks import background

SCREENSHOTS_DIR = "screenshots"  # in the profile folder, beside recordings/
TARGET_KEY = "screenshot/target"  # "desktop", "monitor:N" or "region", as the recorder's
# After the app's windows are hidden (and after the area picker closes), before the screen is
# read: the window manager unmaps them and the windows under them repaint.
SETTLE_MS = 300


class ScreenshotTargetDialog(TargetDialog):
    """The recorder's choice of desktop, monitor or area, asked for a picture. No private areas:
    the editor covers what must not be seen, and the user sees the result before attaching it."""

    settings_key = TARGET_KEY

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(settings, parent)
        self.setWindowTitle(_("Take a screenshot"))
        self.question.setText(_("What should the screenshot show?"))
        self.start_button.setText(_("Take screenshot"))
        for widget in (self.privacy_button, self.privacy_clear, self.privacy_label):
            widget.hide()


class ScreenshotAreaPicker(RegionPicker):
    """The recorder's area picker, in a screenshot's words."""

    def __init__(self, screen: QScreen | None = None) -> None:
        super().__init__(screen)
        self.setWindowTitle(_("Choose the area of the screenshot"))
        self.setAccessibleName(_("Choose the area of the screenshot"))
        self.setAccessibleDescription(_(
            "Drag to draw the area, then press Enter to take the screenshot. Arrow keys move the area, Shift with "
            "the arrow keys resizes it. Escape cancels."))

    def hint_text(self) -> str:
        if self.selection.isEmpty():
            return _("Drag to choose the area of the screenshot. Escape cancels.")
        return _("Drag the handles to adjust it. Enter takes the screenshot, Escape cancels.")


class ScreenshotFlow(QObject):
    """One object per screenshot: emits `attached` with the PNG to attach, then `ended`; `ended`
    alone when the user cancels or the capture fails (a message box says why)."""

    attached = Signal(object)  # Path of the PNG the editor wrote
    ended = Signal()

    def __init__(self, screenshots_dir: Path, settings: QSettings, parent: QWidget | None = None,
                 settle_ms: int | None = None):
        super().__init__(parent)
        self.screenshots_dir = screenshots_dir
        self.settings = settings
        self.parent_widget = parent
        self.settle_ms = SETTLE_MS if settle_ms is None else settle_ms
        self.picker: ScreenshotAreaPicker | None = None
        self.editor: ScreenshotEditor | None = None
        self.hidden: list[tuple[QWidget, QRect]] = []  # the app's windows and their places, until the grab is done
        self._active: QWidget | None = None
        self.last_error = ""

    def begin(self, target: str | None = None) -> None:
        """Ask what to capture (unless given), then hide the app and capture it. A Wayland
        desktop's portal pictures the whole screen, so there is nothing to ask."""
        self._active = QApplication.activeWindow()  # the window or dialog asked from: in front again after
        if portal.session_is_wayland():
            target = "desktop"
        elif target is None:
            dialog = ScreenshotTargetDialog(self.settings, self.parent_widget)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                self.ended.emit()
                return
            target = dialog.target()
        screen = self._window_screen()
        self._hide_app()
        if target == "region":
            QTimer.singleShot(self.settle_ms, lambda: self._pick_region(screen))
        else:
            monitor = 0 if target == "desktop" else int(target.split(":")[1])
            QTimer.singleShot(self.settle_ms, lambda: self._grab(monitor, None))

    def _window_screen(self) -> QScreen:
        """The screen the app's window is on: where the area is drawn."""
        widget = self.parent_widget
        return (widget.window().screen() if widget is not None else None) or QGuiApplication.primaryScreen()

    # --- the app out of the picture -----------------------------------------------------------

    def _hide_app(self) -> None:
        popups = (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowType() not in popups]
        # Windows first, then their dialogs: shown again in this order, each dialog stays above its window.
        self.hidden = [(w, w.geometry()) for w in sorted(shown, key=lambda w: w.parentWidget() is not None)]
        for window, _place in self.hidden:
            window.hide()

    def _show_app(self) -> None:
        keep = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen | Qt.WindowState.WindowMinimized
        for window, place in self.hidden:
            if not shiboken6.isValid(window):
                continue
            if not window.windowState() & keep:
                window.setGeometry(place)  # where it was: a dialog shown again would be centred anew
            window.show()
        active = self._active
        if active is not None and shiboken6.isValid(active) and active.isVisible():
            active.raise_()
            active.activateWindow()
        self.hidden, self._active = [], None

    # --- steps ----------------------------------------------------------------------------------

    def _pick_region(self, screen: QScreen) -> None:
        self.picker = ScreenshotAreaPicker(screen)  # its still picture is of the screen without the app
        self.picker.picked.connect(lambda rect: QTimer.singleShot(self.settle_ms, lambda: self._grab(0, rect)))
        self.picker.cancelled.connect(self._cancelled)
        self.picker.start()

    def _cancelled(self) -> None:
        self._show_app()
        self.ended.emit()

    def _grab(self, monitor: int, region: Rect | None) -> None:
        background().run(capture, monitor, region, done=self._captured, failed=self._failed, owner=self)

    def _captured(self, image: QImage) -> None:
        self._show_app()
        self.editor = ScreenshotEditor(image, self.screenshots_dir, self.parent_widget)
        self.editor.attached.connect(self.attached.emit)
        self.editor.finished.connect(lambda _code: self.ended.emit())
        self.editor.open()

    def _failed(self, error: BaseException) -> None:
        self._show_app()
        if not isinstance(error, (RecordingError, ValueError, OSError)):
            raise error  # a fault of ours: the crash dialog reports it
        self._fail(str(error))

    def _fail(self, message: str) -> None:
        self.last_error = message
        QMessageBox.warning(self.parent_widget, _("Cannot take a screenshot"), message)
        self.ended.emit()


__all__ = ["SCREENSHOTS_DIR", "ScreenshotFlow"]
