"""The status bar's sync indicator: online or offline, what is waiting, the last error."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from casedesktop.sync.worker import SyncStatus


def describe(status: SyncStatus) -> str:
    if status.needs_sign_in:
        state = "Signed out — sign in again to sync"
    elif status.syncing:
        state = "Syncing…"
    elif status.online is None:
        state = "Connecting…"
    elif status.online:
        state = "Online"
    else:
        since = status.offline_since.astimezone().strftime("%H:%M") if status.offline_since else ""
        state = f"Offline since {since}" if since else "Offline"
    if status.waiting:
        state += f" · {status.waiting} change{'s' if status.waiting != 1 else ''} waiting"
    if status.failed:
        state += f" ({status.failed} refused)"
    if status.conflicts:
        state += f" · {status.conflicts} notice{'s' if status.conflicts != 1 else ''} about your changes"
    if status.transfer and status.syncing:
        state += f" · {status.transfer}"
    if status.last_sync and status.online and not status.syncing:
        state += f" · synced {status.last_sync.astimezone().strftime('%H:%M')}"
    return state


class SyncIndicator(QWidget):
    syncRequested = Signal()
    detailsRequested = Signal()  # the Changes view: refused changes and notices
    transferProgress = Signal(object)  # TransferProgress of the upload under way (from the status)
    transfersStopped = Signal(str)  # a pass ended: an upload not finished waits (the reason, or "")
    releaseChanged = Signal(object)  # sync.release.ReleaseNotice | None, when the status's changes

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.dot = QLabel("●")
        self.dot.setAccessibleName("Connection")
        self.label = QLabel("Connecting…")
        self.label.setAccessibleName("Sync status")
        self.button = QPushButton("Sync now")
        self.button.setToolTip("Send waiting changes and fetch news now (F5)")
        self.button.setAccessibleName("Sync now")
        self.button.clicked.connect(self.syncRequested.emit)
        self.details_button = QPushButton("Details…")
        self.details_button.setToolTip("Changes the server refused and notices about your changes (Ctrl+Shift+C)")
        self.details_button.setAccessibleName("Details of refused changes and notices")
        self.details_button.clicked.connect(self.detailsRequested.emit)
        self.details_button.hide()
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        layout.addWidget(self.details_button)
        layout.addWidget(self.button)
        self.status: SyncStatus | None = None

    def show_status(self, status: SyncStatus) -> None:
        previous, self.status = self.status, status
        self.label.setText(describe(status))
        self.label.setToolTip(status.last_error or "")
        self.details_button.setVisible(status.failed > 0 or status.conflicts > 0)
        self.dot.setToolTip(self.label.text())
        colour = "#27ae60" if status.online and not status.needs_sign_in else "#7f8c8d" if status.online is None else "#c0392b"
        self.dot.setStyleSheet(f"color: {colour};")
        if status.progress is not None:
            self.transferProgress.emit(status.progress)
        elif not status.syncing:
            self.transfersStopped.emit(status.last_error)
        if status.release != (previous.release if previous else None):
            self.releaseChanged.emit(status.release)

    def set_unseen_notices(self, count: int) -> None:
        """The user marked notices as seen: show the new count without waiting for the next pass."""
        if self.status is not None and self.status.conflicts != count:
            self.show_status(replace(self.status, conflicts=count, progress=None))
