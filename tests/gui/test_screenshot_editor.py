"""The screenshot editor, driven with the mouse and keys: each tool changes the attached picture
where it was drawn (and nowhere else), a redaction is solid black in the written PNG and the PNG
has no metadata chunk, undo/redo and crop, zoom never changes the result, and Cancel asks only
when there is markup to lose."""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox

from casedesktop.ui import theme
from casedesktop.ui.screenshot.canvas import Tool
from casedesktop.ui.screenshot.editor import ScreenshotEditor
from casedesktop.ui.screenshot.editor_output import reserve_screenshot_path
from casedesktop.ui.screenshot.marks import Frame, Note, Redaction, note_document

GREY = (128, 128, 128)


def flat(width: int, height: int, rgb: tuple[int, int, int] = GREY) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(*rgb))
    return image


def noise(width: int, height: int, block: int = 3, seed: int = 11) -> QImage:
    """Blocks of random colours, like a QR code in colour: any leak of it would show."""
    rng = random.Random(seed)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for y in range(0, height, block):
        for x in range(0, width, block):
            painter.fillRect(x, y, block, block, QColor(rng.randrange(1, 256), rng.randrange(256), rng.randrange(256)))
    painter.end()
    return image


def sample_screen(width: int = 1100, height: int = 640) -> QImage:
    """Something like an application's window, to look at the editor with."""
    image = flat(width, height, (246, 247, 249))
    painter = QPainter(image)
    painter.fillRect(0, 0, width, 56, QColor(32, 86, 160))
    font = QFont(QApplication.font())
    font.setPixelSize(22)
    painter.setFont(font)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(24, 36, "Northwind Books - Bank feeds")
    font.setPixelSize(17)
    painter.setFont(font)
    rows = [("Bank", "First Harbour Bank"), ("Account", "DE44 5001 0517 5407 3249 31"),
            ("API key", "sk-live-4f9a1c77e0b2d3a8"), ("Last import", "Monday 09:12"), ("Status", "Connected")]
    for index, (label, value) in enumerate(rows):
        y = 110 + index * 54
        painter.setPen(QColor(90, 90, 100))
        painter.drawText(40, y, label)
        painter.fillRect(220, y - 24, 520, 36, QColor(255, 255, 255))
        painter.setPen(QColor(200, 200, 210))
        painter.drawRect(220, y - 24, 520, 36)
        painter.setPen(QColor(20, 20, 30))
        painter.drawText(232, y, value)
    painter.fillRect(40, 420, 700, 60, QColor(253, 236, 234))
    painter.setPen(QColor(170, 30, 30))
    painter.drawText(56, 456, "Import failed: the bank answered 502 (Bad Gateway) at 09:12")
    painter.fillRect(790, 86, 160, 40, QColor(32, 86, 160))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(820, 112, "Sync now")
    painter.end()
    return image


@pytest.fixture
def open_editor(qtbot, tmp_path: Path) -> Iterator[Callable[..., ScreenshotEditor]]:  # noqa: ANN001
    """Call with a picture: the editor on it, shown, active, its Attach folder `tmp_path/out`.
    Those left open are closed without the question about their markup."""
    opened: list[ScreenshotEditor] = []

    def open_it(image: QImage) -> ScreenshotEditor:
        editor = ScreenshotEditor(image, tmp_path / "out")  # not qtbot.addWidget: it would close it, asking
        opened.append(editor)
        editor.show()
        qtbot.waitExposed(editor)
        editor.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
        return editor

    yield open_it
    for editor in opened:
        if editor.isVisible():
            editor.done(QDialog.DialogCode.Rejected)
        editor.deleteLater()


def on_screen(editor: ScreenshotEditor, point: tuple[float, float]) -> QPoint:
    """Where a point of the picture is on the canvas's viewport now."""
    return editor.canvas.mapFromScene(QPointF(*point))


