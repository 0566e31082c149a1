"""The dashboard cards above the list: open, waiting on you, resolved, critical (a customer's, from
the cache); staff's from the server's summary. A click filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from casedesktop.domain import Priority, Severity
from casedesktop.domain.queues import Queue
from casedesktop.i18n import _, format_number, ngettext, pgettext
from casedesktop.store.case_list import ListQuery, SummaryCards
from casedesktop.store.list_sql import Tab
from casedesktop.ui import theme

if TYPE_CHECKING:
    from casedesktop.api import StaffSummaryOut

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


# --- support staff's cards (the server's counts: sync/staff_desk.py) ----------------------------

STAFF_CARDS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("open", lambda: pgettext("status tab", "Open")),
    ("resolved_today", lambda: pgettext("status tab", "Resolved today")),
    ("total", lambda: pgettext("status tab", "Total")),
    ("critical", lambda: pgettext("status tab", "Critical")),
    ("overdue", lambda: pgettext("status tab", "Overdue")),
    ("avg_first_response", lambda: _("First response")),  # the average: said in its tooltip
    ("csat", lambda: _("Satisfaction")),
)
STAFF_COUNTS = ("open", "resolved_today", "total", "critical", "overdue")
# What a click shows: a queue and a priority, every other filter and the search cleared. The
# averages and "Resolved today" (no list holds exactly those cases) only show figures.
STAFF_CARD_FILTERS: dict[str, tuple[Queue, str]] = {
    "open": (Queue.OPEN, ""),
    "total": (Queue.ALL, ""),
    "critical": (Queue.OPEN, Priority.CRITICAL.value),
    "overdue": (Queue.OVERDUE, ""),
}
NO_FIGURE = "—"  # offline before any summary came, or nothing to average


def staff_card_showing(query: ListQuery) -> str | None:
    """The staff card whose click gives exactly this query's rows, if any."""
    if query.severity or query.product or query.account or query.search.strip():
        return None
    shown = (query.queue, query.priority)
    return next((key for key, wanted in STAFF_CARD_FILTERS.items() if wanted == shown), None)


def duration_text(seconds: float) -> str:
    """A span as its largest sensible unit: "45 min", "3.5 h", "2.1 days"."""
    if seconds < 3600:
        minutes = round(seconds / 60)
        return ngettext("{count} min", "{count} min", minutes).format(count=format_number(minutes))
    if seconds < 2 * 86400:
        return _("{hours} h").format(hours=format_number(seconds / 3600, 1))
    days = seconds / 86400
    return _("{days} days").format(days=format_number(days, 1))


def staff_figures(summary: StaffSummaryOut | None) -> dict[str, str]:
    """Each card's figure as shown ("—" where none is known)."""
    if summary is None:
        return {key: NO_FIGURE for key, _label in STAFF_CARDS}
    figures = {key: format_number(getattr(summary, key)) for key in STAFF_COUNTS}
    average = summary.avg_first_response_seconds
    figures["avg_first_response"] = duration_text(average) if average is not None else NO_FIGURE
    csat = summary.csat
    figures["csat"] = (_("{average} of {scale}").format(average=format_number(csat.average, 1), scale=csat.scale)
                       if csat.average is not None else NO_FIGURE)
    return figures


class StaffCardsBar(QWidget):
    """The desk's counts over every case (not only the cached ones); a count card filters."""

    cardClicked = Signal(str)  # one of the STAFF_CARD_FILTERS keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        self.summary: StaffSummaryOut | None = None
        for key, label in STAFF_CARDS:
            button = QPushButton()
            button.setAccessibleName(label())
            button.setMinimumSize(84, 52)
            filters = key in STAFF_CARD_FILTERS
            button.setCheckable(filters)
            if filters:
                button.clicked.connect(lambda _=False, k=key: self._clicked(k))
            else:
                button.setFlat(True)  # a figure, not a filter
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if key in ("critical", "overdue"):
                theme.set_text_role(button, "critical_text")
            layout.addWidget(button, 1)
            self.buttons[key] = button
        self.show_summary(None)

    def show_summary(self, summary: StaffSummaryOut | None) -> None:
        """The server's figures; None keeps the last ones (offline), or "—" before any came."""
        if summary is not None:
            self.summary = summary
        figures = staff_figures(self.summary)
        for key, label in STAFF_CARDS:
            button = self.buttons[key]
            text = f"{label()}\n{figures[key]}"
            button.setText(text)
            button.setAccessibleDescription(figures[key])
            # Room for the longer line: a card's words are never cut, in any language.
            widest = max(button.fontMetrics().horizontalAdvance(line) for line in text.splitlines())
            button.setMinimumWidth(max(84, widest + 24))
        window_days = self.summary.window_days if self.summary is not None else 30
        self.buttons["avg_first_response"].setToolTip(ngettext(
            "Average time to the first reply, cases opened in the last {count} day",
            "Average time to the first reply, cases opened in the last {count} days", window_days).format(count=window_days))
        self.buttons["csat"].setToolTip(ngettext(
            "Average survey answer over the last {count} day", "Average survey answer over the last {count} days",
            window_days).format(count=window_days))

    def _clicked(self, key: str) -> None:
        self.buttons[key].setChecked(False)  # until the list shows it (mark_current)
        self.cardClicked.emit(key)

    def mark_current(self, query: ListQuery) -> None:
        current = staff_card_showing(query)
        for key, button in self.buttons.items():
            button.setChecked(key == current and button.isCheckable())
