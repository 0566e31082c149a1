"""Search-as-you-type and the severity, product and account filters above the case list (and for
support staff, priority: `show_priority`)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from casedesktop.domain import Priority, Severity
from casedesktop.i18n import _

SEARCH_DEBOUNCE_MS = 150


class FilterBar(QWidget):
    searchChanged = Signal(str)  # debounced
    filterChanged = Signal(str, str)  # field name (severity/product/account), value ("" = any)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search number, subject, description, conversation (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Search cases"))
        layout.addWidget(self.search, 3)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.searchChanged.emit(self.search.text()))
        self._quiet = False  # set_search: no searchChanged for text the program puts in
        self.search.textChanged.connect(self._typed)

        # A screen reader says the name, then the value ("Severity filter, Any severity").
        self.severity = self._combo(_("Any severity"), _("Severity filter"), _("Show only cases of this severity"),
                                    "severity")
        for severity in Severity:
            self.severity.addItem(severity.label, severity.value)
        self.product = self._combo(_("Any product"), _("Product filter"), _("Show only cases about this product"),
                                   "product")
        self.account = self._combo(_("Any account"), _("Account filter"), _("Show only this account's cases"),
                                   "account")
        self.account.hide()  # until several accounts are known (offer_accounts)
        self.priority = self._combo(_("Any priority"), _("Priority filter"),
                                    _("Show only cases of this priority"), "priority")
        for priority in reversed(Priority):  # critical first, as the list sorts them
            self.priority.addItem(priority.label, priority.value)
        self.priority.hide()  # staff only (show_priority): customers never see a priority
        for combo in (self.severity, self.priority, self.product, self.account):
            layout.addWidget(combo, 1)

    def show_priority(self) -> None:
        """Staff's filter bar: a priority filter beside the severity filter."""
        self.priority.show()
        QWidget.setTabOrder(self.severity, self.priority)
        QWidget.setTabOrder(self.priority, self.product)

    def _typed(self, _text: str) -> None:
        if not self._quiet:
            self._debounce.start()

    def set_search(self, text: str) -> None:
        """Put text in the search box without a searchChanged (the caller queries at once).

        Not by blocking the box's signals: the clear button follows its own textChanged, and would
        stay up over an emptied box."""
        self._debounce.stop()
        self._quiet = True
        try:
            self.search.setText(text)
        finally:
            self._quiet = False

    def offer_accounts(self, several: bool) -> None:
        """The account filter only where there is a choice (or one is set: it can be cleared)."""
        self.account.setVisible(several or bool(self.account.currentData()))

    def _combo(self, any_label: str, name: str, tip: str, field: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(any_label, "")
        combo.setAccessibleName(name)
        combo.setToolTip(tip)
        combo.currentIndexChanged.connect(lambda _: self.filterChanged.emit(field, combo.currentData() or ""))
        return combo

    def set_choices(self, combo: QComboBox, values: list[str]) -> None:
        """Refresh a filter's choices, keeping the current one."""
        current = combo.currentData()
        known = [combo.itemData(i) for i in range(1, combo.count())]
        if known == values:
            return
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for value in values:
            combo.addItem(value, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
