"""Help > Keyboard shortcuts: Ctrl+/ opens a list of every command's keys, made from the window's
actions (a command added later shows up without anyone writing it in), and About stays in Help."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from casedesktop.ui.dialogs.shortcuts import ShortcutsDialog


def _rows(dialog: ShortcutsDialog) -> dict[str, str]:
    table = dialog.table
    return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


def test_ctrl_slash_lists_every_command_with_its_keys(qtbot, offline_window) -> None:  # noqa: ANN001
    window = offline_window()
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ShortcutsDialog)), timeout=3000)
    dialog = next(d for d in window.findChildren(ShortcutsDialog) if d.isVisible())
    assert dialog.windowTitle() == "Keyboard shortcuts"
    rows = _rows(dialog)
    commands = window.commands.commands()
    assert len(rows) == len(commands)  # every command, none written in by hand
    native = QKeySequence.SequenceFormat.NativeText
    assert rows["Record screen"] == QKeySequence("Ctrl+Shift+R").toString(native)
    assert rows["Changes"] == QKeySequence("Ctrl+Shift+C").toString(native)
    assert rows["Keyboard shortcuts"] == QKeySequence("Ctrl+/").toString(native)
    assert "About CaseDesktop" in rows and "&" not in "".join(rows)
    dialog.close()


def test_help_menu_keeps_about_next_to_the_shortcuts(qtbot, offline_window) -> None:  # noqa: ANN001
    window = offline_window()
    texts = [a.text() for a in window.help_menu.actions() if isinstance(a, QAction) and a.text()]
    assert texts[:2] == ["&Keyboard shortcuts", "&About CaseDesktop"]
    assert not window.commands.about.shortcuts()[0].isEmpty()  # F1 (or the platform's help key)
    window.commands.shortcuts.trigger()
    QApplication.processEvents()
    dialogs = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    assert dialogs
    for dialog in dialogs:
        dialog.close()
