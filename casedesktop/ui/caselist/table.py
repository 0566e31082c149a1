"""The case list's table view: columns that fit the pane, a column picker, the unread dot, the sort
arrow pointing the way the rows run, and a message in place of an empty list.

Each column's width is measured once, with the font, from its header and typical values (every
status, a date, a capped name), never from the rows shown: columns stay put while cases change, and
a longer value elides (its tooltip has it whole). The subject takes what is left. Which columns
fit depends on the pane's width only: while the subject would get less than `SUBJECT_MIN_PX` (or
`SUBJECT_SHARE` of a table narrower than that makes sense for), the least useful columns step aside
(`DROP_FOR_ROOM`), the creation date first. Which columns
the user wants, and widths they dragged, are kept in the profile's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSettings,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QMenu,
    QProxyStyle,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QStyleOption,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Priority, Severity, Status, status_text
from casedesktop.i18n import _, format_datetime, ngettext
from casedesktop.store.list_sql import SortKey, Tab
from casedesktop.ui import theme
from casedesktop.ui.caselist.model import COLUMNS, STAFF_ONLY, CaseListModel

if TYPE_CHECKING:
    from casedesktop.store.case_list import ListQuery

KEYS: tuple[SortKey, ...] = tuple(key for _title, key in COLUMNS)
ALWAYS_SHOWN = (SortKey.NUMBER, SortKey.SUBJECT)  # the picker cannot hide these
# When the pane is too narrow, these step aside first to last; the others always stay.
DROP_FOR_ROOM = (SortKey.CREATED, SortKey.ACCOUNT, SortKey.OWNER, SortKey.PRODUCT, SortKey.SEVERITY,
                 SortKey.PRIORITY)  # staff triage by priority: it stays longest
LIST_CHARS = 112  # the list's preferred width, in average characters (~790 px at 7 px a character)
SUBJECT_MIN_PX = 180  # the subject's room before columns step aside...
SUBJECT_SHARE = 0.35  # ...or this share of a table too narrow for that
STATUS_MAX_CHARS = 32  # at most this much room for a status with its flags
NAME_CHARS = 16  # product, account and owner columns: longer names elide
HIDDEN_SETTING = "list/hidden_columns"
WIDTHS_SETTING = "list/column_widths"


def _as_list(value: object) -> list[str]:
    """A list setting as QSettings hands it back: a list, one string (one item), or nothing."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


