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

from casedesktop.i18n import _, format_time, ngettext
from casedesktop.sync.worker import SyncStatus
from casedesktop.ui import icons, theme


def seconds_to_next_try(status: SyncStatus, now: float) -> float | None:
    """Seconds until the worker tries again on its own (never below 0), when that is news: offline
    or after a failure. None while syncing, signed out, or when the next try is the regular poll."""
    if status.syncing or status.needs_sign_in or status.next_attempt_at is None:
        return None
    if status.online is not False and not status.last_error:
        return None
    return max(0.0, status.next_attempt_at - now)


def connection_icon(status: SyncStatus) -> tuple[str, str]:
    """The icon and the theme role of its colour that show the connection at a glance."""
    if status.needs_sign_in:
        return "network-error", "error_text"
    if status.online is None:
        return "network-transmit-receive", "muted_text"
    if status.online:
        return ("network-transmit-receive" if status.syncing else "network-idle"), "success_text"
    return "network-offline", "error_text"


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    if whole < 90:
        return _("{count} s").format(count=whole)
    return _("{count} min").format(count=math.ceil(whole / 60))


def describe(status: SyncStatus, now: float | None = None) -> str:
    """The label's text; `now` is time.monotonic() (the countdown's clock). Facts joined by " · "."""
    if status.needs_sign_in:
        state = _("Signed out — sign in again to sync")
    elif status.syncing:
        state = _("Syncing…")
    elif status.online is None:
        state = _("Connecting…")
    elif status.online:
        state = _("Online")
    elif status.offline_since:
        state = _("Offline since {time}").format(time=format_time(status.offline_since))
    else:
        state = _("Offline")
    remaining = seconds_to_next_try(status, time.monotonic() if now is None else now)
    if remaining is not None:
        state += " · " + (_("trying again in {duration}").format(duration=_duration(remaining)) if remaining > 0
                          else _("trying again now"))
    if status.waiting:
        state += " · " + ngettext("{count} change waiting", "{count} changes waiting", status.waiting).format(
            count=status.waiting)
    if status.failed:
        state += " " + _("({count} refused)").format(count=status.failed)
    if status.conflicts:
        state += " · " + ngettext("{count} notice about your changes", "{count} notices about your changes",
                                  status.conflicts).format(count=status.conflicts)
    if status.transfer and status.syncing:
        state += f" · {status.transfer}"
    if status.last_sync and status.online and not status.syncing:
        state += " · " + _("synced {time}").format(time=format_time(status.last_sync))
    return state


class SyncIndicator(QWidget):
    syncRequested = Signal()
    signInRequested = Signal()  # signed out (or started without a token): sign in again
    detailsRequested = Signal()  # the Changes view: refused changes and notices
    transferProgress = Signal(object)  # TransferProgress of the upload under way (from the status)
    transfersStopped = Signal(str)  # a pass ended: an upload not finished waits (the reason, or "")
    releaseChanged = Signal(object)  # sync.release.ReleaseNotice | None, when the status's changes

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.dot = QLabel()  # an icon, not a dot glyph: fonts that lack it draw a box
        self.dot.setAccessibleName(_("Connection"))
        self._connection = ("network-transmit-receive", "muted_text")
        self.label = QLabel(_("Connecting…"))
        self.label.setAccessibleName(_("Sync status"))
        self.button = QPushButton(icons.icon("view-refresh"), _("Sync now"))
        self.button.setToolTip(_("Send waiting changes and fetch news now (F5)"))
        self.button.setAccessibleName(_("Sync now"))
        self.button.clicked.connect(self._button_clicked)
        self.details_button = QPushButton(_("Details…"))
        self.details_button.setToolTip(_("Changes the server refused and notices about your changes (Ctrl+Shift+C)"))
        self.details_button.setAccessibleName(_("Details of refused changes and notices"))
        self.details_button.clicked.connect(self.detailsRequested.emit)
        self.details_button.hide()
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        layout.addWidget(self.details_button)
        layout.addWidget(self.button)
        self.status: SyncStatus | None = None
        theme.follow(self._show_connection)  # a pixmap keeps its colours: redraw on a new palette
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
        if status.needs_sign_in:
            self.button.setText(_("Sign in…"))
            self.button.setToolTip(_("Sign in again: what you did meanwhile is sent then"))
        else:
            self.button.setText(_("Sync now"))
            self.button.setToolTip(_("Send waiting changes and fetch news now (F5)"))
        self._connection = connection_icon(status)
        self._show_connection()
        if status.progress is not None:
            self.transferProgress.emit(status.progress)
        elif not status.syncing:
            self.transfersStopped.emit(status.last_error)
        if status.release != (previous.release if previous else None):
            self.releaseChanged.emit(status.release)

    def _button_clicked(self) -> None:
        if self.status is not None and self.status.needs_sign_in:
            self.signInRequested.emit()
        else:
            self.syncRequested.emit()

    def _show_connection(self) -> None:
        name, role = self._connection
        side = self.label.fontMetrics().height()
        self.dot.setPixmap(icons.pixmap(name, side, role, self.devicePixelRatioF()))

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
