"""The window and every dialog in a pseudo language: each text a user sees or hears (labels,
buttons, menus and actions, titles, tabs, tooltips, placeholders, accessible names, the list's
headers and cells, combo items) must come through the catalog, so a German or French catalog
reaches all of it. Data (case subjects, names, numbers, dates the test put in) is recognised as
such; Qt's own standard button texts come from Qt's catalogs, not ours."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QTabBar,
    QTableView,
    QTabWidget,
    QTextEdit,
    QTreeWidget,
    QWidget,
)

from casedesktop import i18n
from casedesktop.domain import Action, Role
from casedesktop.store import local_changes
from casedesktop.store.attachments import prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.reference import Reference
from casedesktop.ui.session import ProfileSession
from testkit.pseudo_locale import PSEUDO, compile_pseudo, leftover

pytestmark = pytest.mark.gui

CUSTOMER = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield",
                    Role.CUSTOMER)
SUBJECT = "Payroll export stops halfway"
DESCRIPTION = "Export payroll for March; it stops at row 812."
REPLY = "Here is the log you asked for."
REFUSAL = "Replies are closed on this case."  # the server's reason: data
NOTICE = "CS-1002 moved on while your reply waited."  # a notice's text, stored as it was written
FILE_NAME = "export-log.txt"
T0 = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
# What the seeded cases hold: data, shown as it is in every language.
PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll", "Inventory")
ACCOUNTS = ("Northwind Traders", "Contoso")
PEOPLE = ("Dana Whitfield", "Alex Moreno", "dana@northwind.example")


@pytest.fixture(scope="module")
def localedir(tmp_path_factory) -> Path:
    return compile_pseudo(tmp_path_factory.mktemp("locale"))


@pytest.fixture
def pseudo_language(localedir):
    assert i18n.install(PSEUDO, localedir) == PSEUDO
    yield
    i18n.install("C")  # the next test (and a server started in this process) gets English


@pytest.fixture
def db(profile_dir):
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


def seed(db, profile_dir: Path) -> list[str]:  # noqa: ANN001 - a CacheDB
    """A dozen synced cases in every status and severity, plus one made here: unsent, with a file
    and a reply. Returns the data the window may show as it is."""
    from sqlalchemy import insert, select

    from casedesktop.store import conflicts
    from casedesktop.store.models import CaseRow, OutboxOp

    statuses = ("new", "open", "pending_customer", "on_hold", "resolved", "closed", "merged")
    severities = ("critical", "urgent", "standard", "low")
    rows, data = [], [SUBJECT, DESCRIPTION, REPLY, REFUSAL, NOTICE, FILE_NAME, *PRODUCTS, *ACCOUNTS, *PEOPLE]
    for i in range(14):
        n = 1001 + i
        subject = f"Case {n} about {PRODUCTS[i % 4]}"
        created, updated = T0 + timedelta(hours=i), T0 + timedelta(hours=i, minutes=30)
        rows.append({
            "id": str(uuid.UUID(int=n)), "number": f"CS-{n}", "subject": subject, "description": f"Steps for {n}.",
            "status": statuses[i % 7], "severity": severities[i % 4], "product": PRODUCTS[i % 4],
            "account_name": ACCOUNTS[i % 2], "account_id": None, "reported_by_name": PEOPLE[0],
            "owner_name": PEOPLE[1] if i % 2 else "", "escalated": i == 3, "close_requested": i == 1,
            "resolution_summary": "", "resolution_root_cause": "", "resolution_type": "", "unread": i == 2,
            "created_at": created, "updated_at": updated,
        })
        data += [f"CS-{n}", subject, f"Steps for {n}."]
    with db.transaction() as session:
        session.execute(insert(CaseRow), rows)
    log = profile_dir / FILE_NAME
    log.write_text("row 812: stopped\n" * 100, encoding="utf-8")
    files = prepare_files(BlobStore(profile_dir), [log])
    case_id, _changes = local_changes.create_case(db, CUSTOMER, subject=SUBJECT, description=DESCRIPTION,
                                                  severity="urgent", product=PRODUCTS[2], files=files)
    comment_id, _changes = local_changes.add_comment(db, CUSTOMER, case_id, REPLY)
    with db.transaction() as session:  # the server refused the reply; a notice about another case
        op = session.scalars(select(OutboxOp).where(OutboxOp.op_id == comment_id)).one()
        op.state, op.last_error = "failed", REFUSAL
        conflicts.add_notice(session, str(uuid.UUID(int=1002)), None, conflicts.NoticeKind.MOVED_ON, NOTICE, REPLY)
    return data


def dates_of(db) -> list[str]:  # noqa: ANN001 - a CacheDB
    """Every time the cache holds, as the pseudo language writes it (dates are data)."""
    from sqlalchemy import text

    with db.reading() as session:
        values = [v for table, columns in (("cases", "created_at, updated_at"), ("comments", "created_at"),
                                           ("activity", "created_at"), ("attachments", "created_at"))
                  for row in session.execute(text(f"SELECT {columns} FROM {table}")) for v in row]
    moments = [datetime.fromisoformat(str(v)).replace(tzinfo=UTC) for v in values if v is not None]
    return [i18n.format_datetime(m) for m in moments] + [i18n.format_time(m) for m in moments]


QT_TAB_BAR_BUTTONS = {"ScrollLeftButton", "ScrollRightButton"}  # a tab bar's scroll arrows


def _standard_texts() -> set[str]:
    """The texts Qt gives its standard buttons (OK, Cancel, Close...): Qt's catalogs translate them."""
    texts = set()
    for name in dir(QDialogButtonBox.StandardButton):
        value = getattr(QDialogButtonBox.StandardButton, name)
        if isinstance(value, QDialogButtonBox.StandardButton) and value != QDialogButtonBox.StandardButton.NoButton:
            box = QDialogButtonBox(value)
            button = box.button(value)
            if button is not None:
                texts.add(button.text())
            box.deleteLater()
    return texts


