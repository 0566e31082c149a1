"""The status bar's sync indicator: online or offline, when the next try comes, what is waiting,
the last error.

Offline (or when the server is in trouble) it counts down to the worker's next try, "Offline ·
trying again in 6 s", from the status's `next_attempt_at` alone: a timer on the GUI thread
redraws the label as each second passes, and nothing here waits on the worker or the network.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from casedesktop.sync.worker import SyncStatus


def seconds_to_next_try(status: SyncStatus, now: float) -> float | None:
    """Seconds until the worker tries again on its own (never below 0), when that is news: offline
    or after a failure. None while syncing, signed out, or when the next try is the regular poll."""
    if status.syncing or status.needs_sign_in or status.next_attempt_at is None:
        return None
    if status.online is not False and not status.last_error:
        return None
    return max(0.0, status.next_attempt_at - now)


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole} s" if whole < 90 else f"{math.ceil(whole / 60)} min"


def describe(status: SyncStatus, now: float | None = None) -> str:
    """The label's text; `now` is time.monotonic() (the countdown's clock)."""
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
    remaining = seconds_to_next_try(status, time.monotonic() if now is None else now)
    if remaining is not None:
        state += f" · trying again in {_duration(remaining)}" if remaining > 0 else " · trying again now"
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
        # The countdown: fires just after the shown number of seconds goes down by one.
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._show_text)

    def show_status(self, status: SyncStatus) -> None:
        previous, self.status = self.status, status
        self._show_text()
        self.label.setToolTip(status.last_error or "")
        self.details_button.setVisible(status.failed > 0 or status.conflicts > 0)
        colour = "#27ae60" if status.online and not status.needs_sign_in else "#7f8c8d" if status.online is None else "#c0392b"
        self.dot.setStyleSheet(f"color: {colour};")
        if status.progress is not None:
            self.transferProgress.emit(status.progress)
        elif not status.syncing:
            self.transfersStopped.emit(status.last_error)
        if status.release != (previous.release if previous else None):
            self.releaseChanged.emit(status.release)

    def _show_text(self) -> None:
        """The label for the status as of now, and the next redraw while a countdown runs."""
        if self.status is None:
            return
        now = time.monotonic()
        self.label.setText(describe(self.status, now))
        self.dot.setToolTip(self.label.text())
        remaining = seconds_to_next_try(self.status, now)
        if remaining is not None and remaining > 0:
            until_next_second = remaining - (math.ceil(remaining) - 1)  # 6.3 s left shows 7 s for 0.3 s
            self._tick.start(int(until_next_second * 1000) + 10)
        else:
            self._tick.stop()

    def set_unseen_notices(self, count: int) -> None:
        """The user marked notices as seen: show the new count without waiting for the next pass."""
        if self.status is not None and self.status.conflicts != count:
            self.show_status(replace(self.status, conflicts=count, progress=None))
