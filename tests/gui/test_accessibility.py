"""What a screen reader gets from the window and each dialog, read through Qt's accessibility
interface (`QAccessible`, what AT-SPI hands to Orca), and where Tab takes the keyboard.

Each visible control is checked as Orca would read it: an actionable control needs a name of its
own (a combo box is not known by its current value alone), a name never carries a glyph that
gets read aloud ("black circle Record screen"), and a label's visible text reaches the
accessible text (a value label named after its field hides the value).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QRadioButton,
    QWidget,
)

from casedesktop.domain import Action
from casedesktop.ui.mainwindow.window import MainWindow
from tests.support import seed_cases

R = QAccessible.Role
ACTIONABLE = {R.Button, R.CheckBox, R.RadioButton, R.ComboBox, R.EditableText, R.SpinBox, R.Slider,
              R.ButtonMenu, R.ButtonDropDown, R.Link, R.PageTab, R.Table, R.List, R.Tree}


def glyphs(text: str) -> str:
    """The characters of `text` a screen reader reads out as symbols: arrows, bullets, shapes."""
    return "".join(ch for ch in text if unicodedata.category(ch) == "So" or 0x2190 <= ord(ch) <= 0x21FF
                   or ch in "•●■▶◀▲▼←→")


def visible_nodes(root: QAccessibleInterface, depth: int = 0) -> Iterator[QAccessibleInterface]:
    """The interfaces under `root` a user can see (a hidden subtree is skipped whole)."""
    if depth > 40:
        return
    for index in range(root.childCount()):
        child = root.child(index)
        if child is None or not child.isValid() or child.state().invisible:
            continue
        yield child
        if child.role() not in (R.Table, R.List, R.Tree, R.ComboBox):  # their items are data, read with them
            yield from visible_nodes(child, depth + 1)


def describe(node: QAccessibleInterface) -> str:
    widget = node.object()
    return f"{node.role().name} {type(widget).__name__} objectName={widget.objectName()!r}"


def problems_of(top: QWidget) -> list[str]:
    """What Orca would get wrong in `top` (a shown window or dialog)."""
    found = []
    root = QAccessible.queryAccessibleInterface(top)
    assert root is not None and root.childCount() > 0, top
    for node in visible_nodes(root):
        name = node.text(QAccessible.Text.Name).strip()
        value = node.text(QAccessible.Text.Value).strip()
        description = node.text(QAccessible.Text.Description).strip()
        role = node.role()
        if role in ACTIONABLE and not name:
            found.append(f"unnamed: {describe(node)} (value {value!r})")
        if role is R.ComboBox and name and name == value and not isinstance(node.object(), QLabel):
            widget = node.object()
            if not widget.accessibleName():
                found.append(f"combo box known only by its value {value!r}: {describe(node)}")
        if glyphs(name):
            found.append(f"glyph {glyphs(name)!r} in the name {name!r}: {describe(node)}")
        widget = node.object()
        if isinstance(widget, QLabel) and role is R.StaticText and widget.text().strip():
            shown = widget.text().replace("&", "").strip()
            if widget.textFormat() != Qt.TextFormat.PlainText and "<" in shown:
                continue  # rich text: Qt hands its plain text over as the name itself
            if shown not in f"{name} {value} {description}":
                found.append(f"label text {shown!r} does not reach the reader (name {name!r}): {describe(node)}")
    return found


@pytest.fixture
def window(db, offline_window, bank_feed_case) -> MainWindow:  # noqa: ANN001
    seed_cases(db, 12)
    case_id = bank_feed_case(1005)
    main = offline_window(size=(1360, 740))
    main.select_case(case_id)
    return main


def test_every_control_of_the_main_window_reads_right(qtbot, window: MainWindow) -> None:
    problems = []
    for index in range(window.detail.tabs.count()):
        window.detail.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        problems += problems_of(window)
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def dialogs(window: MainWindow) -> Iterator[tuple[str, QWidget]]:
    from casedesktop.ui.dialogs.about import AboutDialog
    from casedesktop.ui.dialogs.changes import ChangesDialog
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.dialogs.reason import ReasonDialog
    from casedesktop.ui.dialogs.sign_in import SignInDialog
    from casedesktop.ui.dialogs.survey import SurveyDialog

    yield "new case", NewCaseDialog(window.session, parent=window)
    yield "reopen reason", ReasonDialog(Action.REOPEN, required=True, parent=window)
    yield "survey", SurveyDialog(window)
    yield "changes", ChangesDialog(window.session.db, window)
    yield "about", AboutDialog(window.profile_dir, window.session.identity.server_url, window)
    yield "sign in", SignInDialog(window.session.db, None, "https://support.example.com", "dana@northwind.example")
    from casedesktop.ui.dialogs.settings import SettingsDialog

    yield "settings", SettingsDialog(None, window, settings=window.settings, profile_dir=window.profile_dir)


def test_every_control_of_each_dialog_reads_right(qtbot, window: MainWindow) -> None:
    problems = []
    for name, dialog in dialogs(window):
        dialog.show()
        qtbot.waitExposed(dialog)
        problems += [f"{name}: {p}" for p in problems_of(dialog)]
        dialog.close()
        dialog.deleteLater()
    assert not problems, "\n".join(problems)


# --- Tab ---------------------------------------------------------------------------------------

def tab_stops(top: QWidget) -> set[QWidget]:
    """The widgets of `top` that Tab should reach: shown, enabled, taking focus by Tab. Of a group
    of exclusive radio buttons only the first stands for the group (arrows move within it)."""
    stops = {w for w in top.findChildren(QWidget)
             if w.isVisibleTo(top) and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
             and w.window() is top and w.width() > 0
             and not isinstance(w.parent(), QComboBox)}  # an editable combo box's own line edit
    stops = {w.focusProxy() or w for w in stops}  # a tab widget takes focus on its tab bar
    radios = [w for w in stops if isinstance(w, QRadioButton) and w.autoExclusive()]
    for radio in radios:
        group = [r for r in radios if r.parent() is radio.parent()]
        if radio is not group[0]:
            stops.discard(radio)
    return stops


def reached(stop: QWidget, seen: list[QWidget]) -> bool:
    if stop in seen:
        return True
    if isinstance(stop, QRadioButton) and stop.autoExclusive():
        return any(isinstance(w, QRadioButton) and w.parent() is stop.parent() for w in seen)
    return False


def label(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__} {widget.accessibleName() or text or widget.objectName()!r}"


def walk_tab(qtbot, top: QWidget, start: QWidget, presses: int, key=Qt.Key.Key_Tab) -> list[QWidget]:  # noqa: ANN001
    top.activateWindow()
    qtbot.waitUntil(top.isActiveWindow)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    seen = [QApplication.focusWidget()]
    for _ in range(presses):
        qtbot.keyClick(QApplication.focusWidget(), key)
        seen.append(QApplication.focusWidget())
    return seen


def test_tab_walks_the_whole_main_window_and_never_sticks(qtbot, window: MainWindow) -> None:
    window.detail.tabs.setCurrentIndex(1)  # the conversation and its reply box
    qtbot.wait(20)
    stops = tab_stops(window)
    selected = window.detail.case_id
    seen = walk_tab(qtbot, window, window.table, 3 * len(stops) + 10)
    stuck = [w for w, n in zip(seen, seen[1:], strict=False) if w is n]
    assert not stuck, f"Tab stayed on {label(stuck[0])}"
    never = {w for w in stops if not reached(w, seen) and not isinstance(w.parent(), QAbstractButton)}
    names = sorted(label(w) for w in never)
    assert not never, "Tab never reaches: " + ", ".join(names)
    assert window.detail.case_id == selected, "Tab changed the selected case"
    back = walk_tab(qtbot, window, window.table, 3 * len(stops) + 10, Qt.Key.Key_Backtab)
    assert len(set(back)) > len(stops) // 2  # Shift+Tab walks too


def test_tab_walks_each_dialog(qtbot, window: MainWindow) -> None:
    problems = []
    for name, dialog in dialogs(window):
        dialog.show()
        qtbot.waitExposed(dialog)
        stops = tab_stops(dialog)
        if stops:
            first = sorted(stops, key=lambda w: (w.mapTo(dialog, w.rect().topLeft()).y(), w.mapTo(dialog, w.rect().topLeft()).x()))[0]
            seen = walk_tab(qtbot, dialog, first, 2 * len(stops) + 4)
            missed = [w for w in stops if not reached(w, seen)]
            if missed:
                problems.append(f"{name}: Tab never reaches " + ", ".join(label(w) for w in missed))
        dialog.close()
        dialog.deleteLater()
    assert not problems, "\n".join(problems)
