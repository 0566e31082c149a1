"""The dashboard cards above the list: open, waiting on me, resolved, critical. A click filters."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from casedesktop.i18n import N_, _, ngettext
from casedesktop.store.case_list import SummaryCards
from casedesktop.ui import theme

CARDS = (("open", N_("Open")), ("waiting_on_me", N_("Waiting on me")), ("resolved", N_("Resolved")),
         ("critical", N_("Critical")))


class SummaryCardsBar(QWidget):
    cardClicked = Signal(str)  # one of the CARDS keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for key, label in CARDS:
            button = QPushButton(f"{_(label)}\n–")
            button.setAccessibleName(_(label))
            button.setMinimumSize(110, 52)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.1)
            button.setFont(font)
            if key == "critical":  # a palette colour, not a style sheet: dark mode keeps working
                theme.set_text_role(button, "critical_text")
            button.clicked.connect(lambda _=False, k=key: self.cardClicked.emit(k))
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)

    def show_cards(self, cards: SummaryCards) -> None:
        for key, label in CARDS:
            value = getattr(cards, key)
            self.buttons[key].setText(f"{_(label)}\n{value}")
            # Translators: English says "cases" for any count here.
            self.buttons[key].setAccessibleDescription(ngettext("{count} case", "{count} cases", value).format(count=value))