class SortArrowStyle(QProxyStyle):
    """The header's sort arrow pointing the way the rows run: down for descending (newest first).

    QHeaderView hands the style SortUp for Qt.DescendingOrder, and Fusion (like the common style)
    draws SortUp as an arrow pointing up, so "newest first" showed an up arrow. Swapped here for the
    header only; macOS draws its own native header, which follows its own convention."""

    SWAP = {QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
            QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp}

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802
                      painter: QPainter, widget: QWidget | None = None) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            swapped = QStyleOptionHeader(option)
            swapped.sortIndicator = self.SWAP.get(option.sortIndicator, option.sortIndicator)
            super().drawPrimitive(element, swapped, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


def dot_margin(metrics: QFontMetrics) -> int:
    """The room before a case's number where its unread dot goes (kept on every row: numbers align)."""
    return metrics.height() // 2 + 8


class NumberDelegate(QStyledItemDelegate):
    """The number cell: a dot in a margin of its own for a case with news, so the marker never takes
    the number's room ("CS-1…") and numbers line up whether read or not."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration  # the dot is drawn below

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        return QSize(size.width() + dot_margin(option.fontMetrics), size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, item, painter, widget)
        margin = dot_margin(item.fontMetrics)
        text = QStyleOptionViewItem(item)
        text.rect = item.rect.adjusted(margin, 0, 0, 0)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text, painter, widget)
        marker = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(marker, QColor):
            selected = bool(item.state & QStyle.StateFlag.State_Selected)
            colour = item.palette.color(item.palette.ColorRole.HighlightedText) if selected else marker
            diameter = max(6, item.fontMetrics.height() // 2 - 1)
            centre = QPoint(item.rect.left() + margin // 2 + 1, item.rect.center().y() + 1)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(QRect(centre.x() - diameter // 2, centre.y() - diameter // 2, diameter, diameter))
            painter.restore()


@dataclass(frozen=True)
class EmptyState:
    """What an empty list says, and the one thing offered to change that."""

    title: str
    hint: str
    action_text: str
    action: str  # "clear_search", "clear_filters", "all_cases" or "new_case"


def empty_state(query: ListQuery) -> EmptyState:
    """Why the list is empty, from what the user asked for (the most specific reason first)."""
    search = query.search.strip()
    filtered = bool(query.severity or query.product or query.account)
    if search:
        hint = (_("The severity, product or account filter is on too.") if filtered
                else _("Check the spelling, or try fewer or shorter words."))
        return EmptyState(_("No cases match “{search}”").format(search=search), hint, _("Clear search"), "clear_search")
    if filtered:
        return EmptyState(_("No cases match these filters"), "", _("Clear filters"), "clear_filters")
    if query.tab is not Tab.ALL:
        return EmptyState(_("No cases in “{tab}”").format(tab=query.tab.label), "", _("Show all cases"), "all_cases")
    return EmptyState(_("No cases yet"), _("Cases you create show here, even before they reach support."),
                      _("Create a case…"), "new_case")


class EmptyListMessage(QWidget):
    """Centered over the list's viewport while it has no rows."""

    actionRequested = Signal(str)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.action = ""
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel()
        theme.set_text_role(self.hint, "muted_text")
        self.button = QPushButton()
        self.button.clicked.connect(lambda: self.actionRequested.emit(self.action))
        for label in (self.title, self.hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        layout.addSpacing(6)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.hide()

    def show_state(self, state: EmptyState) -> None:
        self.title.setText(state.title)
        self.hint.setText(state.hint)
        self.hint.setVisible(bool(state.hint))
        self.button.setText(state.action_text)
        self.action = state.action
        self.setAccessibleName(state.title)


class CaseTable(QTableView):
    """The list of cases: one row each, sortable by every column, one row selected."""

    emptyActionRequested = Signal(str)  # an EmptyState.action

    def __init__(self, model: CaseListModel, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setModel(model)
        self.setAccessibleName(_("Cases"))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the list; the arrows move in it
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        self.setItemDelegateForColumn(KEYS.index(SortKey.NUMBER), NumberDelegate(self))
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        if QApplication.style().name().lower() != "macos":
            arrows = SortArrowStyle(QStyleFactory.create(QApplication.style().name()))
            arrows.setParent(header)  # lives as long as the header it draws
            header.setStyle(arrows)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)  # as the values
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda pos: self._pop_up_columns(header.mapToGlobal(pos)))
        header.sectionResized.connect(self._section_resized)
        header.setToolTip(_("Click a column to sort by it; right-click to choose the columns"))
        self.setSortingEnabled(True)
        header.setSortIndicator(KEYS.index(SortKey.UPDATED), Qt.SortOrder.DescendingOrder)

        self.hidden_by_choice = {SortKey(k) for k in _as_list(settings.value(HIDDEN_SETTING)) if k in KEYS}
        self.hidden_by_choice -= set(ALWAYS_SHOWN)
        self.user_widths: dict[SortKey, int] = {}
        for item in _as_list(settings.value(WIDTHS_SETTING)):
            key, _sep, width = item.partition("=")
            if key in KEYS and width.isdigit():
                self.user_widths[SortKey(key)] = int(width)
        self.hidden_for_room: list[SortKey] = []
        self.single_account = False
        self._measured: dict[tuple[SortKey, object], int] = {}  # (column, role): width
        self._fitting = False
        self.empty = EmptyListMessage(self.viewport())
        self.empty.actionRequested.connect(self.emptyActionRequested)
        self._empty_state: EmptyState | None = None
        self.pick_first_row = True  # the window selects the first row while nothing is open
        self.row_actions: list[QAction] = []  # offer_row_actions (staff)
        model.modelReset.connect(self._rows_changed)

    # --- columns -------------------------------------------------------------------------------

    def column_menu(self) -> QMenu:
        """The header's menu: a check box per column, then what has no room, then a reset."""
        menu = QMenu(_("Columns"), self)
        menu.setToolTipsVisible(True)
        for title, key in COLUMNS:
            if key in STAFF_ONLY and not self.model().role.is_staff:
                continue
            action = menu.addAction(self._menu_text(title, key))
            action.setCheckable(True)
            action.setChecked(key not in self.hidden_by_choice)
            action.setEnabled(key not in ALWAYS_SHOWN)
            action.setData(key.value)
            action.toggled.connect(lambda shown, k=key: self.show_column(k, shown))
        menu.addSeparator()
        reset = menu.addAction(_("Reset columns"))
        reset.setToolTip(_("Every column, each as wide as what it shows"))
        reset.triggered.connect(self.reset_columns)
        return menu

    def _menu_text(self, title: str, key: SortKey) -> str:
        """A column's name in the menu, saying why when it is ticked but not shown."""
        if key in self.hidden_for_room:
            return _("{column} (no room in the list)").format(column=_(title))
        if key is SortKey.ACCOUNT and self.single_account and key not in self.hidden_by_choice:
            return _("{column} (all cases are one account's)").format(column=_(title))
        return _(title)

    def _pop_up_columns(self, where: QPoint) -> None:
        menu = self.column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a fresh one each time
        menu.popup(where)

    def show_column(self, key: SortKey, shown: bool) -> None:
        """The user's choice, kept in the settings for the next start."""
        if key in ALWAYS_SHOWN:
            return
        if shown:
            self.hidden_by_choice.discard(key)
        else:
            self.hidden_by_choice.add(key)
        self.settings.setValue(HIDDEN_SETTING, sorted(k.value for k in self.hidden_by_choice))
        self.fit_columns()

    def reset_columns(self) -> None:
        self.hidden_by_choice.clear()
        self.user_widths.clear()
        self.settings.remove(HIDDEN_SETTING)
        self.settings.remove(WIDTHS_SETTING)
        header = self.horizontalHeader()
        for visual, logical in enumerate(range(header.count())):
            header.moveSection(header.visualIndex(logical), visual)
        self.fit_columns()

    def set_single_account(self, single: bool) -> None:
        """Everyone's cases are one account's: its column tells nothing and steps aside."""
        if single != self.single_account:
            self.single_account = single
            self.fit_columns()

    def shown_columns(self) -> list[SortKey]:
        header = self.horizontalHeader()
        return [key for i, key in enumerate(KEYS) if not header.isSectionHidden(i)]

    def fit_columns(self) -> None:
        """Show the chosen columns the pane's width has room for; the subject takes the rest."""
        if not isinstance(self.model(), CaseListModel):
            return  # being built or torn down
        header = self.horizontalHeader()
        available = self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width()
        staff = self.model().role.is_staff
        wanted = [k for k in KEYS if k not in self.hidden_by_choice
                  and not (k is SortKey.ACCOUNT and self.single_account)
                  and (staff or k not in STAFF_ONLY)]
        widths = {k: self.user_widths.get(k) or self.column_width(k) for k in wanted}
        shown = list(wanted)
        subject_room = min(SUBJECT_MIN_PX, round(available * SUBJECT_SHARE))
        for key in DROP_FOR_ROOM:
            if sum(widths[k] for k in shown if k is not SortKey.SUBJECT) + subject_room <= available:
                break
            if key in shown:
                shown.remove(key)
        for key in (SortKey.NUMBER, SortKey.STATUS):
            # Still short (the smallest window): these give up room down to their floor and elide
            # (tooltip), the number's "Not sent yet" and then the status's longer words.
            short = sum(widths[k] for k in shown if k is not SortKey.SUBJECT) + subject_room - available
            if short > 0 and key in widths and key not in self.user_widths:
                widths[key] = max(self._floor_width(key), widths[key] - short)
        self.hidden_for_room = [k for k in wanted if k not in shown]
        self._fitting = True
        try:
            for i, key in enumerate(KEYS):
                header.setSectionHidden(i, key not in shown)
                if key is SortKey.SUBJECT:
                    header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
                else:
                    header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
                    if key in shown and header.sectionSize(i) != widths[key]:
                        header.resizeSection(i, widths[key])
        finally:
            self._fitting = False

    def column_width(self, key: SortKey) -> int:
        """A column's width from its header's text (with the sort arrow's room) and its typical
        values in bold (an unread row is bold): measured once per font and role, not from the rows."""
        role = self.model().role
        cached = self._measured.get((key, role))
        if cached is not None:
            return cached
        column = KEYS.index(key)
        header = self.horizontalHeader().sectionSizeFromContents(column).width()
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        if key in (SortKey.PRODUCT, SortKey.ACCOUNT, SortKey.OWNER):
            widest = metrics.averageCharWidth() * NAME_CHARS
        else:
            widest = max((metrics.horizontalAdvance(text) for text in self._typical_values(key)), default=0)
            widest = min(widest, metrics.averageCharWidth() * STATUS_MAX_CHARS)
        if key is SortKey.NUMBER:
            widest += dot_margin(self.fontMetrics())
        padding = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 10
        width = max(header, widest + padding)
        self._measured[(key, role)] = width
        return width

    def _floor_width(self, key: SortKey) -> int:
        """The least a column shrinks to in the smallest window: its header, and a whole number."""
        header = self.horizontalHeader().sectionSizeFromContents(KEYS.index(key)).width()
        if key is SortKey.NUMBER:
            bold = QFont(self.font())
            bold.setBold(True)
            return max(header, QFontMetrics(bold).horizontalAdvance("CS-00000") + dot_margin(self.fontMetrics()) + 12)
        return header

    def _typical_values(self, key: SortKey) -> list[str]:
        role = self.model().role
        if key is SortKey.NUMBER:
            return ["CS-00000", _("Not sent yet")]
        if key is SortKey.STATUS:
            # Every plain status; one with flags ("Open · Close requested") elides, whole in its tooltip.
            return [status_text(s, role) for s in Status]
        if key is SortKey.SEVERITY:
            return [s.label for s in Severity]
        if key is SortKey.PRIORITY:
            return [p.label for p in Priority]
        if key in (SortKey.CREATED, SortKey.UPDATED):
            return [format_datetime(datetime(2026, 12, 28, 23, 58, tzinfo=UTC)),
                    format_datetime(datetime(2026, 9, 30, 20, 48, tzinfo=UTC))]
        return []

    def changeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._measured.clear()  # measured again with the new font
            self.fit_columns()

    def _section_resized(self, logical: int, _old: int, new: int) -> None:
        """A width the user dragged is kept (not the ones the fit or a restored state set)."""
        if self._fitting or QGuiApplication.mouseButtons() == Qt.MouseButton.NoButton:
            return
        key = KEYS[logical]
        if key is SortKey.SUBJECT or self.horizontalHeader().isSectionHidden(logical):
            return
        self.user_widths[key] = new
        self.settings.setValue(WIDTHS_SETTING, [f"{k.value}={w}" for k, w in self.user_widths.items()])

    # --- the empty list ------------------------------------------------------------------------

    def set_empty_state(self, state: EmptyState | None) -> None:
        """What to say when the list has no rows (None: say nothing, e.g. before the cache opens)."""
        self._empty_state = state
        self._rows_changed()

    def _rows_changed(self) -> None:
        # A model reset lays the rows out from a 0 ms timer, and that layout repaints the whole
        # list again right after the reset's own paint: done now, the two paints are one (a
        # search keystroke or a sort change painted the list twice, ~6 ms each).
        self.executeDelayedItemsLayout()
        count = self.model().rowCount()
        self.setAccessibleDescription(ngettext("{count} case", "{count} cases", count).format(count=count))
        state = self._empty_state if count == 0 else None
        if state is not None:
            self.empty.show_state(state)
            self.empty.setGeometry(self.viewport().rect())
        self.empty.setVisible(state is not None)
        if self.isVisible():
            self.fit_columns()  # for the query's role; the rows themselves never change a width

    def sizeHint(self) -> QSize:  # noqa: N802
        """Room for the main columns and a readable subject: what the window's splitter gives the
        list at first (the case pane beside it asks for its own)."""
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.fontMetrics().averageCharWidth() * LIST_CHARS), hint.height())

    # --- events --------------------------------------------------------------------------------

    def contextMenuEvent(self, event) -> None:  # noqa: ANN001, N802
        """The menu key (or a right-click) on the rows opens the column picker too: the header
        takes no keyboard focus. Staff's commands for the selected rows come first."""
        if not self.row_actions:
            self._pop_up_columns(event.globalPos())
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addActions(self.row_actions)
        menu.addSeparator()
        columns = self.column_menu()
        columns.setParent(menu, columns.windowFlags())
        menu.addMenu(columns)
        menu.popup(event.globalPos())

    def offer_row_actions(self, actions: list[QAction]) -> None:
        """Staff act on several cases at once: rows are selected with Ctrl and Shift, and the
        context menu offers `actions` for them."""
        self.row_actions = actions
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

    def selected_case_ids(self) -> list[str]:
        """The selected rows' cases, in list order."""
        rows = sorted(index.row() for index in self.selectionModel().selectedRows())
        model = self.model()
        return [case_id for case_id in (model.case_id_at(row) for row in rows) if case_id]

    def showEvent(self, event) -> None:  # noqa: ANN001, N802
        super().showEvent(event)
        self.fit_columns()  # after the window restored a saved header state

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().resizeEvent(event)
        self.fit_columns()
        self.empty.setGeometry(self.viewport().rect())
