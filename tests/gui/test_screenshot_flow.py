"""Screenshots in the window, signed in to a real server: from the reply box (choose an area, mark
it up, Attach, send: the picture shows in the conversation), from the New Case dialog, from the
toolbar with no case open (a new case with it), from Ctrl+Shift+S; the app's own windows are out
of the picture, and a refused capture says why.

What the screenshot should show is painted on the X root window, under where the app's windows
are, and painted again every few milliseconds: the root keeps no pixels, so whatever uncovers it
(the window hiding, the area picker closing) would otherwise leave black there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QToolButton

from casedesktop.recording import RecordingError, Rect, portal
from casedesktop.recording.screenshot import write_png
from casedesktop.ui.case import previews
from casedesktop.ui.case.thread import Message
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.recording.destination import open_case
from casedesktop.ui.screenshot import flow as flow_module
from casedesktop.ui.screenshot.flow import SCREENSHOTS_DIR, ScreenshotFlow, ScreenshotTargetDialog
from casedesktop.ui.tasks import settle
from testkit import xpaint

AREA = Rect(200, 160, 320, 240)  # under the window: the picture shows it only if the window is out of the way
LEFT, RIGHT = 0xC0392B, 0x2980B9  # the area's halves, 0xRRGGBB


def rgb(colour: int) -> list[int]:
    return [colour >> 16, (colour >> 8) & 0xFF, colour & 0xFF]


@pytest.fixture(autouse=True)
def problem_on_screen(qtbot, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # noqa: ANN001
    """AREA painted on the root window, left half red, right half blue, kept painted; the screen
    elsewhere is black. The grab waits a little longer than on a desktop (a loaded test machine)."""
    monkeypatch.setattr(flow_module, "SETTLE_MS", 500)
    painter = xpaint.Painter()

    def paint() -> None:
        painter.rect(LEFT, AREA.left, AREA.top, AREA.width // 2, AREA.height)
        painter.rect(RIGHT, AREA.left + AREA.width // 2, AREA.top, AREA.width // 2, AREA.height)
        painter.flush()

    timer = QTimer()
    timer.setInterval(40)
    timer.timeout.connect(paint)
    timer.start()
    paint()
    yield
    timer.stop()
    painter.x.XCloseDisplay(painter.dpy)


@pytest.fixture
def window(start_session) -> MainWindow:  # noqa: ANN001
    session = start_session(live_updates=False)
    return session.window


def answer_target(choice: str) -> None:
    """When the "what should the screenshot show?" dialog comes, choose `choice` and start."""

    def answer() -> None:
        dialog = next((d for d in QApplication.topLevelWidgets()
                       if isinstance(d, ScreenshotTargetDialog) and d.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        dialog.options[choice].setChecked(True)
        dialog.start_button.click()

    QTimer.singleShot(0, answer)


def draw_area(qtbot, flow: ScreenshotFlow, area: Rect) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: flow.picker is not None and flow.picker.isVisible(), timeout=5000)
    picker = flow.picker
    qtbot.waitExposed(picker)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(area.left, area.top))
    qtbot.mouseMove(picker, QPoint(area.right, area.bottom))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(area.right, area.bottom))
    assert picker.chosen() == area
    qtbot.keyClick(picker, Qt.Key.Key_Return)


def editor_of(qtbot, flow: ScreenshotFlow) -> QDialog:  # noqa: ANN001
    qtbot.waitUntil(lambda: flow.editor is not None and flow.editor.isVisible(), timeout=10_000)
    return flow.editor


def attach(qtbot, editor: QDialog) -> Path:  # noqa: ANN001
    """Press the editor's Attach button; the PNG it wrote."""
    button = next(b for b in editor.findChildren(QPushButton) if b.text().replace("&", "") == "Attach")
    with qtbot.waitSignal(editor.attached, timeout=10_000) as attached:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return attached.args[0]


def open_a_case(qtbot, window: MainWindow) -> str:  # noqa: ANN001
    """Show a case that takes replies, on its conversation."""
    db = window.session.db
    case_id = next(c for row in range(window.model.rowCount())
                   if open_case(db, c := window.model.case_id_at(row)) is not None)
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.detail.case_id == case_id, timeout=5000)
    window.detail.tabs.setCurrentIndex(1)
    return case_id


