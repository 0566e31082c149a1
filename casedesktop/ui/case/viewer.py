"""Opens an image or a recording from the conversation in place, without leaving the app.

The image is decoded off the GUI thread; a recording plays with the recording preview's player
(`recording/playback.py`: PyAV on its own thread), read-only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _
from casedesktop.ui import icons, theme
from casedesktop.ui.tasks import background

VIDEO_BOX = (960, 540)


def _read_image(path: Path) -> QImage:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader.read()


class ImageViewer(QDialog):
    """One attached image, fitted to the screen; Escape closes it."""

    def __init__(self, path: Path, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(name)
        layout = QVBoxLayout(self)
        self.picture = QLabel(_("Opening {name}…").format(name=name))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(_("Image {name}").format(name=name))
        scroll = QScrollArea()
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry().size()
        self._box = QSize(int(screen.width() * 0.8), int(screen.height() * 0.8))
        self.resize(min(self._box.width(), 640), min(self._box.height(), 480))
        background().run(_read_image, path, done=self._show, owner=self)

    def _show(self, image: QImage) -> None:
        if image.isNull():
            self.picture.setText(_("This image cannot be shown. Save it from the Attachments tab and open it "
                                   "with another program."))
            return
        pixmap = QPixmap.fromImage(image)
        if pixmap.width() > self._box.width() or pixmap.height() > self._box.height():
            pixmap = pixmap.scaled(self._box, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)
        self.resize(max(320, pixmap.width() + 40), max(200, pixmap.height() + 80))


class _PlayerSignals(QObject):
    image = Signal(object)
    ended = Signal(object)


class VideoViewer(QDialog):
    """An attached recording: its first frame, then Play and Pause."""

    def __init__(self, path: Path, name: str, parent: QWidget | None = None):
        from casedesktop.recording.playback import Player

        super().__init__(parent)
        self.setWindowTitle(name)
        layout = QVBoxLayout(self)
        self.video = QLabel(_("Opening {name}…").format(name=name))
        self.video.setAccessibleName(_("Recording {name}").format(name=name))
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setMinimumSize(320, 180)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.follow(self._colours)
        layout.addWidget(self.video, 1)
        row = QHBoxLayout()
        self.play_button = QPushButton(icons.icon("media-playback-start"), _("Play"))
        self.play_button.clicked.connect(self._toggle)
        row.addWidget(self.play_button)
        row.addStretch(1)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self._signals = _PlayerSignals(self)
        self._signals.image.connect(self._show)
        self._signals.ended.connect(self._ended)
        self.player = Player(path, VIDEO_BOX, self._signals.image.emit, self._signals.ended.emit)
        self.resize(800, 520)
        self.player.open()  # the first frame comes at once, on the player's thread

    def _colours(self) -> None:
        self.video.setStyleSheet(f"background: {theme.css('video_background')}; color: {theme.css('video_text')};")

    def _show(self, image: object) -> None:
        picture = QImage(image.rgb, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
        self.video.setPixmap(QPixmap.fromImage(picture))

    def _ended(self, error: str | None) -> None:
        self._show_play(False)
        if error:
            self.video.setText(error)
            self.play_button.setEnabled(False)

    def _toggle(self) -> None:
        if self.player.playing:
            self.player.pause()
            self._show_play(False)
        else:
            self.player.play()
            self._show_play(True)

    def _show_play(self, playing: bool) -> None:
        self.play_button.setText(_("Pause") if playing else _("Play"))
        self.play_button.setIcon(icons.icon("media-playback-pause" if playing else "media-playback-start"))

    def done(self, code: int) -> None:  # noqa: D102 - closing by any way stops the player
        self.player.close()
        super().done(code)

