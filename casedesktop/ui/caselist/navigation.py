"""Back, as in a mail client: from an opened case to the case opened before it, then to the list as
it was left — the same selection, scroll position, search, status tab and filters.

- Enter or a double-click on the list opens the selected case: the list as it is is remembered,
  and the history is that one case.
- A case opened from a notification or a link goes on top of the history (the list is remembered
  first if nothing was open).
- Back (Alt+Left, or Back in the toolbar and the View menu: one action) shows the case below the
  top one, or, from the last one, returns to the list as it was left, keyboard in the list. It is
  enabled only while there is somewhere to go back to, so a click always does something.
- Moving in the list by oneself starts afresh: there is nothing to go back to but the list.

The list is refreshed by replacing its model's rows (a reset loses the view's selection and may
move its scroll bar): that is why the place is restored explicitly, after any query the restore
itself starts has come back.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QObject, Signal


@dataclass(frozen=True)
class ListPlace:
    case_id: str | None  # the selected case
    scroll: int  # the list's vertical scroll bar
    hscroll: int
    search: str
    tab: int  # the status tab
    severity: str  # the filters' values ("" = any)
    product: str
    account: str


class CaseNavigator(QObject):
    """The window's history of opened cases and the list place to return to."""

    returned = Signal()  # back at the list, its place restored
    changed = Signal(bool)  # can_go_back

    def __init__(self, window):  # noqa: ANN001 - the MainWindow whose list and pane it moves
        super().__init__(window)
        self.window = window
        self.place: ListPlace | None = None  # the list as the user left it
        self.cases: list[str] = []  # opened cases, oldest first; the last one is shown
        self._moving = False  # True while Back itself moves the selection
        self._pending: ListPlace | None = None  # waits for the list query a restore started
        window.table.selectionModel().currentRowChanged.connect(self._selection_moved)
        window.controller.updated.connect(self._list_updated)
        self.changed.connect(window.back_action.setEnabled)
        self._announce()

    def _announce(self) -> None:
        self.changed.emit(self.can_go_back)

    # --- remembering ---------------------------------------------------------------------------

    def snapshot(self) -> ListPlace:
        w = self.window
        index = w.table.currentIndex()
        filters = w.filters
        return ListPlace(
            w.model.case_id_at(index.row()) if index.isValid() else None,
            w.table.verticalScrollBar().value(),
            w.table.horizontalScrollBar().value(),
            filters.search.text(),
            w.tabs.currentIndex(),
            filters.severity.currentData() or "",
            filters.product.currentData() or "",
            filters.account.currentData() or "",
        )

    def opened_from_list(self) -> None:
        """Enter or double-click on the list: history starts here."""
        self.place = self.snapshot()
        self.cases = [self.place.case_id] if self.place.case_id else []
        self._announce()

    def opening(self, case_id: str) -> None:
        """A case opened from a notification or a link (call before the selection moves)."""
        if not self.cases:
            self.place = self.snapshot()
        if not self.cases or self.cases[-1] != case_id:
            self.cases.append(case_id)
        self._announce()

    @property
    def can_go_back(self) -> bool:
        return bool(self.cases) or self.place is not None

    # --- going back ----------------------------------------------------------------------------

    def back(self) -> None:
        w = self.window
        if len(self.cases) > 1:
            self.cases.pop()
            self._moving = True
            try:
                w.select_case(self.cases[-1])
            finally:
                self._moving = False
            w.detail.tabs.setCurrentIndex(1)
            w.detail.reply_box.setFocus()
            self._announce()
            return
        place, self.place, self.cases = self.place, None, []
        self._announce()
        if place is None:
            w.table.setFocus()  # nothing opened: Back just gives the list the keyboard
            return
        if self._set_query(place):
            self._pending = place  # finished when the list's new rows arrive
        else:
            self._restore(place)

    def _set_query(self, place: ListPlace) -> bool:
        """Put back the search, tab and filters; True when that started a new list query."""
        w = self.window
        filters = w.filters
        started = False
        if filters.search.text() != place.search:
            filters.search.blockSignals(True)  # no debounce: query at once
            filters.search.setText(place.search)
            filters.search.blockSignals(False)
            w.controller.set_query(search=place.search)
            started = True
        if w.tabs.currentIndex() != place.tab:
            w.tabs.setCurrentIndex(place.tab)  # queries through its signal
            started = True
        for combo, value in ((filters.severity, place.severity), (filters.product, place.product),
                             (filters.account, place.account)):
            if (combo.currentData() or "") != value:
                combo.setCurrentIndex(max(combo.findData(value), 0))  # queries through its signal
                started = True
        return started

    def _list_updated(self, _result) -> None:  # noqa: ANN001 - a ListResult
        place, self._pending = self._pending, None
        if place is not None:
            self._restore(place)

    def _restore(self, place: ListPlace) -> None:
        w = self.window
        self._moving = True
        try:
            row = w.model.row_of(place.case_id) if place.case_id else -1
            if row >= 0:
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                w.table.selectionModel().setCurrentIndex(w.model.index(row, 0), flags)
            w.table.verticalScrollBar().setValue(place.scroll)
            w.table.horizontalScrollBar().setValue(place.hscroll)
        finally:
            self._moving = False
        w.table.setFocus()
        self.returned.emit()

    def _selection_moved(self, current, _previous) -> None:  # noqa: ANN001
        """The user moved in the list: what was opened before is no longer a place to go back to."""
        if self._moving or not current.isValid() or not self.cases:
            return
        if self.window.model.case_id_at(current.row()) != self.cases[-1]:
            self.cases, self.place = [], None
            self._announce()
