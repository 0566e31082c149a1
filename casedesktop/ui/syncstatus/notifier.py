"""Desktop notifications for news from others (replies, status changes), and the unread count on
the tray icon; a click on a notification or the tray icon opens the case.

The window hands over each case with news (`case_updated`); cases that arrive within a moment of
each other become one notification ("3 cases were updated"), so a feed page with many changes is
one notice, not a flood. Wording comes from `news.py` (no Qt); the cache is read on a worker lane.
Where the desktop has a tray, QSystemTrayIcon shows the notice; where it has none, a banner above
the case list does. The setting "notifications/enabled" is read each time, so the Settings dialog
takes effect at once. Screen readers hear every notice and every status bar message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QStatusBar, QSystemTrayIcon, QWidget

from casedesktop.i18n import _
from casedesktop.store.queries import unread_count
from casedesktop.ui import icons, preferences, speech
from casedesktop.ui.syncstatus.banner import NoticeBanner
from casedesktop.ui.syncstatus.news import (
    Announcement,
    CaseNews,
    announcement_for,
    read_news,
)
from casedesktop.ui.syncstatus.tray import badge_icon, unread_tooltip
from casedesktop.ui.tasks import background

if TYPE_CHECKING:
    from casedesktop.ui.session import ProfileSession

GATHER_MS = 400  # news arriving within this of the first is one notification
SHOW_MS = 8000  # how long the tray's balloon stays


@dataclass(frozen=True)
class Notification:
    case_id: str
    title: str
    message: str
    case_ids: tuple[str, ...] = ()  # every case a grouped notification covers


class Notifier(QObject):
    caseClicked = Signal(str)

    def __init__(self, icon: QIcon, status_bar: QStatusBar, parent: QWidget | None = None, *,
                 session: ProfileSession | None = None, settings: QSettings | None = None,
                 use_tray: bool | None = None):
        """`use_tray`: None asks the desktop whether it has a system tray (tests force either way)."""
        super().__init__(parent)
        self._icon = icon
        self._status_bar = status_bar
        self._session = session
        self._settings = settings if settings is not None else (session.settings if session is not None else None)
        self.history: list[Notification] = []
        self.unread = 0
        self._pending: list[str] = []
        self._unopened: set[str] | None = None  # cases of the banner's notice not opened yet
        self._counting = False
        self._count_again = False
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.timeout.connect(self._read_pending)
        # The tray's menu; "Stop recording" shows while a recording runs (the bar may be covered).
        self.menu = QMenu(parent)
        self.stop_recording_action = self.menu.addAction(icons.icon("media-playback-stop"), _("Stop recording"))
        self.stop_recording_action.setVisible(False)
        self.open_action = self.menu.addAction(_("Open the latest notification"), self.open_last)
        self.open_action.setEnabled(False)
        self.banner = NoticeBanner(parent)  # the window puts it above the list
        self.banner.openRequested.connect(self.open_last)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray:
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setContextMenu(self.menu)
            self.tray.setToolTip(unread_tooltip(0))
            self.tray.messageClicked.connect(self.open_last)
            self.tray.activated.connect(self._tray_activated)
            self.tray.show()
        status_bar.messageChanged.connect(lambda text: speech.announce(status_bar, text))

    # --- what to say -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """The user's choice, read now (the Settings dialog may have changed it a moment ago)."""
        if self._settings is None:
            return True
        return preferences.notifications_enabled(self._settings)

    def case_updated(self, case_id: str) -> None:
        """News from someone else on `case_id`; told together with what arrives in the next moment."""
        if case_id not in self._pending:
            self._pending.append(case_id)
        if not self._gather.isActive():
            self._gather.start(GATHER_MS)

    def _read_pending(self) -> None:
        case_ids, self._pending = self._pending, []
        if not case_ids or self._session is None or not self.enabled:
            return
        background().run(read_news, self._session.db, case_ids, self._session.identity,
                         done=self.announce_news, owner=self)

    def announce_news(self, news: list[CaseNews]) -> None:
        announcement = announcement_for(news)
        if announcement is not None:
            self.announce(announcement)

    def announce(self, announcement: Announcement) -> None:
        """Show one notification, unless the user switched them off."""
        if not self.enabled:
            return
        self.history.append(Notification(announcement.case_id, announcement.title, announcement.body,
                                         announcement.case_ids))
        self._unopened = None  # a new notice: every case it covers is unopened
        self.open_action.setEnabled(True)
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(announcement.title, announcement.body, self._tray_icon(), SHOW_MS)
            speech.announce(self._status_bar, _("{title}: {message}").format(
                title=announcement.title, message=announcement.body))
        else:  # no tray: the banner above the list, clear of the status bar
            self.banner.show_notice(announcement.title, announcement.body, grouped=len(announcement.case_ids) > 1)

    def notify(self, case_id: str, title: str, message: str) -> None:
        """One notification about one case, worded by the caller."""
        self.announce(Announcement(title, message, (case_id,)))

    # --- clicks ------------------------------------------------------------------------------

    def open_last(self) -> None:
        """A click on the notification: its case (the newest one of a group) in the window."""
        self.banner.hide()
        if self.history:
            self.caseClicked.emit(self.history[-1].case_id)

    def case_opened(self, case_id: str) -> None:
        """The user opened `case_id` another way (the list): the banner that names it has been
        answered; a grouped one stays until every case it covers was opened."""
        if not self.history or not self.banner.isVisible():
            return
        shown = self.history[-1]
        waiting = self._unopened if self._unopened is not None else set(shown.case_ids or (shown.case_id,))
        waiting.discard(case_id)
        self._unopened = waiting
        if not waiting:
            self.banner.hide()

    def _tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            if self.history:
                self.open_last()
            else:
                self._raise_window()

    def _raise_window(self) -> None:
        window = self.parent()
        if isinstance(window, QWidget):
            window.showNormal()
            window.raise_()
            window.activateWindow()

    # --- the unread count --------------------------------------------------------------------

    def count_unread(self) -> None:
        """Count the unread cases again (the list changed); the badge follows when it is known."""
        if self._session is None:
            return
        if self._counting:
            self._count_again = True  # one more count after this one: it may have missed a change
            return
        self._counting = True
        background().run(unread_count, self._session.db, done=self._counted, failed=self._count_failed, owner=self)

    def _count_failed(self, _error: BaseException) -> None:
        self._counting = False  # a closed cache while the window closes: nothing to show

    def _counted(self, count: int) -> None:
        self._counting = False
        if self._count_again:
            self._count_again = False
            self.count_unread()
        self.show_unread(count)

    def show_unread(self, count: int) -> None:
        if count == self.unread:
            return
        self.unread = count
        if self.tray is not None:
            self.tray.setIcon(self._tray_icon())
            self.tray.setToolTip(self.tooltip)

    @property
    def tooltip(self) -> str:
        return unread_tooltip(self.unread)

    def _tray_icon(self) -> QIcon:
        return badge_icon(self._icon, self.unread)