def texts_of(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for each text `root` and everything in it shows or says."""
    found: list[tuple[str, str]] = []
    standard = _standard_texts()

    def add(where: str, text: str) -> None:
        if text:
            found.append((where, text))

    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget.objectName().startswith("qt_") or not (widget.isVisibleTo(root) or widget is root):
            continue  # Qt's private parts, and what is not shown
        if isinstance(widget.parent(), QTabBar) and widget.objectName() in QT_TAB_BAR_BUTTONS:
            continue  # Qt names them in its own catalog
        where = f"{type(widget).__name__} {widget.objectName() or ''}".strip()
        if widget.isWindow():
            add(f"{where} title", widget.windowTitle())
        add(f"{where} tooltip", widget.toolTip())
        add(f"{where} status tip", widget.statusTip())
        add(f"{where} accessible name", widget.accessibleName())
        add(f"{where} accessible description", widget.accessibleDescription())
        if isinstance(widget, QAbstractButton):
            box = widget.parent()
            qt_text = isinstance(box, QDialogButtonBox) and box.standardButton(widget) != QDialogButtonBox.StandardButton.NoButton \
                and widget.text() in standard
            if not qt_text:
                add(f"{where} text", widget.text())
        if isinstance(widget, QLabel):
            add(f"{where} text", re.sub(r"<[^>]+>", " ", widget.text()))
        if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
            add(f"{where} placeholder", widget.placeholderText())
        if isinstance(widget, QTextEdit) and widget.isReadOnly():
            add(f"{where} text", widget.toPlainText())
        if isinstance(widget, QGroupBox):
            add(f"{where} title", widget.title())
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                add(f"{where} item {i}", widget.itemText(i))
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                add(f"{where} tab {i}", widget.tabText(i))
                add(f"{where} tab {i} tooltip", widget.tabToolTip(i))
        if isinstance(widget, QTabBar) and not isinstance(widget.parent(), QTabWidget):
            for i in range(widget.count()):
                add(f"{where} tab {i}", widget.tabText(i))
                add(f"{where} tab {i} tooltip", widget.tabToolTip(i))
        if isinstance(widget, QProgressBar):
            add(f"{where} format", widget.format())
        if isinstance(widget, QListWidget):
            for i in range(widget.count()):
                add(f"{where} item {i}", widget.item(i).text())
                add(f"{where} item {i} tooltip", widget.item(i).toolTip())
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            for column in range(widget.columnCount()):
                add(f"{where} header {column}", header.text(column))
            for i in range(widget.topLevelItemCount()):
                for column in range(widget.columnCount()):
                    add(f"{where} row {i}", widget.topLevelItem(i).text(column))
        elif isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            columns = model.columnCount(QModelIndex())
            for column in range(columns):
                add(f"{where} header {column}", str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
            for row in range(min(model.rowCount(QModelIndex()), 30)):
                for column in range(columns):
                    index = model.index(row, column)
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                 Qt.ItemDataRole.AccessibleTextRole):
                        value = index.data(role)
                        if isinstance(value, str):
                            add(f"{where} cell {row},{column}", value)
        if isinstance(widget, QMenu):
            add(f"{where} title", widget.title())
    for action in root.findChildren(QAction):
        if action.isSeparator():
            continue
        add(f"action {action.text()!r}", action.text())
        add(f"action {action.text()!r} tooltip", action.toolTip())
        add(f"action {action.text()!r} status tip", action.statusTip())
        if action.menu() is not None:
            add(f"menu {action.text()!r}", action.menu().title())
    return found


def escaped(root: QWidget, data: list[str]) -> list[tuple[str, str]]:
    """The texts with words outside the pseudo brackets that are not data: they escaped `_`."""
    def spaced(text: str) -> str:  # a text view gives CLDR's narrow and no-break spaces as spaces
        return text.replace("\u202f", " ").replace("\xa0", " ")

    problems = []
    for where, text in texts_of(root):
        rest = spaced(leftover(text))
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(spaced(value), " ")
        if re.search(r"[A-Za-z]{2,}", rest):
            problems.append((where, text))
    return problems


@pytest.fixture
def window(qtbot, pseudo_language, db, profile_dir):
    from casedesktop.ui.mainwindow.window import MainWindow

    data = seed(db, profile_dir)
    main = MainWindow(ProfileSession.offline(db, CUSTOMER))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: main.model.rowCount() == 15, timeout=10_000)
    data += dates_of(db) + ["CaseDesktop", CUSTOMER.server_url, "http", "127.0.0.1:9"]
    main.data = data
    return main


def test_the_main_window_speaks_the_pseudo_language(qtbot, window) -> None:
    assert window.tabs.tabText(0).startswith("⟦")
    window.select_case(str(uuid.UUID(int=1004)))  # an escalated case: more buttons and flags
    qtbot.waitUntil(lambda: window.detail.case_id == str(uuid.UUID(int=1004)))
    assert escaped(window, window.data) == []
    mine = window.model.case_id_at(0)  # the case made here: unsent, with a file and a reply
    window.select_case(mine)
    qtbot.waitUntil(lambda: window.detail.case_id == mine)
    for i in range(window.detail.tabs.count()):
        window.detail.tabs.setCurrentIndex(i)
        assert escaped(window, window.data) == [], window.detail.tabs.tabText(i)


def test_every_dialog_speaks_the_pseudo_language(qtbot, window, profile_dir) -> None:
    from casedesktop.sync.credentials import TokenStore
    from casedesktop.ui.dialogs.about import AboutDialog
    from casedesktop.ui.dialogs.changes import ChangesDialog
    from casedesktop.ui.dialogs.failed_changes import FailedChangesDialog
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.dialogs.reason import ReasonDialog
    from casedesktop.ui.dialogs.sign_in import SignInDialog
    from casedesktop.ui.dialogs.survey import SurveyDialog
    from casedesktop.ui.recording.controls import Countdown, RecordingControlBar

    session = window.session
    dialogs = [
        NewCaseDialog(session, Reference(), window),
        SignInDialog(session.db, TokenStore(f"profile:{profile_dir}"), CUSTOMER.server_url, CUSTOMER.email, window),
        *(ReasonDialog(action, True, window) for action in (Action.ESCALATE, Action.REJECT, Action.REOPEN,
                                                             Action.RESOLVE, Action.CLOSE)),
        SurveyDialog(window),
        ChangesDialog(session.db, window),
        FailedChangesDialog(session.db, window),
        AboutDialog(profile_dir, CUSTOMER.server_url, window),
        RecordingControlBar(600, 40 * 1024 * 1024),
        Countdown(3),
    ]
    data = [*window.data, str(profile_dir), "GPL", "Python", "Qt", "REC"]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.windowTitle().startswith("⟦") or not dialog.isWindow() or dialog.windowTitle() == "", dialog
        assert escaped(dialog, data) == [], type(dialog).__name__
        dialog.close()


def test_the_recording_dialogs_speak_the_pseudo_language(qtbot, window, tmp_path) -> None:
    import av
    import numpy as np

    from casedesktop.recording import RecordingResult
    from casedesktop.ui.recording.flow import TargetDialog
    from casedesktop.ui.recording.preview import RecordingPreview

    video = tmp_path / "recording.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    result = RecordingResult(path=video, duration_s=0.5, frames_encoded=5, frames_dropped=2,
                             frames_dropped_late=0, bytes=video.stat().st_size, width=64, height=48,
                             stop_reason="size_limit", error=None)
    target = TargetDialog(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), window)
    preview = RecordingPreview(result, window)
    for dialog in (target, preview):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert escaped(dialog, [*window.data, "mp4"]) == [], type(dialog).__name__
        dialog.close()


def test_an_untranslated_string_is_caught(qtbot, window) -> None:
    """The check itself: a label someone forgot to mark shows up by where it is."""
    stray = QLabel("Forgot to mark this", window.detail)
    stray.show()
    assert [where for where, text in escaped(window, window.data) if text == "Forgot to mark this"]
    stray.deleteLater()
