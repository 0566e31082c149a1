"""Help > About: the icon, the version, where this profile lives, and the licences."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop import APP_NAME, __version__
from casedesktop.i18n import _
from casedesktop.ui import theme
from casedesktop.ui.resources import LICENCE, NOTICES, licence_file


class AboutDialog(QDialog):
    def __init__(self, profile_dir: Path, server_url: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("About {app}").format(app=APP_NAME))
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setPixmap(self.windowIcon().pixmap(96, 96))  # the application's icon
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>" + _("Support cases on your desktop, online or not.") + "</p>"
            "<p>" + _("Free software under the GNU General Public License, version 3 or later.") + "</p>"
            f"<p style='color:{theme.css('muted_text')}'>Python {platform.python_version()} · Qt {pyside_version}</p>"
        )
        self.text.setTextFormat(Qt.TextFormat.RichText)
        top.addWidget(self.text, 1)
        layout.addLayout(top)
        self.where = QLabel()
        self.where.setTextFormat(Qt.TextFormat.PlainText)  # paths and URLs are shown, never interpreted
        where = _("Profile: {folder}").format(folder=profile_dir)
        if server_url:
            where += "\n" + _("Server: {url}").format(url=server_url)
        self.where.setText(where)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.licence_button = self._text_button(buttons, _("&Licence"), LICENCE,
                                                _("{app} licence (GPL-3.0-or-later)").format(app=APP_NAME))
        self.notices_button = self._text_button(buttons, _("&Third-party notices"), NOTICES,
                                                _("Software inside {app} and its licences").format(app=APP_NAME))
        layout.addWidget(buttons)

    def _text_button(self, buttons: QDialogButtonBox, label: str, name: str, title: str) -> QPushButton:
        button = QPushButton(label)
        path = licence_file(name)
        button.setEnabled(path is not None)
        if path is None:
            button.setToolTip(_("{file} is not part of this installation.").format(file=name))
        else:
            button.clicked.connect(lambda: self.show_text(path, title))
        buttons.addButton(button, QDialogButtonBox.ButtonRole.HelpRole)
        return button

    def show_text(self, path: Path, title: str) -> QDialog:
        """The file in a read-only viewer (not handed to the OS: it opens the same everywhere)."""
        viewer = QDialog(self)
        viewer.setWindowTitle(title)
        viewer.resize(720, 560)
        text = QPlainTextEdit(path.read_text(encoding="utf-8", errors="replace"))
        text.setReadOnly(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(viewer.reject)
        box = QVBoxLayout(viewer)
        box.addWidget(text)
        box.addWidget(close)
        viewer.text = text
        viewer.open()
        return viewer