def drag(editor: ScreenshotEditor, start: tuple[float, float], end: tuple[float, float], release: bool = True) -> None:
    viewport = editor.canvas.viewport()
    a, b = on_screen(editor, start), on_screen(editor, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(viewport, (a + b) / 2)
    QTest.mouseMove(viewport, b)
    if release:
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def click(editor: ScreenshotEditor, point: tuple[float, float]) -> None:
    QTest.mouseClick(editor.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     on_screen(editor, point))


def rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def press(qtbot, editor: ScreenshotEditor, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001
    qtbot.keyClick(editor.canvas, key, modifiers)


def png_chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        chunks.append(data[offset + 4:offset + 8])
        offset += 12 + length
    return chunks


def test_arrow_rectangle_and_highlight_draw_where_dragged(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(flat(600, 400))
    assert editor.canvas.tool == Tool.ARROW and editor.windowTitle() == "Screenshot – mark up and attach"
    drag(editor, (100, 300), (400, 100))
    arrow = editor.rendered()
    r, g, b = rgb(arrow, 250, 200)  # the middle of the arrow: the default red
    assert r > g + 80 and r > b + 80
    assert rgb(arrow, 550, 50) == GREY and rgb(arrow, 120, 120) == GREY

    press(qtbot, editor, Qt.Key.Key_R)
    assert editor.canvas.tool == Tool.RECTANGLE and editor.tool_actions[Tool.RECTANGLE].isChecked()
    editor.choose_colour("blue")
    drag(editor, (100, 60), (300, 160))
    framed = editor.rendered()
    frame = editor.markup.marks[-1]
    assert isinstance(frame, Frame)
    left, middle = round(frame.rect.left()), round(frame.rect.center().y())
    r, g, b = rgb(framed, left, middle)  # on the frame's edge: blue
    assert b > r + 80 and b > g + 40
    assert rgb(framed, round(frame.rect.center().x()), middle) == GREY  # a frame, not a filled box

    press(qtbot, editor, Qt.Key.Key_H)
    assert not editor.colour_actions["red"].isEnabled()  # a marker is yellow whatever is chosen
    drag(editor, (420, 250), (560, 380))
    r, g, b = rgb(editor.rendered(), 490, 315)
    assert r > b + 40 and g > b + 40  # yellow over grey ...
    assert (r, g, b) != rgb(editor.rendered(), 590, 395) and max(r, g) < 250  # ... and translucent


def test_the_highlighter_leaves_what_is_under_it_readable(qtbot, open_editor) -> None:  # noqa: ANN001
    image = flat(400, 200, (255, 255, 255))
    QPainter(image).fillRect(200, 0, 200, 200, QColor(0, 0, 0))
    editor = open_editor(image)
    press(qtbot, editor, Qt.Key.Key_H)
    drag(editor, (50, 50), (350, 150))
    marked = editor.rendered()
    on_white, on_black = rgb(marked, 100, 100), rgb(marked, 300, 100)
    assert on_white[2] < 200 and on_white[0] > 200  # white turned yellow
    assert sum(on_black) < sum(on_white) / 2  # black stays dark: still tells text from page


def test_text_is_typed_in_place_and_kept(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(flat(600, 400))
    press(qtbot, editor, Qt.Key.Key_T)
    assert editor.canvas.tool == Tool.TEXT and editor.colour_actions["red"].isEnabled()
    click(editor, (80, 100))
    assert editor.canvas.is_typing()
    qtbot.keyClicks(editor.canvas, "Printer at 3rd floor")  # letters that are tool keys type, not switch
    assert editor.canvas.tool == Tool.TEXT and editor.markup.marks == []
    press(qtbot, editor, Qt.Key.Key_Return)
    assert not editor.canvas.is_typing()
    (note,) = editor.markup.marks
    assert isinstance(note, Note) and note.text == "Printer at 3rd floor"
    drawn = editor.rendered()
    changed = [(x, y) for y in range(60, 140, 2) for x in range(60, 400, 2) if rgb(drawn, x, y) != GREY]
    assert len(changed) > 300  # the text and its box
    assert rgb(drawn, 500, 300) == GREY

    click(editor, (100, 250))  # empty: nothing is added
    press(qtbot, editor, Qt.Key.Key_Return)
    assert len(editor.markup.marks) == 1 and editor.markup.history.count() == 1

    click(editor, (100, 250))
    qtbot.keyClicks(editor.canvas, "Second")
    click(editor, (450, 350))  # a click elsewhere keeps it, and opens nothing new
    assert [m.text for m in editor.markup.marks] == ["Printer at 3rd floor", "Second"]
    assert not editor.canvas.is_typing()

    click(editor, (100, 330))
    qtbot.keyClicks(editor.canvas, "dropped")
    press(qtbot, editor, Qt.Key.Key_Escape)  # Escape drops the text, the dialog stays
    assert len(editor.markup.marks) == 2 and editor.isVisible()


def test_a_redaction_is_solid_black_in_the_png_which_has_no_metadata(qtbot, open_editor, tmp_path: Path) -> None:  # noqa: ANN001
    original = noise(480, 320)
    editor = open_editor(original)
    press(qtbot, editor, Qt.Key.Key_X)
    drag(editor, (60, 50), (260, 170))
    (redaction,) = editor.markup.marks
    assert isinstance(redaction, Redaction)
    area = redaction.rect
    assert abs(area.left() - 60) <= 2 and abs(area.top() - 50) <= 2
    assert abs(area.right() - 260) <= 2 and abs(area.bottom() - 170) <= 2

    with qtbot.waitSignal(editor.attached, timeout=10_000) as attached:
        QTest.mouseClick(editor.attach_button, Qt.MouseButton.LeftButton)
    path = attached.args[0]
    assert isinstance(path, Path) and path.parent == tmp_path / "out"
    assert re.fullmatch(r"screenshot-\d{8}-\d{6}\.png", path.name)
    assert editor.result() == QDialog.DialogCode.Accepted and not editor.isVisible()

    written = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert written.size() == original.size()
    leaks = [(x, y) for y in range(area.top(), area.bottom() + 1) for x in range(area.left(), area.right() + 1)
             if rgb(written, x, y) != (0, 0, 0)]
    assert not leaks, f"{len(leaks)} redacted pixels are not black, e.g. {leaks[:3]}"
    outside = [(x, y) for y in range(0, 320, 3) for x in range(0, 480, 3)
               if not area.contains(x, y) and rgb(written, x, y) != rgb(original, x, y)]
    assert not outside, f"the picture changed outside the redaction at {outside[:3]}"
    assert set(png_chunks(path)) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
    assert png_chunks(path)[0] == b"IHDR" and png_chunks(path)[-1] == b"IEND"


def test_text_typed_near_the_edge_is_kept_whole_inside_the_picture(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(flat(300, 80))
    press(qtbot, editor, Qt.Key.Key_T)
    click(editor, (280, 70))  # near the bottom right corner
    qtbot.keyClicks(editor.canvas, "Since Monday")
    press(qtbot, editor, Qt.Key.Key_Return)
    (note,) = editor.markup.marks
    assert isinstance(note, Note) and note.position.x() >= 0 and note.position.y() >= 0
    size = note_document(note.text, note.pixel_size).size()
    assert note.position.x() + size.width() <= 300 + 0.5 and note.position.y() + size.height() <= 80 + 0.5
    click(editor, (290, 10))  # wider than the picture: it starts at the left edge, cut on the right only
    qtbot.keyClicks(editor.canvas, "This text is longer than the whole picture is wide")
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.markup.marks[-1].position.x() == 0


def test_a_mark_drawn_later_never_tints_a_redaction(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(noise(480, 320))
    press(qtbot, editor, Qt.Key.Key_X)
    drag(editor, (60, 50), (260, 170))
    press(qtbot, editor, Qt.Key.Key_H)
    drag(editor, (40, 40), (300, 200))  # a highlight over the whole redaction, drawn after it
    press(qtbot, editor, Qt.Key.Key_R)
    drag(editor, (100, 80), (220, 140))  # and a frame inside it
    rendered = editor.rendered()
    assert {rgb(rendered, x, y) for y in range(55, 165, 5) for x in range(65, 255, 5)} == {(0, 0, 0)}
    assert rgb(rendered, 280, 190) != rgb(editor.markup.picture, 280, 190)  # the highlight is there elsewhere


def test_a_folder_that_refuses_the_file_is_named_beside_attach(qtbot, open_editor, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "out").write_text("a file where the folder should be", encoding="utf-8")
    editor = open_editor(flat(300, 200))
    drag(editor, (20, 20), (200, 150))
    attached: list[Path] = []
    editor.attached.connect(attached.append)
    QTest.mouseClick(editor.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=10_000)
    assert str(tmp_path / "out") in editor.error.text()
    assert editor.isVisible() and editor.attach_button.isEnabled() and attached == []
    assert len(editor.markup.marks) == 1  # the markup stays, to try again


def test_save_to_writes_the_rendered_picture(open_editor, tmp_path: Path) -> None:  # noqa: ANN001
    editor = open_editor(noise(101, 37))  # an odd width: Qt pads its rows, the PNG must not
    editor.markup.add(Redaction(QRect(10, 5, 20, 10)))
    path = editor.save_to(tmp_path / "shot.png")
    assert path == tmp_path / "shot.png"
    assert QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32) == editor.rendered()
    assert set(png_chunks(path)) <= {b"IHDR", b"IDAT", b"IEND"}


def test_screenshot_names_are_never_reused(tmp_path: Path) -> None:
    when = datetime(2026, 12, 5, 14, 30, 7)
    folder = tmp_path / "profile" / "screenshots"  # made when missing
    names = [reserve_screenshot_path(folder, when).name for _ in range(3)]
    assert names == ["screenshot-20261205-143007.png", "screenshot-20261205-143007-2.png",
                     "screenshot-20261205-143007-3.png"]


def test_undo_and_redo_take_back_and_bring_back_marks(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(noise(500, 300))
    before = editor.rendered()
    drag(editor, (50, 250), (300, 60))
    after = editor.rendered()
    assert after != before and editor.undo_action.isEnabled() and not editor.redo_action.isEnabled()
    control, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    press(qtbot, editor, Qt.Key.Key_Z, control)
    assert editor.rendered() == before and editor.redo_action.isEnabled()
    press(qtbot, editor, Qt.Key.Key_Z, control | shift)
    assert editor.rendered() == after
    press(qtbot, editor, Qt.Key.Key_Z, control)
    press(qtbot, editor, Qt.Key.Key_Y, control)
    assert editor.rendered() == after
    assert "arrow" in editor.undo_action.toolTip()


def test_crop_is_applied_with_enter_or_a_double_click_and_undone(qtbot, open_editor) -> None:  # noqa: ANN001
    original = noise(500, 340)
    editor = open_editor(original)
    press(qtbot, editor, Qt.Key.Key_C)
    drag(editor, (100, 80), (300, 230))
    keep = editor.canvas.crop_pending
    assert keep is not None and editor.rendered().size() == original.size()  # drawn, not applied
    assert "Enter" in editor.hint.text()
    press(qtbot, editor, Qt.Key.Key_Return)
    assert editor.isVisible()  # Enter cropped; it did not press Attach
    cropped = editor.rendered()
    assert cropped.size() == keep.size() and cropped == original.copy(keep)

    press(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.rendered() == original
    press(qtbot, editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert editor.rendered() == cropped

    drag(editor, (150, 100), (250, 200))  # within the crop: a second crop
    second = editor.canvas.crop_pending
    QTest.mouseDClick(editor.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      on_screen(editor, (200, 150)))
    assert editor.canvas.crop_pending is None and editor.rendered() == original.copy(second)

    drag(editor, (160, 110), (200, 150))
    press(qtbot, editor, Qt.Key.Key_Escape)  # drops the drawn crop, keeps the dialog
    assert editor.canvas.crop_pending is None and editor.isVisible()
    assert editor.rendered() == original.copy(second)


def test_zoom_changes_the_view_never_the_picture(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(noise(900, 600))
    canvas = editor.canvas
    fitted = canvas.zoom()
    assert canvas.is_fitting() and fitted <= 1
    drag(editor, (100, 100), (400, 300))
    before = editor.rendered()
    control = Qt.KeyboardModifier.ControlModifier
    for _ in range(3):
        press(qtbot, editor, Qt.Key.Key_Equal, control)
    assert canvas.zoom() == pytest.approx(fitted * 1.25 ** 3) and not canvas.is_fitting()
    assert editor.zoom_label.text() == f"{round(canvas.zoom() * 100)}%"
    assert editor.rendered() == before
    press(qtbot, editor, Qt.Key.Key_1, control)
    assert canvas.zoom() == 1
    wheel = QWheelEvent(QPointF(50, 50), canvas.viewport().mapToGlobal(QPointF(50, 50)), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, control, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom() == pytest.approx(1.25 ** 2)
    press(qtbot, editor, Qt.Key.Key_Minus, control)
    assert canvas.zoom() == pytest.approx(1.25)

    canvas.centerOn(600, 225)
    assert canvas.viewport().rect().contains(on_screen(editor, (500, 200)))
    drag(editor, (500, 200), (700, 250))  # drawn zoomed in: kept in the picture's pixels
    arrow = editor.markup.marks[-1]
    assert (arrow.start - QPointF(500, 200)).manhattanLength() < 1.5
    assert (arrow.end - QPointF(700, 250)).manhattanLength() < 1.5
    zoomed = editor.rendered()
    press(qtbot, editor, Qt.Key.Key_0, control)
    assert canvas.is_fitting() and canvas.zoom() == pytest.approx(fitted)
    assert editor.rendered() == zoomed and zoomed.size() == before.size()


def answer_next_question(button: QMessageBox.StandardButton) -> list[str]:
    """Press `button` in the next message box once it shows; the list gets its text."""
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    return seen


def test_cancel_asks_only_when_there_is_markup(qtbot, open_editor, tmp_path: Path) -> None:  # noqa: ANN001
    editor = open_editor(flat(300, 200))
    QTest.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)  # nothing to lose: no question
    assert not editor.isVisible() and editor.result() == QDialog.DialogCode.Rejected

    editor = open_editor(flat(300, 200))
    attached: list[Path] = []
    editor.attached.connect(attached.append)
    drag(editor, (20, 20), (200, 150))
    asked = answer_next_question(QMessageBox.StandardButton.No)
    QTest.mouseClick(editor.cancel_button, Qt.MouseButton.LeftButton)
    assert asked == ["Discard your markup?"]
    assert editor.isVisible() and len(editor.markup.marks) == 1  # still editing, nothing lost

    asked = answer_next_question(QMessageBox.StandardButton.Yes)
    press(qtbot, editor, Qt.Key.Key_Escape)
    assert asked == ["Discard your markup?"] and not editor.isVisible()
    assert editor.result() == QDialog.DialogCode.Rejected and attached == []
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_large_capture_opens_fitted_within_the_screen(open_editor) -> None:  # noqa: ANN001
    editor = open_editor(noise(3840, 2160, block=16))
    available = editor.screen().availableGeometry()
    assert available.contains(editor.frameGeometry()) or editor.size().boundedTo(available.size()) == editor.size()
    assert editor.width() <= 1280 and editor.height() <= 860
    canvas = editor.canvas
    assert canvas.zoom() < 0.5
    shown = canvas.mapFromScene(QRect(0, 0, 3840, 2160)).boundingRect()
    assert canvas.viewport().rect().adjusted(-1, -1, 1, 1).contains(shown)
    assert editor.rendered().size() == QImage(3840, 2160, QImage.Format.Format_RGB32).size()
    for action in editor.tool_actions.values():  # every tool shows on the toolbar, none in its overflow menu
        assert editor.toolbar.widgetForAction(action).isVisible()


def test_every_control_is_named_and_each_tool_has_its_key(qtbot, open_editor) -> None:  # noqa: ANN001
    editor = open_editor(flat(300, 200))
    unnamed = [button for button in editor.findChildren(QAbstractButton)
               if button.isVisible() and not (button.accessibleName() or button.text().replace("&", ""))]
    assert not unnamed
    keys = {Tool.ARROW: "A", Tool.RECTANGLE: "R", Tool.TEXT: "T", Tool.HIGHLIGHT: "H", Tool.CROP: "C",
            Tool.REDACT: "X"}
    for tool, key in keys.items():
        action = editor.tool_actions[tool]
        assert action.shortcut().toString() == key and f"({key})" in action.toolTip()
        assert editor.toolbar.widgetForAction(action).accessibleName() == action.text()
    assert [editor.toolbar.widgetForAction(a).accessibleName() for a in editor.colour_actions.values()] == [
        "Red", "Blue", "Green", "Black", "White"]
    assert editor.zoom_label.text() in editor.zoom_label.accessibleName()
    press(qtbot, editor, Qt.Key.Key_X)
    assert editor.canvas.accessibleDescription() == editor.hint.text() and "black" in editor.hint.text()


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[None]:
    before, style = QPalette(qapp.palette()), qapp.style().name()
    theme.apply_scheme(qapp, "dark")
    yield
    qapp.setStyle(style)
    qapp.setPalette(before)


def test_screenshots_of_each_tool(qtbot, open_editor, screenshot) -> None:  # noqa: ANN001
    editor = open_editor(sample_screen())
    editor.resize(1280, 720)
    qtbot.waitUntil(lambda: editor.canvas.is_fitting() and editor.width() == 1280)
    drag(editor, (980, 300), (760, 440))
    screenshot(editor, "editor-arrow")
    press(qtbot, editor, Qt.Key.Key_R)
    drag(editor, (30, 420), (750, 484))
    screenshot(editor, "editor-rectangle")
    press(qtbot, editor, Qt.Key.Key_T)
    click(editor, (780, 520))
    qtbot.keyClicks(editor.canvas, "Since Monday")
    screenshot(editor, "editor-text-typing")
    press(qtbot, editor, Qt.Key.Key_Return)
    screenshot(editor, "editor-text")
    press(qtbot, editor, Qt.Key.Key_H)
    drag(editor, (222, 254), (520, 281))
    screenshot(editor, "editor-highlighter")
    press(qtbot, editor, Qt.Key.Key_X)
    drag(editor, (222, 194), (738, 228))
    drag(editor, (222, 140), (738, 174))
    screenshot(editor, "editor-redact")
    press(qtbot, editor, Qt.Key.Key_C)
    drag(editor, (10, 70), (1000, 560))
    screenshot(editor, "editor-crop-in-progress")
    press(qtbot, editor, Qt.Key.Key_Return)
    screenshot(editor, "editor-cropped")
    for _ in range(4):
        press(qtbot, editor, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    editor.canvas.centerOn(820, 470)
    screenshot(editor, "editor-zoomed")


def test_screenshot_in_the_dark_theme(qtbot, dark, open_editor, screenshot) -> None:  # noqa: ANN001
    editor = open_editor(sample_screen())
    editor.resize(1280, 720)
    qtbot.waitUntil(lambda: editor.width() == 1280)
    drag(editor, (980, 300), (760, 440))
    press(qtbot, editor, Qt.Key.Key_X)
    drag(editor, (222, 140), (738, 174))
    press(qtbot, editor, Qt.Key.Key_T)
    click(editor, (780, 520))
    qtbot.keyClicks(editor.canvas, "Since Monday")
    screenshot(editor, "editor-dark")
    assert theme.is_dark(editor.palette())
