"""Back, as in a web browser or a mail client: to the case viewed before, then to the list as it
was left — the same selection, scroll position, search, status tab and filters.

- Every case the user views goes on top of the history: moving in the list (arrows, a click), Enter
  or a double-click, a notification or a link. The history keeps the last `HISTORY_LIMIT` cases.
- Enter or a double-click on the list opens the selected case: the list as it is is remembered as
  the place to return to, and the history starts at that case.
- Back (Alt+Left, or Back in the toolbar and the View menu: one action) shows the case viewed
  before the top one, selected in the list when the list shows it (otherwise in the pane alone);
  from the last one it returns to the list's remembered place, keyboard in the list. It is enabled
  only while there is somewhere to go back to, so a click always does something.

The list is refreshed by replacing its model's rows (a reset loses the view's selection and may
move its scroll bar): that is why the place is restored explicitly, after any query the restore
itself starts has come back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QItemSelectionModel, QObject, Signal

HISTORY_LIMIT = 50  # viewed cases Back can return to; older ones are forgotten


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
    """The window's history of viewed cases and the list place to return to."""

    returned = Signal()  # back at the list, its place restored
    changed = Signal(bool)  # can_go_back

    def __init__(self, window):  # noqa: ANN001 - the MainWindow whose list and pane it moves
        super().__init__(window)
        self.window = window
        self.place: ListPlace | None = None  # the list as the user left it
        self.cases: list[str] = []  # viewed cases, oldest first; the last one is shown
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
        if self.place is None:
            self.place = self.snapshot()
        self._push(case_id)

    def _push(self, case_id: str) -> None:
        if not self.cases or self.cases[-1] != case_id:
            self.cases.append(case_id)
            del self.cases[:-HISTORY_LIMIT]
        self._announce()

    @property
    def can_go_back(self) -> bool:
        return len(self.cases) > 1 or self.place is not None

    # --- going back ----------------------------------------------------------------------------

    def back(self) -> None:
        w = self.window
        if len(self.cases) > 1:
            self.cases.pop()
            self._moving = True
            try:
                if w.model.row_of(self.cases[-1]) < 0:
                    w.table.clearSelection()  # the list does not show it: no other case looks chosen
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
            filters.set_search(place.search)  # no debounce: query at once
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

    def _selection_moved(self, current, previous) -> None:  # noqa: ANN001
        """A case viewed from the list goes on top of the history. The first one remembers the list
        with the case selected before it, so Back from there returns to that."""
        if self._moving or not current.isValid():
            return
        model = self.window.model
        if not self.cases and self.place is None and previous.isValid():
            self.place = replace(self.snapshot(), case_id=model.case_id_at(previous.row()))
        self._push(model.case_id_at(current.row()))
