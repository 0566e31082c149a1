"""The dashboard cards above the list: open, waiting on you, resolved, critical. A click filters."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from casedesktop.domain import Severity
from casedesktop.i18n import ngettext, pgettext
from casedesktop.store.case_list import ListQuery, SummaryCards
from casedesktop.store.list_sql import Tab
from casedesktop.ui import theme

# A card's words are its status tab's (same context: a group of cases, shown counted).
CARDS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("open", lambda: Tab.OPEN.label),
    ("waiting_on_me", lambda: Tab.WAITING_ON_ME.label),
    ("resolved", lambda: Tab.RESOLVED.label),
    ("critical", lambda: pgettext("status tab", "Critical")),
)
# What a click shows: a status tab and a severity, every other filter and the search cleared, so
# a card shows the same cases whatever was set before, and as many as it counts (the counts are
# over every case: store/case_list.py summary_cards).
CARD_FILTERS: dict[str, tuple[Tab, str]] = {
    "open": (Tab.OPEN, ""),
    "waiting_on_me": (Tab.WAITING_ON_ME, ""),
    "resolved": (Tab.RESOLVED, ""),
    "critical": (Tab.OPEN, Severity.CRITICAL.value),
}


def card_showing(query: ListQuery) -> str | None:
    """The card whose click gives exactly this query's rows, if any."""
    if query.product or query.account or query.search.strip():
        return None
    return next((key for key, shown in CARD_FILTERS.items() if shown == (query.tab, query.severity)), None)


class SummaryCardsBar(QWidget):
    cardClicked = Signal(str)  # one of the CARDS keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for key, label in CARDS:
            button = QPushButton(f"{label()}\n–")
            button.setAccessibleName(label())
            button.setMinimumSize(110, 52)
            button.setCheckable(True)  # checked while the list shows what the card counts
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.1)
            button.setFont(font)
            if key == "critical":  # a palette colour, not a style sheet: dark mode keeps working
                theme.set_text_role(button, "critical_text")
            button.clicked.connect(lambda _=False, k=key: self._clicked(k))
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)

    def show_cards(self, cards: SummaryCards) -> None:
        for key, label in CARDS:
            value = getattr(cards, key)
            self.buttons[key].setText(f"{label()}\n{value}")
            self.buttons[key].setAccessibleDescription(ngettext("{count} case", "{count} cases", value).format(count=value))

    def _clicked(self, key: str) -> None:
        self.buttons[key].setChecked(False)  # until the list shows it (mark_current)
        self.cardClicked.emit(key)

    def mark_current(self, query: ListQuery) -> None:
        """Check the card the list shows, if it shows one card's cases."""
        current = card_showing(query)
        for key, button in self.buttons.items():
            button.setChecked(key == current)
