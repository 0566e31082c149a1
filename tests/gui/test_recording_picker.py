"""The area picker on Xvfb, which has no compositor: it shows a still picture of the screen under a
veil (not black), the chosen area undimmed with its size, resizes by its handles, moves by keys,
records on Enter and cancels on Escape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from casedesktop.recording import Rect
from casedesktop.ui.recording.region_picker import RegionPicker

YELLOW = QColor(255, 200, 0)
PAINTED = QRect(100, 100, 400, 300)  # where the yellow window is, screen coordinates


@pytest.fixture
def yellow_window(qtbot) -> Iterator[QWidget]:  # noqa: ANN001
    """Something on the screen to photograph (Xvfb's own background is black)."""
    painted = QWidget(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    painted.setStyleSheet(f"background: {YELLOW.name()};")
    painted.setGeometry(PAINTED)
    qtbot.addWidget(painted)
    painted.show()
    qtbot.waitExposed(painted)
    qtbot.waitUntil(lambda: screen_image().pixelColor(300, 250) == YELLOW, timeout=3000)
    yield painted


def screen_image() -> QImage:
    return QGuiApplication.primaryScreen().grabWindow(0).toImage()


def open_picker(qtbot) -> RegionPicker:  # noqa: ANN001
    picker = RegionPicker(QGuiApplication.primaryScreen())
    qtbot.addWidget(picker)
    picker.start()
    qtbot.waitExposed(picker)
    return picker


def is_dimmed(colour: QColor, original: QColor) -> bool:
    """Darker than the original, but still its hue: a veil over it, not black."""
    return (original.red() * 0.3 < colour.red() < original.red() - 40
            and original.green() * 0.3 < colour.green() < original.green() - 30
            and colour.blue() <= original.blue() + 10)


def test_the_picker_shows_the_screen_frozen_and_dimmed_without_a_compositor(qtbot, yellow_window) -> None:  # noqa: ANN001
    picker = open_picker(qtbot)
    yellow_window.hide()  # the picture was taken before: it still shows the window
    drawn = picker.grab().toImage()
    colours = {drawn.pixel(x, y) for x in range(0, drawn.width(), 37) for y in range(0, drawn.height(), 37)}
    assert any(max(QColor(c).getRgb()[:3]) > 60 for c in colours), "the picker is black"
    assert is_dimmed(drawn.pixelColor(300, 250), YELLOW), drawn.pixelColor(300, 250).getRgb()
    # And on the real screen (no compositor: the window is opaque, and what it paints is what shows).
    qtbot.waitUntil(lambda: is_dimmed(screen_image().pixelColor(300, 250), YELLOW), timeout=3000)


def test_the_chosen_area_is_undimmed_with_its_size_and_enter_records_it(qtbot, yellow_window) -> None:  # noqa: ANN001
    picker = open_picker(qtbot)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(250, 200))
    qtbot.mouseMove(picker, QPoint(350, 300))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(449, 349))
    assert picker.isVisible()  # releasing leaves the area to adjust
    drawn = picker.grab().toImage()
    assert drawn.pixelColor(300, 250) == YELLOW  # inside the area: as on the screen
    assert is_dimmed(drawn.pixelColor(150, 150), YELLOW)  # the same window outside it: veiled
    assert picker.size_text() == "200×150"

    # The bottom-right handle resizes; a drag inside moves it; arrows move it too.
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(449, 349))
    qtbot.mouseMove(picker, QPoint(500, 380))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(509, 389))
    assert picker.size_text() == "260×190"
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(300, 300))
    qtbot.mouseMove(picker, QPoint(290, 290))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(280, 280))
    qtbot.keyClick(picker, Qt.Key.Key_Right)
    assert picker.selection.topLeft() == QPoint(231, 180)

    with qtbot.waitSignal(picker.picked, timeout=1000) as picked:
        qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert picked.args == [Rect(231, 180, 260, 190)]
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=1000)


def test_escape_cancels_and_a_click_is_not_an_area(qtbot) -> None:  # noqa: ANN001
    picker = open_picker(qtbot)
    picked: list[Rect] = []
    picker.picked.connect(picked.append)
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert picked == [] and picker.isVisible()  # nothing drawn: Enter waits for an area
    with qtbot.waitSignal(picker.cancelled, timeout=1000):
        qtbot.keyClick(picker, Qt.Key.Key_Escape)
    assert not picker.isVisible() and picked == []


def test_the_picker_covers_the_screen_it_is_given(qtbot) -> None:  # noqa: ANN001
    screen = QGuiApplication.primaryScreen()
    picker = open_picker(qtbot)
    assert picker.geometry() == screen.geometry()
    assert picker.picture.size() == screen.geometry().size() * screen.devicePixelRatio()


def test_a_private_area_is_drawn_over_the_open_target_dialog(qtbot, tmp_path) -> None:  # noqa: ANN001
    from PySide6.QtCore import QSettings

    from casedesktop.ui.recording.flow import TargetDialog

    dialog = TargetDialog(QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    dialog.open()  # modal, as while the user chooses what to record
    qtbot.waitExposed(dialog)
    dialog.privacy_button.click()
    picker = dialog._picker
    qtbot.waitExposed(picker)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    qtbot.mouseMove(picker, QPoint(100, 100))
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(139, 89))
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert dialog.private_areas == [Rect(40, 40, 100, 50)]
    assert dialog.privacy_label.text() == "1 area blacked out"
