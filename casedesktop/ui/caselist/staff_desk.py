"""What the window adds for support staff around the list: the Triage… command for the selected
cases (File menu, Ctrl+Shift+T, the rows' context menu). A customer's window never builds it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from casedesktop.i18n import _, ngettext
from casedesktop.store import reference
from casedesktop.ui.dialogs.bulk_triage import BulkTriageDialog, triage_cases
from casedesktop.ui.tasks import writes

if TYPE_CHECKING:
    from casedesktop.ui.mainwindow.window import MainWindow


class StaffDesk:
    def __init__(self, window: MainWindow):
        self.window = window
        self.triage_action = QAction(_("Tri&age selected cases…"), window)
        self.triage_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.triage_action.setToolTip(_("Set priority, category, source or owner of the selected cases (Ctrl+Shift+T)"))
        self.triage_action.triggered.connect(lambda: self.triage_selection())
        window.addAction(self.triage_action)  # the shortcut works wherever the focus is
        window.commands.file_menu.insertAction(window.commands.sync, self.triage_action)
        window.table.offer_row_actions([self.triage_action])
        self.dialog: BulkTriageDialog | None = None

    def triage_selection(self) -> BulkTriageDialog | None:
        """Ask what to set on the selected cases (the open case when none is selected), then write it."""
        window = self.window
        case_ids = window.table.selected_case_ids() or ([window.detail.case_id] if window.detail.case_id else [])
        if not case_ids:
            QMessageBox.information(window, _("Triage"), _("Select the cases to triage in the list first."))
            return None
        session = window.session
        dialog = BulkTriageDialog(len(case_ids), reference.load(session.db).categories, window)
        self.dialog = dialog

        def chosen() -> None:
            choice = dialog.choice()
            writes().run(triage_cases, session.db, session.identity, case_ids, choice, owner=window,
                         done=lambda changes: self._written(changes, len(case_ids)))

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def _written(self, changes: object, count: int) -> None:
        self.window.local_change(changes)
        self.window.statusBar().showMessage(ngettext(
            "Saved the triage of {count} case; it will be sent at the next sync.",
            "Saved the triage of {count} cases; they will be sent at the next sync.", count).format(count=count), 10000)
