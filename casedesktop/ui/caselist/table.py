"""The case list's table view: columns that fit the pane, a column picker, the unread dot, the sort
arrow pointing the way the rows run, and a message in place of an empty list.

Columns are sized from what they hold (header text and values, measured with the font), not fixed
pixels: the subject takes what is left and elides. When the pane is too narrow for everything,
the least useful columns step aside (`DROP_FOR_ROOM`) before a horizontal scroll bar would appear.
Which columns the user wants, and widths they dragged, are kept in the profile's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSettings,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter
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

from casedesktop.domain import Severity, Status
from casedesktop.i18n import _, format_datetime, ngettext, pgettext
from casedesktop.store.list_sql import SortKey, Tab
from casedesktop.ui import theme
from casedesktop.ui.caselist.model import COLUMNS, CaseListModel

if TYPE_CHECKING:
    from casedesktop.store.case_list import ListQuery

KEYS: tuple[SortKey, ...] = tuple(key for _title, key in COLUMNS)
ALWAYS_SHOWN = (SortKey.NUMBER, SortKey.SUBJECT)  # the picker cannot hide these
# When the pane is too narrow, these step aside first to last; the others always stay.
DROP_FOR_ROOM = (SortKey.CREATED, SortKey.ACCOUNT, SortKey.OWNER, SortKey.PRODUCT, SortKey.SEVERITY)
LIST_CHARS = 112  # the list's preferred width, in average characters (~790 px at 7 px a character)
SUBJECT_MIN_CHARS = 26  # room the subject keeps (average characters) before columns step aside
STATUS_MAX_CHARS = 32  # a status with its flags ("Waiting on you · Escalated") reads whole
VALUE_MAX_CHARS = 22  # one long product or owner name does not make its column wider than this
SAMPLE_ROWS = 64  # rows measured for a column's width: more than a screenful, cheap on every refresh
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
        self._measured: dict[SortKey, int] = {}
        self._fitting = False
        self.empty = EmptyListMessage(self.viewport())
        self.empty.actionRequested.connect(self.emptyActionRequested)
        self._empty_state: EmptyState | None = None
        self.pick_first_row = True  # the window selects the first row while nothing is open
        model.modelReset.connect(self._rows_changed)

    # --- columns -------------------------------------------------------------------------------

    def column_menu(self) -> QMenu:
        """The header's menu: a check box per column, then what has no room, then a reset."""
        menu = QMenu(_("Columns"), self)
        menu.setToolTipsVisible(True)
        for title, key in COLUMNS:
            action = menu.addAction(_(title))
            action.setCheckable(True)
            action.setChecked(key not in self.hidden_by_choice)
            action.setEnabled(key not in ALWAYS_SHOWN)
            action.setData(key.value)
            action.toggled.connect(lambda shown, k=key: self.show_column(k, shown))
        if self.hidden_for_room:
            menu.addSeparator()
            names = pgettext("between items of a list", ", ").join(_(COLUMNS[KEYS.index(k)][0]) for k in self.hidden_for_room)
            note = menu.addAction(_("Not shown for lack of room: {columns}").format(columns=names))
            note.setEnabled(False)
        menu.addSeparator()
        reset = menu.addAction(_("Reset columns"))
        reset.setToolTip(_("Every column, each as wide as what it shows"))
        reset.triggered.connect(self.reset_columns)
        return menu

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
        """Show the chosen columns that fit, each as wide as its content; the subject takes the rest."""
        if not isinstance(self.model(), CaseListModel):
            return  # being built or torn down
        header = self.horizontalHeader()
        available = self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width()
        wanted = [k for k in KEYS if k not in self.hidden_by_choice
                  and not (k is SortKey.ACCOUNT and self.single_account)]
        widths = {k: self.user_widths.get(k) or self._content_width(k) for k in wanted}
        shown = list(wanted)
        subject_room = self.fontMetrics().averageCharWidth() * SUBJECT_MIN_CHARS
        for key in DROP_FOR_ROOM:
            if sum(widths[k] for k in shown if k is not SortKey.SUBJECT) + subject_room <= available:
                break
            if key in shown:
                shown.remove(key)
        fixed = sum(widths[k] for k in shown if k is not SortKey.SUBJECT)
        if fixed + subject_room > available and SortKey.STATUS in widths and SortKey.STATUS not in self.user_widths:
            # Still short: the status keeps room for its plain words; its flags elide (tooltip).
            plain = self._plain_status_width()
            widths[SortKey.STATUS] = min(widths[SortKey.STATUS], max(plain, widths[SortKey.STATUS] - (fixed + subject_room - available)))
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

    def _content_width(self, key: SortKey) -> int:
        """The header's text (with the sort arrow's room) or the widest value, measured in bold
        (an unread row is bold), whichever is wider; a long free-text value does not count in full."""
        column = KEYS.index(key)
        header = self.horizontalHeader().sectionSizeFromContents(column).width()
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        widest = max((metrics.horizontalAdvance(text) for text in self._samples(key)), default=0)
        cap = STATUS_MAX_CHARS if key is SortKey.STATUS else VALUE_MAX_CHARS
        widest = min(widest, metrics.averageCharWidth() * cap)
        if key is SortKey.NUMBER:
            widest += dot_margin(self.fontMetrics())
        padding = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 10
        width = max(header, widest + padding)
        width = max(width, self._measured.get(key, 0))  # grows, never shrinks: no jumping columns
        self._measured[key] = width
        return width

    def _plain_status_width(self) -> int:
        bold = QFont(self.font())
        bold.setBold(True)
        labels = (Status(s).label_for(self.model().role) for s in Status)
        return max(QFontMetrics(bold).horizontalAdvance(text) for text in labels) + 16

    def _samples(self, key: SortKey) -> list[str]:
        model: CaseListModel = self.model()
        column = KEYS.index(key)
        texts = [model.cell_text(row, column) for row in model.loaded_rows(SAMPLE_ROWS)]
        if key is SortKey.STATUS:
            texts.extend(Status(s).label_for(model.role) for s in Status)
        elif key is SortKey.SEVERITY:
            texts.extend(s.label for s in Severity)
        elif key in (SortKey.CREATED, SortKey.UPDATED) and not texts:
            texts.append(format_datetime(datetime(2026, 12, 28, 23, 58, tzinfo=UTC)))
        return texts

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
        count = self.model().rowCount()
        self.setAccessibleDescription(ngettext("{count} case", "{count} cases", count).format(count=count))
        state = self._empty_state if count == 0 else None
        if state is not None:
            self.empty.show_state(state)
            self.empty.setGeometry(self.viewport().rect())
        self.empty.setVisible(state is not None)
        if self.isVisible():
            self.fit_columns()  # new values may need more room

    def sizeHint(self) -> QSize:  # noqa: N802
        """Room for the main columns and a readable subject: what the window's splitter gives the
        list at first (the case pane beside it asks for its own)."""
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.fontMetrics().averageCharWidth() * LIST_CHARS), hint.height())

    # --- events --------------------------------------------------------------------------------

    def contextMenuEvent(self, event) -> None:  # noqa: ANN001, N802
        """The menu key (or a right-click) on the rows opens the column picker too: the header
        takes no keyboard focus."""
        self._pop_up_columns(event.globalPos())

    def showEvent(self, event) -> None:  # noqa: ANN001, N802
        super().showEvent(event)
        self.fit_columns()  # after the window restored a saved header state

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802
        super().resizeEvent(event)
        self.fit_columns()
        self.empty.setGeometry(self.viewport().rect())
