"""Opens an image or a recording from the conversation in place, without leaving the app.

The image is decoded off the GUI thread; a recording plays in the recording preview's player
(`ui/recording/player_view.py`), read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from casedesktop.i18n import _
from casedesktop.ui.tasks import background

if TYPE_CHECKING:
    from casedesktop.recording import RecordingResult

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


class VideoViewer(QDialog):
    """An attached recording: its first frame at once, then Play, Pause and a seek bar once its
    length is known (read off the GUI thread)."""

    def __init__(self, path: Path, name: str, parent: QWidget | None = None):
        from casedesktop.recording.probe import describe_recording
        from casedesktop.ui.recording.player_view import VideoPlayerView

        super().__init__(parent)
        self.setWindowTitle(name)
        layout = QVBoxLayout(self)
        self.playback = VideoPlayerView(path, VIDEO_BOX, _("Recording {name}").format(name=name),
                                        placeholder=_("Opening {name}…").format(name=name))
        layout.addWidget(self.playback, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(800, 520)
        background().run(describe_recording, path, done=self._described, owner=self)

    def _described(self, recording: RecordingResult | None) -> None:
        if recording is not None:
            self.playback.set_duration(recording.duration_s)

    def done(self, code: int) -> None:  # noqa: D102 - closing by any way stops the player
        self.playback.release()
        super().done(code)
