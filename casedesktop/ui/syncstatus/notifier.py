"""Desktop notifications for staff replies and status changes; a click opens the case."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QStatusBar, QSystemTrayIcon, QWidget

from casedesktop.i18n import _
from casedesktop.ui import icons


@dataclass(frozen=True)
class Notification:
    case_id: str
    title: str
    message: str


class Notifier(QObject):
    caseClicked = Signal(str)

    def __init__(self, icon: QIcon, status_bar: QStatusBar, parent: QWidget | None = None):
        super().__init__(parent)
        self._status_bar = status_bar
        self.history: list[Notification] = []
        self.tray: QSystemTrayIcon | None = None
        # The tray's menu; "Stop recording" shows while a recording runs (the bar may be covered).
        self.menu = QMenu(parent)
        self.stop_recording_action = self.menu.addAction(icons.icon("media-playback-stop"), _("Stop recording"))
        self.stop_recording_action.setVisible(False)
        self.open_action = self.menu.addAction(_("Open the latest notification"), self.open_last)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setContextMenu(self.menu)
            self.tray.setToolTip("CaseDesktop")
            self.tray.messageClicked.connect(self.open_last)
            self.tray.activated.connect(lambda _reason: self.open_last())
            self.tray.show()

    def notify(self, case_id: str, title: str, message: str) -> None:
        notification = Notification(case_id, title, message)
        self.history.append(notification)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)
        else:  # no tray (some Linux desktops, CI): the status bar still tells
            self._status_bar.showMessage(_("{title}: {message}").format(title=title, message=message), 15000)

    def open_last(self) -> None:
        if self.history:
            self.caseClicked.emit(self.history[-1].case_id)
