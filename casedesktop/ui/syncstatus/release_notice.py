"""A newer CaseDesktop, announced and never forced: a link in the status bar the first time this
profile hears of a version, and a Help menu entry while a newer version exists. Both open the
download page in the browser (QDesktopServices); nothing is downloaded or run from here.

The sync worker asks the server (sync/release.py) and says in the status whether to announce.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu

from casedesktop.i18n import _

if TYPE_CHECKING:
    from casedesktop.sync.release import ReleaseNotice

ANNOUNCE_MS = 5 * 60 * 1000  # how long the status bar shows the announcement


class ReleaseAnnouncer(QObject):
    def __init__(self, window: QMainWindow, help_menu: QMenu):
        super().__init__(window)
        self.notice: ReleaseNotice | None = None
        self._announced = ""  # the version this window announced in the status bar
        self.action = QAction(window)
        self.action.setVisible(False)
        self.action.triggered.connect(self.open_download)
        actions = help_menu.actions()
        help_menu.insertAction(actions[0] if actions else None, self.action)  # above About
        self.label = QLabel()
        self.label.setAccessibleName(_("New version"))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.label.linkActivated.connect(lambda _href: self.open_download())
        self.label.hide()
        # Permanent: a temporary status message never hides it (left of the sync indicator).
        window.statusBar().insertPermanentWidget(0, self.label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.label.hide)

    def show_notice(self, notice: ReleaseNotice | None) -> None:
        """The newer release now known (None: there is none)."""
        self.notice = notice
        self.action.setVisible(notice is not None)
        if notice is None:
            self.label.hide()
            return
        self.action.setText(f"{notice.message}…")
        self.action.setToolTip(_("Open {url} in the browser").format(url=notice.url))
        if notice.announce and notice.version != self._announced:
            self._announced = notice.version
            link = escape(_("Download"))
            self.label.setText(f'{escape(notice.message)} — <a href="{escape(notice.url)}">{link}</a>')
            self.label.setToolTip(notice.url)
            self.label.show()
            self._timer.start(ANNOUNCE_MS)
        elif notice.version != self._announced:
            self.label.hide()  # an older announcement is out of date

    def open_download(self) -> bool:
        """Open the download page in the browser; the announcement has done its job."""
        if self.notice is None:
            return False
        self.label.hide()
        return QDesktopServices.openUrl(QUrl(self.notice.url))
