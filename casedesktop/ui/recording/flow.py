"""The whole recording journey: choose what to record, check it can be, count down, record with
the control bar, preview, then hand the file over to be attached (or record again, or discard).

The user's saved choices (frame rate, length, pointer, countdown: `ui/preferences.py`, as Settings writes them) are read when a
recording starts. The control bar is kept out of the video: placed beside the recorded area when
there is room, and blacked out by the recorder wherever it is over it.

Recordings are written to the profile's `recordings/` folder as they go (fragmented MP4, playable
even after a crash); a file still there at start-up was never attached or discarded, and the app
offers it again.
"""

from __future__ import annotations

from pathlib import Path

import mss
from PySide6.QtCore import QObject, QRect, QSettings, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap, QScreen
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import _, ngettext
from casedesktop.recording import (
    Failed,
    Recorder,
    RecordingError,
    RecordingResult,
    RecordingSettings,
    Rect,
    Stopped,
    check_capture_available,
    portal,
)
from casedesktop.ui import preferences
from casedesktop.ui.recording import still
from casedesktop.ui.recording.controls import Countdown, RecordingControlBar
from casedesktop.ui.recording.files import leftover_recordings, new_recording_path
from casedesktop.ui.recording.preview import PreviewChoice, RecordingPreview
from casedesktop.ui.recording.region_picker import RegionPicker
from casedesktop.ui.recording.screens import screen_of, to_capture_rect, to_logical_rect
from casedesktop.ui.tasks import background, on_gui_thread

TARGET_KEY = "recording/target"  # "desktop", "monitor:N" or "region"


def monitors() -> list[dict[str, int]]:
    """The monitors as mss numbers them (0 = all together): geometry only, no capture. On
    Wayland, where mss sees no screen, Qt's screens in the compositor's coordinates."""
    if portal.session_is_wayland():
        screens = [screen.geometry() for screen in QGuiApplication.screens()]
        every = QRect()
        for geometry in screens:
            every = every.united(geometry)
        return [{"left": r.x(), "top": r.y(), "width": r.width(), "height": r.height()} for r in (every, *screens)]
    with mss.MSS() as screen:
        return list(screen.monitors)