def started_flow(qtbot, window: MainWindow) -> ScreenshotFlow:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.screenshot is not None, timeout=5000)
    return window.screenshot


def decoded(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_from_the_reply_box_an_area_is_marked_attached_sent_and_shown_as_a_picture(
        qtbot, window: MainWindow) -> None:  # noqa: ANN001
    open_a_case(qtbot, window)
    reply = window.detail.reply
    answer_target("region")
    qtbot.mouseClick(reply.screenshot_button, Qt.MouseButton.LeftButton)
    flow = started_flow(qtbot, window)
    assert not window.isVisible()  # out of the picture while the area is chosen and grabbed
    draw_area(qtbot, flow, AREA)
    editor = editor_of(qtbot, flow)
    assert window.isVisible()  # back before the editor opens
    picture = editor.rendered()
    assert (picture.width(), picture.height()) == (AREA.width, AREA.height)
    assert picture.pixelColor(10, 10).name() == f"#{LEFT:06x}"  # the problem, not the window over it
    assert picture.pixelColor(AREA.width - 10, 10).name() == f"#{RIGHT:06x}"
    png = attach(qtbot, editor)
    qtbot.waitUntil(lambda: len(reply.files.files()) == 1, timeout=5000)  # in one step: ready to send
    assert window.screenshot is None  # the flow is over
    file = reply.files.files()[0]
    assert file.filename == png.name and file.filename.endswith(".png") and file.content_type == "image/png"
    assert not png.exists()  # copied into the blob store, nothing left in screenshots/
    stored = decoded(window.session.blobs.path_of(file.sha256))
    assert list(stored[5, 5]) == rgb(LEFT) and list(stored[5, AREA.width - 5]) == rgb(RIGHT)

    reply.editor.setPlainText("The import page as it looks now.")
    qtbot.mouseClick(reply.send_button, Qt.MouseButton.LeftButton)
    settle()
    view = window.detail.conversation
    qtbot.waitUntil(lambda: any(isinstance(i, Message) and i.body == "The import page as it looks now."
                                for i in view.items), timeout=5000)
    message = next(i for i in view.items if isinstance(i, Message) and i.body == "The import page as it looks now.")
    button = next(iter(view.widget_of(message.key).file_buttons.values()))
    assert isinstance(button, QToolButton) and button.accessibleName() == f"Open the image {png.name}"
    previews.settle()
    # 320x240 fitted in the thumbnail's 240x160: the picture, not the 48-pixel-high placeholder
    qtbot.waitUntil(lambda: (button.iconSize().width(), button.iconSize().height()) == (213, 160), timeout=10_000)


def test_from_the_new_case_dialog_the_screenshot_joins_its_files(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    dialog = window.open_new_case()
    qtbot.waitExposed(dialog)
    window.move(window.x() + 50, window.y() + 40)  # the window moved since: the dialog stays where it is
    place = dialog.geometry()
    answer_target("monitor:1")
    qtbot.mouseClick(dialog.screenshot_button, Qt.MouseButton.LeftButton)
    flow = started_flow(qtbot, window)
    assert not dialog.isVisible() and not window.isVisible()
    editor = editor_of(qtbot, flow)
    assert dialog.isVisible() and window.isVisible() and dialog.geometry() == place
    assert (editor.rendered().width(), editor.rendered().height()) == (1920, 1080)
    png = attach(qtbot, editor)
    qtbot.waitUntil(lambda: len(dialog.attachments.files()) == 1, timeout=5000)
    assert dialog.attachments.files()[0].filename == png.name
    assert dialog.isVisible() and not png.exists()
    assert list((window.profile_dir / SCREENSHOTS_DIR).iterdir()) == []


def test_the_toolbar_with_no_case_open_starts_a_new_case_with_the_picture(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    window.table.clearSelection()
    window.detail.show_case(None)
    toolbar_button = next(w for w in window.findChildren(QToolButton)
                          if w.defaultAction() is window.commands.screenshot)
    assert toolbar_button.isVisible() and toolbar_button.text() == "Screenshot"
    answer_target("monitor:1")
    qtbot.mouseClick(toolbar_button, Qt.MouseButton.LeftButton)
    flow = started_flow(qtbot, window)
    png = attach(qtbot, editor_of(qtbot, flow))
    qtbot.waitUntil(lambda: any(isinstance(d, NewCaseDialog) and d.isVisible()
                                for d in window.findChildren(NewCaseDialog)), timeout=5000)
    dialog = next(d for d in window.findChildren(NewCaseDialog) if d.isVisible())
    assert [f.filename for f in dialog.attachments.files()] == [png.name]


def test_ctrl_shift_s_takes_a_screenshot_for_the_open_case(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    case_id = open_a_case(qtbot, window)
    action = window.commands.screenshot
    assert action.shortcut() == QKeySequence("Ctrl+Shift+S")
    others = [a for a in window.commands.commands() if a is not action]
    assert all(QKeySequence("Ctrl+Shift+S") not in a.shortcuts() for a in others)  # no clash
    assert action in window.commands.file_menu.actions()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    answer_target("monitor:1")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    flow = started_flow(qtbot, window)
    png = attach(qtbot, editor_of(qtbot, flow))
    qtbot.waitUntil(lambda: [f.filename for f in window.detail.reply.files.files()] == [png.name], timeout=5000)
    assert window.detail.case_id == case_id
    assert "The screenshot is attached to your reply on" in window.statusBar().currentMessage()


def test_cancelling_the_choice_or_the_area_leaves_everything_as_it_was(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    open_a_case(qtbot, window)

    def cancel() -> None:
        dialog = next((d for d in QApplication.topLevelWidgets()
                       if isinstance(d, ScreenshotTargetDialog) and d.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, cancel)
            return
        dialog.reject()

    QTimer.singleShot(0, cancel)
    window.commands.screenshot.trigger()
    assert window.screenshot is None and window.isVisible()

    answer_target("region")
    window.commands.screenshot.trigger()
    flow = started_flow(qtbot, window)
    qtbot.waitUntil(lambda: flow.picker is not None and flow.picker.isVisible(), timeout=5000)
    with qtbot.waitSignal(flow.ended, timeout=5000):
        qtbot.keyClick(flow.picker, Qt.Key.Key_Escape)
    assert window.isVisible() and window.screenshot is None and flow.editor is None
    assert window.detail.reply.files.files() == []


@pytest.fixture
def wayland(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Path]], None]:
    """Call with what the portal's screenshot does: the session then looks like Wayland's."""
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")

    def use(screenshot: Callable[[], Path]) -> None:
        monkeypatch.setattr(portal, "screenshot", lambda timeout=30.0: screenshot())

    return use


def test_on_wayland_the_portal_picture_is_used_without_asking_what_to_show(
        qtbot, window: MainWindow, wayland, tmp_path: Path) -> None:  # noqa: ANN001
    taken = tmp_path / "Screenshot from the portal.png"
    write_png(bytes([40, 80, 120]) * (400 * 300), 400, 300, taken)
    wayland(lambda: taken)
    open_a_case(qtbot, window)
    window.commands.screenshot.trigger()  # no question: the portal pictures the whole screen
    flow = started_flow(qtbot, window)
    editor = editor_of(qtbot, flow)
    picture: QImage = editor.rendered()
    assert (picture.width(), picture.height()) == (400, 300) and picture.pixelColor(5, 5).name() == "#285078"
    assert taken.exists()  # the portal's file stays where the portal put it
    editor.reject()


def test_a_refused_capture_says_why_and_brings_the_window_back(
        qtbot, window: MainWindow, wayland, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warnings.append((title, text)))

    def refuse() -> Path:
        raise RecordingError("You cancelled the screenshot in the desktop's dialog.")

    wayland(refuse)
    open_a_case(qtbot, window)
    window.commands.screenshot.trigger()
    flow = started_flow(qtbot, window)
    with qtbot.waitSignal(flow.ended, timeout=5000):
        pass
    assert warnings == [("Cannot take a screenshot", "You cancelled the screenshot in the desktop's dialog.")]
    assert window.isVisible() and flow.editor is None and window.screenshot is None
