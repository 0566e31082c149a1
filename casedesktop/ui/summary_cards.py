"""The dashboard cards above the list: open, waiting on me, resolved, critical. A click filters."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from casedesktop.store.case_list import SummaryCards

CARDS = (("open", "Open"), ("waiting_on_me", "Waiting on me"), ("resolved", "Resolved"), ("critical", "Critical"))


class SummaryCardsBar(QWidget):
    cardClicked = Signal(str)  # one of the CARDS keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for key, label in CARDS:
            button = QPushButton(f"{label}\n–")
            button.setAccessibleName(label)
            button.setMinimumHeight(52)
            button.setStyleSheet(
                "QPushButton { text-align: left; padding: 6px 12px; font-size: 11pt; }"
                + ("QPushButton { color: #c0392b; }" if key == "critical" else "")
            )
            button.clicked.connect(lambda _=False, k=key: self.cardClicked.emit(k))
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)

    def show_cards(self, cards: SummaryCards) -> None:
        for key, label in CARDS:
            value = getattr(cards, key)
            self.buttons[key].setText(f"{label}\n{value}")
            self.buttons[key].setAccessibleDescription(f"{value} cases")
