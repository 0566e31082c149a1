"""The Conversation tab's view of the thread, and the Activity tab's text.

The thread (`thread.py`) is plain data; this view makes widgets for the newest items only and
for older ones when the reader scrolls up to them (or presses Home), so a case with hundreds of
messages opens as fast as one with three. A redraw compares the new thread with the one shown and
replaces only what changed, so a new reply or a file's progress never rebuilds the rest, and the
reader keeps their place (or the end, if they were there).

Keyboard: the view is one Tab stop; from it Up, Down, Home and End go into the messages, where
they and Page Up and Page Down move between them, and Tab goes through the links and buttons of
the thread in order, then on out of it. Everything anyone wrote is escaped: text is never
interpreted as HTML.

For staff the view is the case's one stream (`set_typed`): each item names its kind, and the
`StreamFilter` above it shows everything or one kind alone. Filtering hands the view a shorter
list of the same items, so it stays as lazy as before.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Status, activity_template
from casedesktop.i18n import _, format_datetime, ngettext
from casedesktop.store import queries
from casedesktop.store.queries import SyncState
from casedesktop.ui import theme
from casedesktop.ui.case.thread import (
    ACTIVITY,
    CONVERSATION,
    EVERYTHING,
    INTERNAL,
    Item,
    Message,
    plain_text,
    shown_in,
)
from casedesktop.ui.case.thread_widgets import (
    SIDE_MARGIN,
    STOP_PROPERTY,
    MessageCard,
    ResolutionCard,
    ThreadItem,
    widget_for,
)

FIRST_BATCH = 40  # items made into widgets when a case opens: more than a screen holds
MORE_BATCH = 60  # items added each time the reader reaches the top
NEAR_TOP = 120  # pixels from the top at which older items are made


def activity_html(detail: queries.CaseDetail) -> str:
    """Who did what and when, with the status change and the reason given."""
    rows = []
    for a in detail.activity:
        change = ""
        if a.from_status and a.to_status and a.from_status != a.to_status:
            change = " (" + html.escape(_("from {old} to {new}").format(
                old=Status(a.from_status).label, new=Status(a.to_status).label)) + ")"
        reason = f": {html.escape(a.reason)}" if a.reason else ""
        pending = " <i>" + html.escape(_("(waiting to sync)")) + "</i>" if a.sync_state != SyncState.SYNCED else ""
        sentence = html.escape(activity_template(a.action)).replace("{actor}", f"<b>{html.escape(a.actor_name)}</b>")
        rows.append(f"<li>{format_datetime(a.created_at)} — {sentence}{change}{reason}{pending}</li>")
    return f"<ul>{''.join(rows)}</ul>" if rows else "<p><i>" + html.escape(_("No activity yet.")) + "</i></p>"


def bold_when_checked(button: QPushButton, checked: bool) -> None:
    """A checked toggle also reads bold: some styles (Fusion's dark palette) barely shade it."""
    font = button.font()
    font.setBold(checked)
    button.setFont(font)


class StreamFilter(QWidget):
    """All / Conversation / Internal notes / Activity: which kinds of the stream are shown."""

    chosen = Signal(str)  # EVERYTHING, CONVERSATION, INTERNAL or ACTIVITY

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        label = QLabel(_("Show:"))
        row.addWidget(label)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        for choice, text in ((EVERYTHING, _("All")), (CONVERSATION, _("Conversation")),
                             (INTERNAL, _("Internal notes")), (ACTIVITY, _("Activity"))):
            button = QPushButton(text)
            button.setCheckable(True)
            button.toggled.connect(lambda on, b=button: bold_when_checked(b, on))
            button.setAccessibleName(_("Show {kind}").format(kind=text))
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
            self.group.addButton(button)
            row.addWidget(button)
            self.buttons[choice] = button
        row.addStretch(1)
        self.choice = EVERYTHING
        self.buttons[EVERYTHING].setChecked(True)

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.buttons[choice].setChecked(True)
        self.chosen.emit(choice)


class ConversationView(QScrollArea):
    """The thread as widgets, made lazily, updated in place."""

    fileChosen = Signal(object)  # ThreadFile: open it (downloading it first if needed)
    actionChosen = Signal(object)  # Action, from the resolution's buttons
    deleteRequested = Signal(object)  # Message: the reader's own internal note

    def __init__(self, previews_folder: Path, blob_path: Callable[[str], Path], parent: QWidget | None = None):
        super().__init__(parent)
        self.previews_folder = previews_folder
        self.blob_path = blob_path
        self.setAccessibleName(_("Conversation"))
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.items: list[Item] = []  # the items shown: the stream as the filter keeps it
        self.all_items: list[Item] = []
        self.typed = False  # staff's stream: each item names its kind
        self.choice = EVERYTHING
        self.widgets: list[ThreadItem] = []  # for items[first_built:]
        self.first_built = 0
        self._focused: ThreadItem | None = None
        self._stick_to_end = True
        self._from_end: int | None = None  # keep this distance from the end while older items go in

        body = QWidget()
        body.setAccessibleName(_("Messages"))
        self.column = QVBoxLayout(body)
        self.column.setContentsMargins(8, 8, 8, 8)
        self.column.setSpacing(8)
        self.earlier = QPushButton()
        self.earlier.setFlat(True)
        self.earlier.clicked.connect(self.show_earlier)
        self.column.addWidget(self.earlier, 0, Qt.AlignmentFlag.AlignHCenter)
        self.empty = QLabel(_("No messages yet."))
        theme.set_text_role(self.empty, "muted_text")
        self.column.addWidget(self.empty, 0, Qt.AlignmentFlag.AlignHCenter)
        self.column.addStretch(1)
        self.setWidget(body)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)
        self._update_earlier()

    # --- what is shown ---------------------------------------------------------------------------

    def set_typed(self, typed: bool) -> None:
        """Label each item with its kind (staff's stream) or not (a customer's conversation)."""
        if typed != self.typed:
            self.typed = typed
            self.rebuild()

    def set_filter(self, choice: str) -> None:
        """Show every kind of item, or one alone; the reader goes to the newest."""
        if choice != self.choice:
            self.choice = choice
            self._show(shown_in(self.all_items, choice), keep_place=False)
            self._say_when_empty()

    def show_items(self, items: list[Item], keep_place: bool = False) -> None:
        """Show `items` (as the filter keeps them); with `keep_place` the reader stays where they
        were (or at the end)."""
        self.all_items = list(items)
        self._show(shown_in(items, self.choice), keep_place)
        self._say_when_empty()

    def _say_when_empty(self) -> None:
        self.empty.setText(_("No messages yet.") if self.choice == EVERYTHING or not self.all_items
                           else _("Nothing of this kind in this case yet."))
        self.empty.setVisible(not self.items)

    def _show(self, items: list[Item], keep_place: bool) -> None:
        if not keep_place:
            self._clear()
            self._stick_to_end = True
        same = 0
        while same < min(len(self.items), len(items)) and self.items[same] == items[same]:
            same += 1
        if same == len(self.items) == len(items):
            return
        keep_from = max(same, self.first_built)
        for widget in self.widgets[keep_from - self.first_built:]:
            self._drop(widget)
        del self.widgets[keep_from - self.first_built:]
        self.items = list(items)
        if not self.widgets:  # nothing kept: start from the newest items
            self.first_built = max(0, len(items) - FIRST_BATCH) if not keep_place else min(self.first_built, max(0, len(items) - FIRST_BATCH))
            keep_from = self.first_built
        for index in range(keep_from, len(items)):
            self._insert(len(self.widgets), self._make(items[index]))
        self.empty.setVisible(not items)
        self._update_earlier()
        if self._stick_to_end:
            self._to_end()

    def rebuild(self) -> None:
        """Make the shown items' widgets again (the palette changed: their tints come from it)."""
        for widget in self.widgets:
            self._drop(widget)
        self.widgets = []
        for index in range(self.first_built, len(self.items)):
            self._insert(len(self.widgets), self._make(self.items[index]))

    def toPlainText(self) -> str:  # noqa: N802 - as QTextEdit names it: tests and copies read it
        """The whole thread as text, the parts not made into widgets yet too."""
        return plain_text(self.items)

    def widget_of(self, key: str) -> ThreadItem | None:
        """The widget of the item `key`, once made (older items are made when scrolled to)."""
        return next((w for w in self.widgets if w.item.key == key), None)

    def show_earlier(self) -> int:
        """Make the next older items into widgets, above the ones shown; how many were made."""
        if self.first_built == 0:
            return 0
        bar = self.verticalScrollBar()
        self._from_end = bar.maximum() - bar.value()
        start = max(0, self.first_built - MORE_BATCH)
        made = [self._make(item) for item in self.items[start:self.first_built]]
        for offset, widget in enumerate(made):
            self._insert(offset, widget)
        self.first_built = start
        self._update_earlier()
        return len(made)

    def _make(self, item: Item) -> ThreadItem:
        widget = widget_for(item, self.previews_folder, self.blob_path, self.typed)
        widget.keyMove.connect(self._move_focus)
        widget.focused.connect(self._remember_focus)
        if isinstance(widget, MessageCard):
            widget.fileChosen.connect(self.fileChosen.emit)
            widget.deleteRequested.connect(self.deleteRequested.emit)
        if isinstance(widget, ResolutionCard):
            widget.actionChosen.connect(self.actionChosen.emit)
        return widget

    def _insert(self, position: int, widget: ThreadItem) -> None:
        """Put `widget` at `position` among the made ones, set to its side."""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        item = widget.item
        if isinstance(item, Message) and item.mine:
            row.addSpacing(SIDE_MARGIN)
            row.addWidget(widget, 1)
        elif isinstance(item, Message):
            row.addWidget(widget, 1)
            row.addSpacing(SIDE_MARGIN)
        else:
            row.addWidget(widget, 1)
        self.widgets.insert(position, widget)
        self.column.insertLayout(2 + position, row)  # after "earlier" and the empty note
        widget.show()  # now, not when the event loop gets to it: the keyboard may go to it at once

    def _drop(self, widget: ThreadItem) -> None:
        if widget is self._focused:
            self._focused = None
        index = next(i for i in range(self.column.count()) if self.column.itemAt(i).layout() is not None
                     and self.column.itemAt(i).layout().indexOf(widget) >= 0)
        row = self.column.takeAt(index).layout()
        row.removeWidget(widget)
        widget.hide()
        widget.deleteLater()  # Qt's to delete: setParent(None) would hand it to Python's collector too
        row.deleteLater()

    def _clear(self) -> None:
        for widget in self.widgets:
            self._drop(widget)
        self.widgets, self.items, self.first_built = [], [], 0

    def _update_earlier(self) -> None:
        count = self.first_built
        self.earlier.setVisible(count > 0)
        self.earlier.setText(ngettext("Show {count} earlier item", "Show {count} earlier items", count).format(count=count))

    # --- scrolling -------------------------------------------------------------------------------

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if self._from_end is None:
            self._stick_to_end = value >= bar.maximum() - 4
        if value <= NEAR_TOP and self.first_built > 0 and self._from_end is None and bar.maximum() > 0:
            self.show_earlier()

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        bar = self.verticalScrollBar()
        if self._from_end is not None:
            bar.setValue(maximum - self._from_end)
            self._from_end = None
        elif self._stick_to_end:
            bar.setValue(maximum)

    def _to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    # --- keyboard --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """From the view itself (a Tab stop), the arrows, Home and End go into the messages."""
        key = event.key()
        if self.widgets and key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End):
            remembered = self._focused if self._focused in self.widgets else self.widgets[-1]
            if key == Qt.Key.Key_Home:
                self._move_focus(self.widgets[0], -10**6)
            else:
                self._move_focus(self.widgets[-1] if key == Qt.Key.Key_End else remembered, 0)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.setAccessibleDescription(
            ngettext("{count} item. Up and Down move between the messages.",
                     "{count} items. Up and Down move between the messages.", len(self.items)).format(count=len(self.items)))

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802
        """Tab inside the thread: through its links and buttons in thread order, then out of it,
        to the widget after (or before) the view; never round the messages made later."""
        current = QApplication.focusWidget()
        if current is None or current is self or not self.isAncestorOf(current):
            return super().focusNextPrevChild(forward)
        stops = [(index, w) for index, item in enumerate(self.widgets)
                 for w in item.findChildren(QWidget) if w.property(STOP_PROPERTY) and w.isVisibleTo(self)]
        card = next((i for i, item in enumerate(self.widgets) if item is current or item.isAncestorOf(current)), -1)
        if current in [w for _i, w in stops]:
            position = [w for _i, w in stops].index(current)
            candidates = stops[position + 1:] if forward else stops[:position][::-1]
        else:
            candidates = [s for s in stops if s[0] >= card] if forward else [s for s in stops if s[0] < card][::-1]
        if candidates:
            candidates[0][1].setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
            self.ensureWidgetVisible(candidates[0][1])
            return True
        return self._leave(forward)

    def _leave(self, forward: bool) -> bool:
        widget = self.nextInFocusChain() if forward else self.previousInFocusChain()
        while widget is not None and widget is not self:
            if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and widget.isEnabled()
                    and not self.isAncestorOf(widget) and widget.window() is self.window()
                    and widget.focusProxy() is None):
                widget.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
                return True
            widget = widget.nextInFocusChain() if forward else widget.previousInFocusChain()
        return False

    def _remember_focus(self, widget: ThreadItem) -> None:
        self._focused = widget

    def _move_focus(self, widget: ThreadItem, step: int) -> None:
        index = self.widgets.index(widget) + step
        if index < 0 and self.first_built > 0:
            made = self.show_earlier()
            index = max(0, index + made) if step > -10**6 else 0
            while index == 0 and step <= -10**6 and self.first_built > 0:
                self.show_earlier()
        index = min(max(index, 0), len(self.widgets) - 1)
        target = self.widgets[index]
        self._focused = target
        self.column.activate()  # the items just made have their places before scrolling to one
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ensureWidgetVisible(target, 0, 40)