class TargetDialog(QDialog):
    """What to record: the whole desktop, one monitor, or an area drawn next. Remembers the choice."""

    settings_key = TARGET_KEY  # where the choice is remembered (the screenshot's dialog has its own)

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Record your screen"))
        self.settings = settings
        layout = QVBoxLayout(self)
        self.question = QLabel(_("What should the recording show?"))
        layout.addWidget(self.question)
        self.group = QButtonGroup(self)
        self.options: dict[str, QRadioButton] = {}
        screens = monitors()
        choices = [("desktop", _("The whole desktop"))] if len(screens) > 2 else []
        choices += [(f"monitor:{i}", _("Monitor {number} ({width}×{height})").format(
            number=i, width=m["width"], height=m["height"])) for i, m in enumerate(screens) if i > 0]
        choices.append(("region", _("An area I draw next…")))
        for key, label in choices:
            button = QRadioButton(label)
            self.group.addButton(button)
            self.options[key] = button
            layout.addWidget(button)
        remembered = str(settings.value(self.settings_key, "monitor:1"))
        self.options.get(remembered, self.options.get("monitor:1", button)).setChecked(True)
        self.private_areas: list[Rect] = []
        privacy = QHBoxLayout()
        self.privacy_button = QPushButton(_("Hide a private area…"))
        self.privacy_button.setToolTip(_("Draw an area (a password manager, a chat) to black out in every frame"))
        self.privacy_button.clicked.connect(self.pick_private_area)
        self.privacy_clear = QPushButton(_("Clear"))
        self.privacy_clear.clicked.connect(lambda: self._set_private([]))
        self.privacy_label = QLabel()
        privacy.addWidget(self.privacy_button)
        privacy.addWidget(self.privacy_clear)
        privacy.addWidget(self.privacy_label, 1)
        layout.addLayout(privacy)
        self._set_private([])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start_button.setText(_("Start recording"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def pick_private_area(self) -> None:
        still.for_area_picker(self.screen(), self, self._show_private_picker,
                              lambda error: QMessageBox.warning(self, _("Cannot show the screen"), str(error)))

    def _show_private_picker(self, picture: QPixmap | None) -> None:
        picker = RegionPicker(self.screen(), picture)
        picker.picked.connect(lambda rect: self._set_private([*self.private_areas, rect]))
        picker.start()
        self._picker = picker

    def _set_private(self, areas: list[Rect]) -> None:
        self.private_areas = areas
        self.privacy_label.setText(ngettext("{count} area blacked out", "{count} areas blacked out", len(areas)).format(
            count=len(areas)) if areas else _("Nothing is hidden"))
        self.privacy_clear.setEnabled(bool(areas))

    def target(self) -> str:
        chosen = next(key for key, button in self.options.items() if button.isChecked())
        self.settings.setValue(self.settings_key, chosen)
        return chosen


AFTER_COUNTDOWN_MS = 250
# After the target dialog closes, before the screen is photographed for the area picker: the
# windows under the dialog repaint first (without a compositor the X server shows a hole there).
SETTLE_MS = 200
BAR_SHADOW = 2  # pixels around the bar blacked out with it (a compositor may draw a shadow there)


class RecordingFlow(QObject):
    """One object per recording journey; emits `recorded` with the file to attach, or `ended`.

    `destination` names the case the recording will go to ("CS-1042: Printer offline"), empty for a
    new case; the preview says it. `countdown_seconds` and `base` (the defaults) are for tests and
    scripts; the user's saved choices apply on top of `base`.
    """

    recorded = Signal(object)  # Path of a finished recording the user chose to attach
    ended = Signal()  # the journey is over, whatever the outcome
    recordingChanged = Signal(bool)  # the recorder started (True) or stopped (False)

    def __init__(self, recordings_dir: Path, settings: QSettings, parent: QWidget | None = None,
                 countdown_seconds: int | None = None, base: RecordingSettings | None = None,
                 destination: str = ""):
        super().__init__(parent)
        self.recordings_dir = recordings_dir
        self.settings = settings
        self.parent_widget = parent
        self.countdown_seconds = countdown_seconds  # None: the user's setting
        self.base = base or RecordingSettings()
        self.destination = destination
        self.recorder: Recorder | None = None
        self.bar: RecordingControlBar | None = None
        self.countdown: Countdown | None = None
        self.preview: RecordingPreview | None = None
        self.picker: RegionPicker | None = None
        self._publish = on_gui_thread(self._on_event, owner=self)  # the recorder's threads report here
        self.poll = QTimer(self)
        self.poll.setInterval(250)
        self.poll.timeout.connect(self._show_status)
        self.last_error = ""
        self.private_areas: list[Rect] = []  # screen coordinates, chosen in the target dialog

    # --- steps -----------------------------------------------------------------------------------

    def begin(self, target: str | None = None) -> None:
        """Ask what to record (unless given), check that capture works, then count down."""
        availability = check_capture_available()
        if not availability.ok:
            self._fail(availability.message)
            return
        if target is None:
            dialog = TargetDialog(self.settings, self.parent_widget)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                self.ended.emit()
                return
            target = dialog.target()
            self.private_areas = list(dialog.private_areas)
        if target == "region":
            QTimer.singleShot(SETTLE_MS, self._pick_region)
            return
        monitor = 0 if target == "desktop" else int(target.split(":")[1])
        self._count_down(self._settings(monitor=monitor))

    def _window_screen(self) -> QScreen:
        """The screen the app's window is on: where the area is drawn."""
        widget = self.parent_widget
        return (widget.window().screen() if widget is not None else None) or QGuiApplication.primaryScreen()

    def _pick_region(self) -> None:
        still.for_area_picker(self._window_screen(), self, self._show_picker, lambda error: self._fail(str(error)))

    def _show_picker(self, picture: QPixmap | None) -> None:
        self.picker = RegionPicker(self._window_screen(), picture)
        self.picker.picked.connect(lambda rect: self._count_down(self._settings(region=rect)))
        self.picker.cancelled.connect(self.ended.emit)
        self.picker.start()

    def _settings(self, monitor: int = 1, region: Rect | None = None) -> RecordingSettings:
        """The base settings for this target, with the private areas moved into its coordinates."""
        if region is not None:
            origin = (region.left, region.top)
        else:
            screen = monitors()[monitor] if monitor < len(monitors()) else monitors()[0]
            origin = (screen["left"], screen["top"])
        blackouts = tuple(Rect(a.left - origin[0], a.top - origin[1], a.width, a.height) for a in self.private_areas)
        return RecordingSettings(**{**self._base_fields(), **preferences.recording_overrides(self.settings),
                                    "monitor": monitor, "region": region, "blackouts": blackouts})

    def _base_fields(self) -> dict[str, object]:
        return {name: getattr(self.base, name) for name in self.base.__dataclass_fields__}

    def _count_down(self, settings: RecordingSettings) -> None:
        error = region_problem(settings.region)
        if error:
            self._fail(error)
            return
        seconds = (preferences.recording_defaults(self.settings).countdown_seconds if self.countdown_seconds is None
                   else self.countdown_seconds)
        # A moment after the countdown (or the area picker) closes, so the screen under it is
        # repainted before the first frame: otherwise the "1" is the recording's first picture.
        if seconds <= 0:
            QTimer.singleShot(AFTER_COUNTDOWN_MS, lambda: self._record(settings))
            return
        self.countdown = Countdown(seconds, self._captured(settings)[0])
        self.countdown.finished.connect(lambda: QTimer.singleShot(AFTER_COUNTDOWN_MS, lambda: self._record(settings)))
        self.countdown.cancelled.connect(self.ended.emit)
        self.countdown.start()

    def _record(self, settings: RecordingSettings) -> None:
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        path = new_recording_path(self.recordings_dir)
        self.recorder = Recorder(settings, path, self._publish)
        # Starting waits for the first picture, and on Wayland for the desktop's own dialog that
        # asks which screen to share: off the GUI thread, so the window keeps answering.
        background().run(self.recorder.start, done=lambda _none: self._started(settings),
                         failed=self._start_failed, owner=self)

    def _start_failed(self, error: BaseException) -> None:
        if not isinstance(error, (RecordingError, ValueError, OSError)):
            raise error
        self._fail(str(error))

    def _started(self, settings: RecordingSettings) -> None:
        screen, captured = self._captured(settings)
        self.bar = RecordingControlBar(settings.max_seconds, settings.max_bytes, screen, captured)
        self.bar.pauseRequested.connect(self.recorder.pause)
        self.bar.resumeRequested.connect(self.recorder.resume)
        self.bar.stopRequested.connect(self.stop)
        self.bar.moved.connect(self._hide_bar)
        self._hide_bar(self.bar.frameGeometry())  # before it shows: no frame has it
        self.bar.show()
        self.recordingChanged.emit(True)
        self.poll.start()

    @staticmethod
    def _captured(settings: RecordingSettings) -> tuple[QScreen, QRect]:
        """The screen the recorded area starts on, and the area where Qt places windows."""
        if settings.region is not None:
            area = settings.region
        else:
            found = monitors()
            monitor = found[settings.monitor] if settings.monitor < len(found) else found[0]
            area = Rect(monitor["left"], monitor["top"], monitor["width"], monitor["height"])
        screen = screen_of(area.left, area.top)
        return screen, to_logical_rect(area, screen)

    def _hide_bar(self, frame: QRect) -> None:
        """Wherever the bar is over the recorded area, the video shows black instead of it. Not on
        Wayland: there a window cannot learn where it is, and a guess would black out the wrong place."""
        if self.recorder is not None and self.bar is not None and not portal.session_is_wayland():
            around = frame.adjusted(-BAR_SHADOW, -BAR_SHADOW, BAR_SHADOW, BAR_SHADOW)
            self.recorder.hide_areas([to_capture_rect(around, self.bar.home_screen)])

    @property
    def recording(self) -> bool:
        """A recording is under way (counted down and not yet stopped)."""
        return self.bar is not None

    def stop(self) -> None:
        """Stop the recording under way (the window's Stop action, the tray, the bar's Esc)."""
        if self.recorder is not None and self.bar is not None:
            self.recorder.request_stop("user")

    def _show_status(self) -> None:
        if self.recorder is not None and self.bar is not None:
            self.bar.show_status(self.recorder.status())

    def _on_event(self, event: object) -> None:
        if isinstance(event, Stopped):
            self._finished(event.result)
        elif isinstance(event, Failed):
            self._close_bar()
            self._fail(_("The recording stopped: {reason}").format(reason=event.message))

    def _close_bar(self) -> None:
        self.poll.stop()
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            self.recordingChanged.emit(False)

    def _finished(self, result: RecordingResult) -> None:
        self._close_bar()
        if result.stop_reason == "size_limit":
            QMessageBox.information(self.parent_widget, _("Recording stopped"),
                                    _("The recording stopped just before it would pass the attachment size limit."))
        self.review(result)

    def review(self, result: RecordingResult) -> None:
        self.preview = RecordingPreview(result, self.parent_widget, self.destination)
        self.preview.finished.connect(lambda _code: self._reviewed(result))
        self.preview.open()

    def _reviewed(self, result: RecordingResult) -> None:
        choice = self.preview.choice if self.preview else None
        path = Path(result.path)
        if choice is PreviewChoice.ATTACH:
            self.recorded.emit(path)
            self.ended.emit()
        elif choice is PreviewChoice.RECORD_AGAIN:
            path.unlink(missing_ok=True)
            self.recorder = None
            self.begin()
        elif choice is PreviewChoice.DISCARD:
            path.unlink(missing_ok=True)
            self.ended.emit()
        else:
            self.ended.emit()  # closed without a choice: the file stays and is offered next time

    def _fail(self, message: str) -> None:
        self.last_error = message
        QMessageBox.warning(self.parent_widget, _("Cannot record"), message)
        self.ended.emit()


def region_problem(region: Rect | None) -> str:
    """A region must lie on the screens; say so instead of recording black."""
    if region is None:
        return ""
    desktop = monitors()[0]
    inside = (desktop["left"] <= region.left and desktop["top"] <= region.top
              and region.right <= desktop["left"] + desktop["width"]
              and region.bottom <= desktop["top"] + desktop["height"])
    if not inside:
        return _("The area {width}×{height} at ({left}, {top}) is not on the screen; choose an area inside it.").format(
            width=region.width, height=region.height, left=region.left, top=region.top)
    return ""


__all__ = ["RecordingFlow", "TargetDialog", "leftover_recordings", "region_problem"]
