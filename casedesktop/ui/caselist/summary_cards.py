"""The dashboard cards above the list: open, waiting on me, resolved, critical. A click filters."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette
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
            button.setMinimumSize(110, 52)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.1)
            button.setFont(font)
            if key == "critical":  # a palette colour, not a style sheet: dark mode keeps working
                palette = button.palette()
                palette.setColor(QPalette.ColorRole.ButtonText, QColor("#e74c3c"))
                button.setPalette(palette)
            button.clicked.connect(lambda _=False, k=key: self.cardClicked.emit(k))
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)

    def show_cards(self, cards: SummaryCards) -> None:
        for key, label in CARDS:
            value = getattr(cards, key)
            self.buttons[key].setText(f"{label}\n{value}")
            self.buttons[key].setAccessibleDescription(f"{value} cases")
