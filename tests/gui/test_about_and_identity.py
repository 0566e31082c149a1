"""The app's identity in the window: its icon from the SVG, the desktop file name, the About box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog

from casedesktop import APP_ID, __version__
from casedesktop.ui.dialogs.about import AboutDialog
from casedesktop.ui.main import application
from casedesktop.ui.mainwindow.window import app_icon


def test_application_carries_the_app_id_and_icon(qapp) -> None:  # noqa: ANN001
    app = application()
    assert app is QApplication.instance()
    assert app.desktopFileName() == APP_ID
    assert app.applicationVersion() == __version__
    icon = app_icon()
    assert not icon.isNull()
    image = icon.pixmap(64, 64).toImage()
    assert image.width() == 64
    assert image.pixelColor(32, 32).alpha() == 255 and image.pixelColor(0, 0).alpha() == 0
    assert not app.windowIcon().isNull()


def test_about_shows_version_and_opens_the_licence(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    application()
    dialog = AboutDialog(tmp_path, "https://support.example.com/<b>x</b>")
    qtbot.addWidget(dialog)
    dialog.show()
    assert __version__ in dialog.text.text()
    assert not dialog.icon.pixmap().isNull()
    assert "<b>x</b>" in dialog.where.text()  # shown as text, not interpreted
    assert dialog.licence_button.isEnabled()
    dialog.licence_button.click()
    viewer = next(w for w in dialog.findChildren(QDialog) if w.isVisible())
    assert "GNU GENERAL PUBLIC LICENSE" in viewer.text.toPlainText() and "licence" in viewer.windowTitle()
    # The third-party notices are generated into a bundle; a source checkout has none.
    assert dialog.notices_button.isEnabled() is (dialog.notices_button.toolTip() == "")


def test_first_start_size_fits_the_screen() -> None:
    from PySide6.QtCore import QRect, QSize

    from casedesktop.ui.mainwindow.placement import ASSUMED_FRAME, default_geometry

    large = QRect(0, 0, 1920, 1040)
    assert default_geometry(large).size() == QSize(1360, 820)
    small = QRect(0, 27, 1366, 741)  # 1366x768 with a panel at the top
    placed = default_geometry(small)
    assert small.contains(placed.marginsAdded(ASSUMED_FRAME))  # title bar and frame included
    assert placed.width() >= 1300 and placed.height() >= 680  # the room there is, used
