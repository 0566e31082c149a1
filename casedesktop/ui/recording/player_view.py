"""A recording's picture with Play/Pause and a seek bar: the one player the recording preview and
the conversation's viewer both show.

Decoding runs on the player's thread (`recording/playback.py`); its frames and its end cross to the
GUI thread through this widget's signals (queued, since they are emitted on the player's thread).
The first frame shows as soon as the widget is made, before anyone presses Play.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _
from casedesktop.recording.playback import Player, VideoImage
from casedesktop.ui import icons, theme
from casedesktop.ui.recording.controls import clock


class VideoPlayerView(QWidget):
    """Plays `path`, decoded at most `box` large; `name` is the picture's accessible name.

    The seek bar and the time show once the length is known: given as `duration_s`, or later
    through `set_duration`. Call `release()` before the file is moved or the dialog goes.
    """

    _image = Signal(object)
    _end = Signal(object)

    def __init__(self, path: Path, box: tuple[int, int], name: str, *, duration_s: float | None = None,
                 picture_size: tuple[int, int] = (320, 180), placeholder: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.frames_shown = 0
        self.duration_s = 0.0
        self._moving_slider = False  # the player moved it: not a seek by the user
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picture = QLabel(placeholder)
        self.picture.setAccessibleName(name)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # As large as the decoded frames from the start: the dialog does not jump when the first comes.
        self.picture.setMinimumSize(*picture_size)
        self.picture.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.follow(self._colours)
        layout.addWidget(self.picture, 1)

        row = QHBoxLayout()
        self.play_button = QPushButton()
        self.play_button.clicked.connect(self.toggle)
        self._show_play(False)
        row.addWidget(self.play_button, 0, Qt.AlignmentFlag.AlignLeft)  # alone until the length is known
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(_("Position in the recording"))
        self.slider.setSingleStep(1000)
        self.slider.setPageStep(5000)
        self.slider.valueChanged.connect(self._slider_moved)
        row.addWidget(self.slider, 1)
        self.position = QLabel()
        self.position.setAccessibleName(_("Time"))
        row.addWidget(self.position)
        if duration_s is None:
            self.slider.hide()
            self.position.hide()
        else:
            self.set_duration(duration_s)
        layout.addLayout(row)

        self._image.connect(self._show)
        self._end.connect(self._ended)
        self.player = Player(path, box, self._image.emit, self._end.emit)
        self.player.open()  # the first frame comes from the player's thread in a moment

    def set_duration(self, seconds: float) -> None:
        """The recording's length: the seek bar spans it (in milliseconds) and the time shows it."""
        self.duration_s = seconds
        self._moving_slider = True
        self.slider.setRange(0, max(1, round(seconds * 1000)))
        self._moving_slider = False
        self.position.setText(self._position_text(self.slider.value() / 1000))
        self.position.setMinimumWidth(self.position.fontMetrics().horizontalAdvance(
            self._position_text(seconds)) + 6)
        self.slider.show()
        self.position.show()

    def toggle(self) -> None:
        """Play, or pause when playing."""
        if self.player.playing:
            self.pause()
        else:
            self.player.play()
            self._show_play(True)

    def pause(self) -> bool:
        """Hold the picture; True when it was playing."""
        was_playing = self.player.playing
        self.player.pause()
        self._show_play(False)
        return was_playing

    def release(self) -> None:
        """Stop the player's thread and let go of the file."""
        self.player.close()

    def _colours(self) -> None:
        self.picture.setStyleSheet(f"background: {theme.css('video_background')}; "
                                   f"color: {theme.css('video_text')};")

    def _position_text(self, seconds: float) -> str:
        return _("{elapsed} / {total}").format(elapsed=clock(seconds), total=clock(self.duration_s))

    def _show(self, image: VideoImage) -> None:
        picture = QImage(image.rgb, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
        self.picture.setPixmap(QPixmap.fromImage(picture))  # fromImage copies: `image.rgb` may go
        self.position.setText(self._position_text(image.time_s))
        if not self.slider.isSliderDown():
            self._moving_slider = True
            self.slider.setValue(round(image.time_s * 1000))
            self._moving_slider = False
        self.frames_shown += 1

    def _slider_moved(self, value: int) -> None:
        """The user dragged, clicked or keyed the slider: show that moment (playing on if playing)."""
        if not self._moving_slider:
            self.player.seek(value / 1000)

    def _ended(self, error: str | None) -> None:
        self._show_play(False)
        if error:
            self.picture.setText(error)
            self.play_button.setEnabled(False)
            self.slider.setEnabled(False)

    def _show_play(self, playing: bool) -> None:
        self.play_button.setText(_("Pause") if playing else _("Play"))
        self.play_button.setAccessibleName(_("Pause the recording") if playing else _("Play the recording"))
        self.play_button.setIcon(icons.icon("media-playback-pause" if playing else "media-playback-start"))
