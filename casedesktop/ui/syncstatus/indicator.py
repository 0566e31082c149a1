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
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from casedesktop.i18n import _, format_time, ngettext, pgettext
from casedesktop.sync.worker import SyncStatus
from casedesktop.ui import icons, speech, theme

SEPARATION = 12  # pixels between the status bar's message area and the indicator


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


def state_text(status: SyncStatus) -> str:
    """The connection's state in a few words, the first of the label's facts."""
    if status.needs_sign_in:
        return _("Signed out — sign in again to sync")
    if status.syncing:
        return _("Syncing…")
    if status.online is None:
        return _("Connecting…")
    if status.online:
        return _("Online")
    if status.offline_since:
        return _("Offline since {time}").format(time=format_time(status.offline_since))
    return _("Offline")


def facts(status: SyncStatus, now: float | None = None) -> list[str]:
    """What the label says, fact by fact; `now` is time.monotonic() (the countdown's clock)."""
    parts = [state_text(status)]
    remaining = seconds_to_next_try(status, time.monotonic() if now is None else now)
    if remaining is not None:
        parts.append(_("trying again in {duration}").format(duration=_duration(remaining)) if remaining > 0
                     else _("trying again now"))
    if status.waiting:
        parts.append(ngettext("{count} change waiting", "{count} changes waiting", status.waiting).format(
            count=status.waiting))
    if status.failed:
        parts[-1] += " " + _("({count} refused)").format(count=status.failed)
    if status.conflicts:
        parts.append(ngettext("{count} notice about your changes", "{count} notices about your changes",
                              status.conflicts).format(count=status.conflicts))
    if status.transfer and status.syncing:
        parts.append(str(status.transfer))
    if status.last_sync and status.online and not status.syncing:
        parts.append(_("synced {time}").format(time=format_time(status.last_sync)))
    return parts


def describe(status: SyncStatus, now: float | None = None) -> str:
    """The label's text: the facts joined by " · "."""
    return " · ".join(facts(status, now))


def spoken(status: SyncStatus, now: float | None = None) -> str:
    """The same facts for a screen reader: joined as a list, with no separator glyph to read out."""
    return pgettext("between items of a list", ", ").join(facts(status, now))


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
        # Its own slot at the right of the status bar (a permanent widget): a status message is
        # drawn only left of it, and the rule and margin keep a clipped message clear of the icon.
        layout.setContentsMargins(SEPARATION, 0, 0, 0)
        self.rule = QFrame()
        self.rule.setFrameShape(QFrame.Shape.VLine)
        self.rule.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(self.rule)
        layout.addSpacing(SEPARATION // 2)
        self.setAccessibleName(_("Sync status"))
        self.dot = QLabel()  # an icon, not a dot glyph: fonts that lack it draw a box
        self.dot.setAccessibleName(_("Connection"))
        self._connection = ("network-transmit-receive", "muted_text")
        self._state = ""  # the state screen readers were last told of
        self.label = QLabel(_("Connecting…"))  # its accessible name is its text
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
        self.sign_in_note = ""  # a lasting condition of the sign-in (no keychain keeps it)
        theme.follow(self._show_connection)  # a pixmap keeps its colours: redraw on a new palette
        # The countdown: fires just after the shown number of seconds goes down by one.
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._show_text)

    def show_status(self, status: SyncStatus) -> None:
        previous, self.status = self.status, status
        self._show_text()
        self._show_tooltips()
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

    def set_sign_in_note(self, note: str) -> None:
        """A lasting, quiet fact about the sign-in (it is kept only while this program runs): in
        the indicator's tooltips and what a screen reader hears of it, for as long as it holds,
        rather than a status message that is gone in seconds."""
        self.sign_in_note = note
        self._show_tooltips()
        self._show_text()

    def _show_tooltips(self) -> None:
        error = self.status.last_error if self.status is not None else ""
        self.label.setToolTip("\n".join(text for text in (error, self.sign_in_note) if text))

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
        self.dot.setToolTip("\n".join(text for text in (self.label.text(), self.sign_in_note) if text))
        description = spoken(self.status, now)
        if self.sign_in_note:
            description = pgettext("between items of a list", ", ").join((description, self.sign_in_note))
        self.setAccessibleDescription(description)
        state = state_text(self.status)
        if state != self._state:  # a new state, not a countdown's tick: tell a reader on it
            self._state = state
            self.dot.setAccessibleName(_("Connection: {state}").format(state=state))
            speech.name_changed(self.dot)
            speech.description_changed(self)
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
