"""The screenshot editor: mark a captured picture up, then attach it to a case.

The best screenshots point at the problem and hide what is private, so before a picture is
attached the user can draw arrows, rectangles and text, highlight, crop, and redact (solid black
in the file, nothing of the original left). Everything is undoable, and the picture is kept in its
own pixels, so zooming (a HiDPI capture is larger than the screen) never changes the result.

Attach writes `screenshot-YYYYMMDD-HHMMSS.png` in the folder given, with no metadata
(`editor_output`), on a worker lane, then says where through `attached`. Nothing of the picture
or of the editor's state is kept anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.i18n import N_, _, format_number
from casedesktop.ui import theme
from casedesktop.ui.mainwindow.placement import ASSUMED_FRAME
from casedesktop.ui.screenshot.canvas import COLOURED_TOOLS, MarkupCanvas, Tool
from casedesktop.ui.screenshot.editor_output import attach_screenshot, write_screenshot
from casedesktop.ui.screenshot.marks_document import Markup
from casedesktop.ui.tasks import Task, background

PREFERRED_SIZE = QSize(1280, 860)  # at most, on a large screen: room around a full-HD capture at fit
SMALLEST_SIZE = QSize(720, 480)  # at least (a small capture still gets a usable toolbar)
SWATCH = 16  # logical pixels


@dataclass(frozen=True)
class ToolSpec:
    tool: Tool
    label: str  # N_: translated when shown
    key: str  # the shortcut, one letter (not translated: the same in every language, as in other editors)
    hint: str  # N_


TOOLS = (
    ToolSpec(Tool.ARROW, N_("Arrow"), "A", N_("Drag from where the arrow starts to what it points at.")),
    ToolSpec(Tool.RECTANGLE, N_("Rectangle"), "R", N_("Drag to draw a frame around something.")),
    ToolSpec(Tool.TEXT, N_("Text"), "T", N_(
        "Click where the text goes and type. Enter or a click elsewhere keeps it; Shift+Enter starts a new line.")),
    ToolSpec(Tool.HIGHLIGHT, N_("Highlight"), "H", N_("Drag over text to highlight it.")),
    ToolSpec(Tool.CROP, N_("Crop"), "C", N_("Drag over the part to keep, then press Enter or double-click it.")),
    ToolSpec(Tool.REDACT, N_("Redact"), "X", N_(
        "Drag over anything private: it becomes solid black in the attached picture.")),
)
CROP_PENDING_HINT = N_("Press Enter or double-click the area to crop to it. Escape keeps the whole picture.")
COLOUR_NAMES = {"red": N_("Red"), "blue": N_("Blue"), "green": N_("Green"), "black": N_("Black"),
                "white": N_("White")}


class ScreenshotEditor(QDialog):
    """Marks up `image`; Attach writes it into `out_dir` and emits `attached(path)`."""

    attached = Signal(object)  # Path of the PNG written when the user presses "Attach"

    def __init__(self, image: QImage, out_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Screenshot – mark up and attach"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setSizeGripEnabled(True)
        self.out_dir = Path(out_dir)
        self.markup = Markup(image, self)
        self.canvas = MarkupCanvas(self.markup)
        self.canvas.setAccessibleName(_("Screenshot"))
        self._writing: Task | None = None

        self.toolbar = QToolBar(_("Markup tools"))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tool_actions = self._add_tools()
        self.toolbar.addSeparator()
        self.colour_actions = self._add_colours()
        self.toolbar.addSeparator()
        self._add_history()

        self.hint = QLabel()
        self.hint.setWordWrap(True)
        theme.set_text_role(self.hint, "muted_text")

        self.zoom_actions = self._zoom_actions()
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("0000 %"))
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        theme.set_text_role(self.error, "error_text")
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.attach_button = QPushButton(_("Attach"))
        self.attach_button.setToolTip(_("Attach the picture as shown ({key})").format(
            key=QKeySequence("Ctrl+Return").toString(QKeySequence.SequenceFormat.NativeText)))
        self.attach_button.clicked.connect(self.attach)
        self.attach_button.setDefault(True)
        attach_key = QAction(self)
        attach_key.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        attach_key.triggered.connect(self.attach)
        self.addAction(attach_key)

        bottom = QHBoxLayout()
        bottom.addWidget(self._tool_button(self.zoom_actions["out"]))
        bottom.addWidget(self.zoom_label)
        for name in ("in", "fit", "actual"):
            bottom.addWidget(self._tool_button(self.zoom_actions[name]))
        bottom.addStretch(1)
        bottom.addWidget(self.error, 3)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.attach_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.hint)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(bottom)

        self.canvas.zoom_changed.connect(self._show_zoom)
        self.canvas.crop_pending_changed.connect(self._show_hint)
        self.markup.changed.connect(self.error.hide)
        theme.follow(self._paint_swatches)
        self.choose_tool(Tool.ARROW)
        self._show_zoom(self.canvas.zoom())
        self.resize(self._opening_size())
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- the public face -------------------------------------------------------------------------

    def rendered(self) -> QImage:
        """The picture as it would be attached now: marks flattened, crop applied, redactions
        burnt in (what is being typed or a crop not yet applied is left out)."""
        return self.markup.render()

    def save_to(self, path: Path) -> Path:
        """Write `rendered()` to `path` as a PNG with no metadata."""
        return write_screenshot(self.rendered(), Path(path))

    # --- building --------------------------------------------------------------------------------

    def _add_tools(self) -> dict[Tool, QAction]:
        group = QActionGroup(self)
        group.setExclusive(True)
        group.triggered.connect(self._tool_triggered)
        actions: dict[Tool, QAction] = {}
        for spec in TOOLS:
            action = QAction(_(spec.label), self)
            action.setCheckable(True)
            action.setData(spec.tool)
            action.setShortcut(QKeySequence(spec.key))
            action.setToolTip(_("{tool} ({key})").format(
                tool=_(spec.label), key=action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))
            group.addAction(action)
            self.toolbar.addAction(action)
            button = self.toolbar.widgetForAction(action)
            button.setAccessibleName(_(spec.label))
            button.setAccessibleDescription(_(spec.hint))
            actions[spec.tool] = action
        return actions

    def _add_colours(self) -> dict[str, QAction]:
        group = QActionGroup(self)
        group.setExclusive(True)
        group.triggered.connect(self._colour_triggered)
        actions: dict[str, QAction] = {}
        for key in theme.markup_colours():
            name = _(COLOUR_NAMES.get(key, key))
            action = QAction(name, self)
            action.setCheckable(True)
            action.setData(key)
            action.setToolTip(name)
            group.addAction(action)
            self.toolbar.addAction(action)
            button = self.toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAccessibleName(name)
            button.setAccessibleDescription(_("The colour of arrows, rectangles and text"))
            actions[key] = action
        actions[next(iter(actions))].setChecked(True)
        return actions

    def _add_history(self) -> None:
        history = self.markup.history
        undo = QAction(_("Undo"), self)
        undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        undo.triggered.connect(self._undo)
        redo = QAction(_("Redo"), self)
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.triggered.connect(self._redo)
        for action, can in ((undo, history.canUndo), (redo, history.canRedo)):
            action.setEnabled(can())
            self.toolbar.addAction(action)
        history.canUndoChanged.connect(undo.setEnabled)
        history.canRedoChanged.connect(redo.setEnabled)
        history.undoTextChanged.connect(self._explain_history)  # bound methods: no call once the dialog goes
        history.redoTextChanged.connect(self._explain_history)
        self.undo_action, self.redo_action = undo, redo
        self._explain_history()

    def _explain_history(self, _changed: str = "") -> None:
        """Name in each tooltip what Undo or Redo would do, and its key."""
        history = self.markup.history
        for action, what, named, plain in (
            (self.undo_action, history.undoText(), _("Undo: {action} ({key})"), _("Undo ({key})")),
            (self.redo_action, history.redoText(), _("Redo: {action} ({key})"), _("Redo ({key})")),
        ):
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(named.format(action=what, key=key) if what else plain.format(key=key))

    def _zoom_actions(self) -> dict[str, QAction]:
        made = {}
        for name, label, keys, slot in (
            ("in", _("Zoom in"), [QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")],
             self.canvas.zoom_in),
            ("out", _("Zoom out"), [QKeySequence(QKeySequence.StandardKey.ZoomOut)], self.canvas.zoom_out),
            ("fit", _("Fit"), [QKeySequence("Ctrl+0")], self.canvas.fit),
            ("actual", _("Actual size"), [QKeySequence("Ctrl+1")], self.canvas.actual_size),
        ):
            action = QAction(label, self)
            action.setShortcuts(keys)
            action.setToolTip(_("{action} ({key})").format(
                action=label, key=keys[0].toString(QKeySequence.SequenceFormat.NativeText)))
            action.triggered.connect(slot)
            self.addAction(action)
            made[name] = action
        return made

    def _tool_button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAccessibleName(action.text())
        return button

    def _paint_swatches(self) -> None:
        """Each colour's square with an edge in the window's text colour, so black shows on a dark
        toolbar and white on a light one."""
        outline = theme.blend(theme.colour("window_text"), theme.colour("window"), 0.3)
        scale = self.devicePixelRatioF()
        for key, colour in theme.markup_colours().items():
            pixmap = QPixmap(round(SWATCH * scale), round(SWATCH * scale))
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(outline, 1))
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(1.5, 1.5, SWATCH - 3, SWATCH - 3), 3, 3)
            painter.end()
            self.colour_actions[key].setIcon(QIcon(pixmap))

    def _opening_size(self) -> QSize:
        """Room for the picture at 100 % where the screen allows, never more than the free area of
        the screen (title bar included), never so small the toolbar is cut."""
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().marginsRemoved(ASSUMED_FRAME).size()
        chrome = self.sizeHint() - self.canvas.sizeHint()
        picture = self.markup.picture.size() / screen.devicePixelRatio()  # its pixels shown 1:1
        wanted = QSize(picture.width() + chrome.width(), picture.height() + chrome.height())
        margins = self.layout().contentsMargins()
        whole_toolbar = self.toolbar.sizeHint().width() + margins.left() + margins.right()  # no » overflow
        wanted = wanted.expandedTo(SMALLEST_SIZE).expandedTo(QSize(max(self.sizeHint().width(), whole_toolbar), 0))
        return wanted.boundedTo(PREFERRED_SIZE).boundedTo(room)

    # --- choosing --------------------------------------------------------------------------------

    def choose_tool(self, tool: Tool) -> None:
        self.tool_actions[tool].setChecked(True)
        self.canvas.set_tool(tool)
        for action in self.colour_actions.values():
            action.setEnabled(tool in COLOURED_TOOLS)
        self._show_hint()

    def _tool_triggered(self, action: QAction) -> None:
        self.choose_tool(action.data())

    def _colour_triggered(self, action: QAction) -> None:
        self.choose_colour(action.data())

    def choose_colour(self, key: str) -> None:
        self.colour_actions[key].setChecked(True)
        self.canvas.set_colour(theme.markup_colours()[key])

    def _show_hint(self, _crop_pending: bool = False) -> None:
        if self.canvas.tool == Tool.CROP and self.canvas.crop_pending is not None:
            text = _(CROP_PENDING_HINT)
        else:
            text = _(next(spec.hint for spec in TOOLS if spec.tool == self.canvas.tool))
        self.hint.setText(text)
        self.canvas.setAccessibleDescription(text)

    def _show_zoom(self, scale: float) -> None:
        """The zoom in the picture's pixels: 100 % is one picture pixel per pixel of the screen."""
        percent = format_number(round(scale / self.canvas.actual_scale() * 100))
        self.zoom_label.setText(_("{percent}%").format(percent=percent))
        self.zoom_label.setAccessibleName(_("Zoom: {percent}%").format(percent=percent))

    def _undo(self) -> None:
        self.canvas.finish_note()
        self.canvas.cancel_crop()
        self.markup.history.undo()

    def _redo(self) -> None:
        self.canvas.finish_note()
        self.canvas.cancel_crop()
        self.markup.history.redo()

    # --- attaching or not ------------------------------------------------------------------------

    def attach(self) -> None:
        """Keep what is half done, write the PNG off the GUI thread, then hand its path on."""
        if self._writing is not None:
            return  # Ctrl+Enter twice: one file
        self.canvas.finish_editing()
        self.error.hide()
        self._set_writing(True)
        self._writing = background().run(attach_screenshot, self.rendered(), self.out_dir, datetime.now(),
                                         done=self._written, failed=self._not_written, owner=self)

    def _set_writing(self, writing: bool) -> None:
        self.attach_button.setEnabled(not writing)
        self.cancel_button.setEnabled(not writing)
        if not writing:
            self._writing = None

    def _written(self, path: Path) -> None:
        self._writing = None
        self.attached.emit(path)
        self.accept()

    def _not_written(self, error: BaseException) -> None:
        """The folder refused the file (full disk, no permission): say so beside Attach; the
        markup stays, to try again."""
        self._set_writing(False)
        if not isinstance(error, OSError):
            raise error
        reason = error.strerror or str(error)
        self.error.setText(_("The screenshot could not be saved in {folder}: {reason}").format(
            folder=self.out_dir, reason=reason))
        self.error.show()

    def reject(self) -> None:
        """Cancel, Escape or close: the picture is discarded; marks are asked about first."""
        if self._writing is not None:
            return  # the file is being written: Attach finishes by itself in a moment
        if self.markup.is_marked():
            answer = QMessageBox.question(
                self, _("Discard markup"), _("Discard your markup?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()
