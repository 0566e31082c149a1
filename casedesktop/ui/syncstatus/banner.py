"""The in-window notice, where no system tray shows notifications (some Linux desktops, a bare X
server): a slim bar above the case list that says what came in, opens the case, and stays until
the user opens or dismisses it (no time limit to read it). It lives in the window's layout, so
nothing draws over the status bar and its sync indicator.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from casedesktop.i18n import _
from casedesktop.ui import icons, speech, theme


class NoticeBanner(QFrame):
    openRequested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("notice_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(_("Notification"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.body = QLabel()
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # elided, never widens the list
        self.open_button = QPushButton(_("&Open case"))
        self.open_button.clicked.connect(self._open)
        self.close_button = QToolButton()
        self.close_button.setIcon(icons.icon("list-remove"))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(_("Dismiss this notification"))
        self.close_button.setAccessibleName(_("Dismiss notification"))
        self.close_button.clicked.connect(self._dismiss)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.close_button)
        self._full_body = ""
        theme.follow(self._paint)
        self.hide()

    def _paint(self) -> None:
        self.setStyleSheet(
            f"QFrame#notice_banner {{ background: {theme.css('support_message_background')}; "
            f"border: 1px solid {theme.css('unread_marker')}; border-radius: 4px; }}"
            f"QFrame#notice_banner QLabel {{ color: {theme.css('message_text')}; }}"
        )

    def show_notice(self, title: str, body: str, grouped: bool = False) -> None:
        self.title.setText(title)
        self._full_body = body
        self._elide()
        self.open_button.setText(_("&Show") if grouped else _("&Open case"))
        self.setToolTip(_("{title}: {message}").format(title=title, message=body))
        self.setAccessibleDescription(_("{title}: {message}").format(title=title, message=body))
        self.show()
        speech.announce(self, _("{title}: {message}").format(title=title, message=body))

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.body.width())
        self.body.setText(self.body.fontMetrics().elidedText(self._full_body, Qt.TextElideMode.ElideRight, width))

    def _open(self) -> None:
        self.hide()
        self.openRequested.emit()

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
