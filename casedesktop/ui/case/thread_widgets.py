"""The widgets of one thread item: a message, an inline event line, the resolution to accept.

A message is tinted by who wrote it (the theme's support, customer and internal-note tints) and
set to one side (the reader's own to the right), and it always names its author in words: colour
is never the only cue. Text is shown escaped with its links made clickable (`thread.linkify`).
Each item takes the keyboard focus (arrows move between them, see `ConversationView`) and
carries an accessible name such as "Support, 2026-12-05 10:42".

In staff's stream (`typed`) every item also names its kind with an icon and a word: "Reply",
"Internal note", or an activity line with its own icon, so tint is never the only difference;
the reader's own internal notes carry Delete.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileInfo, QSize, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileIconProvider,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action
from casedesktop.i18n import _, format_datetime
from casedesktop.ui import icons, theme
from casedesktop.ui.case import previews
from casedesktop.ui.case.thread import Event, Item, Message, Resolution, ThreadFile, linkify
from casedesktop.ui.flow_layout import FlowLayout

# The icon of each kind of item in staff's stream (freedesktop names, ui/icons.py).
REPLY_ICON = "mail-send"
NOTE_ICON = "system-users"  # staff only: seen by the team, never by the customer
ACTIVITY_ICON = "view-refresh"
BADGE_ICON_SIZE = 16

STOP_PROPERTY = "threadTabStop"
SIDE_MARGIN = 56  # how far a message stands off the other side: the reader's own to the right
_file_icons: QFileIconProvider | None = None


def rich_text(text: str) -> str:
    """Escaped, linked text that keeps its line breaks and spaces."""
    return f'<div style="white-space: pre-wrap">{linkify(text)}</div>'


def _body_label(text: str) -> QLabel:
    label = QLabel(rich_text(text))
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setOpenExternalLinks(True)
    flags = Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
    if "<a href=" in label.text():  # only a text with links takes Tab stops
        flags |= Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    label.setTextInteractionFlags(flags)
    if flags & Qt.TextInteractionFlag.LinksAccessibleByKeyboard:
        stop(label)
    return label


def stop(widget: QWidget) -> QWidget:
    """Mark a control inside the thread that Tab reaches: the view routes Tab through these in
    thread order (`ConversationView.focusNextPrevChild`), so they stay out of the window's chain."""
    widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    widget.setProperty(STOP_PROPERTY, True)
    return widget


class ThreadItem(QFrame):
    """What every item of the thread does: take the focus, show it, hand keys to the view."""

    keyMove = Signal(object, int)  # self, how far (-1 up, +1 down, -10**6 first, 10**6 last)
    focused = Signal(object)  # self: the view remembers where the reader is

    def __init__(self, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName(item.plain.split("\n", 1)[0])
        # No taller than its content: a wrapped label's minimum would otherwise pad every message.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        moves = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -5, Qt.Key.Key_PageDown: 5,
                 Qt.Key.Key_Home: -10**6, Qt.Key.Key_End: 10**6}
        if event.key() in moves and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.keyMove.emit(self, moves[event.key()])
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            QGuiApplication.clipboard().setText(self.item.plain)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.focused.emit(self)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: ANN001, N802
        super().paintEvent(event)
        if self.hasFocus():
            painter = QPainter(self)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.drawRect(self.rect().adjusted(1, 1, -1, -1))


def _tinted(widget: QWidget, background: str) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, theme.colour(background))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, theme.colour("message_text"))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


def _muted(label: QLabel) -> QLabel:
    theme.set_text_role(label, "muted_text")
    return label


def kind_icon(name: str, role: str = "message_text") -> QLabel:
    """A small icon as a label: the kind of an item, beside the word that names it."""
    label = QLabel()
    label.setPixmap(icons.pixmap(name, BADGE_ICON_SIZE, role))
    label.setFixedSize(BADGE_ICON_SIZE, BADGE_ICON_SIZE)
    return label


def kind_badge(message: Message) -> tuple[str, str]:
    """The word and the icon that say what a message is in staff's stream."""
    if message.internal:
        return _("Internal note"), NOTE_ICON
    if message.description:
        return _("Description"), REPLY_ICON
    return _("Reply"), REPLY_ICON


class MessageCard(ThreadItem):
    """One message: author and time, the text, and its files (pictures in place)."""

    fileChosen = Signal(object)  # ThreadFile
    deleteRequested = Signal(object)  # Message: the reader's own internal note, to take back

    def __init__(self, message: Message, previews_folder: Path, blob_path,  # noqa: ANN001
                 typed: bool = False, parent: QWidget | None = None):
        super().__init__(message, parent)
        self.message = message
        self.badge: QLabel | None = None
        self.delete_button: QPushButton | None = None
        if typed:
            word, icon_name = kind_badge(message)
            self.setAccessibleName(_("{kind}: {heading}").format(kind=word, heading=message.heading))
        else:
            self.setAccessibleName(message.heading)
        self.setAccessibleDescription(message.body)
        _tinted(self, "internal_note_background" if message.internal
                else "support_message_background" if message.staff else "customer_message_background")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(4)
        heading = QHBoxLayout()
        heading.setSpacing(10)
        if typed:
            kind_row = QHBoxLayout()
            kind_row.setSpacing(4)
            kind_row.addWidget(kind_icon(icon_name))
            self.badge = QLabel(word)
            badge_font = self.badge.font()
            badge_font.setBold(True)
            badge_font.setCapitalization(badge_font.Capitalization.AllUppercase)
            badge_font.setPointSizeF(badge_font.pointSizeF() * 0.85)
            self.badge.setFont(badge_font)
            if message.internal:
                self.badge.setToolTip(_("Staff only: the customer never sees it"))
            kind_row.addWidget(self.badge)
            heading.addLayout(kind_row)
        author = QLabel(message.author)
        font = author.font()
        font.setBold(True)
        author.setFont(font)
        heading.addWidget(author)
        tags = []
        if message.staff and message.name and message.author != message.name:
            tags.append(message.name)
        if message.description:
            tags.append(_("opened the case"))
        if message.internal:
            tags.append(_("staff only") if typed else _("Internal note: staff only"))
        tags.append(format_datetime(message.when))
        if message.pending:
            tags.append(_("waiting to sync"))
        self.tags = QLabel(", ".join(tags))
        self.tags.setWordWrap(True)
        heading.addWidget(self.tags, 1)
        if message.deletable:
            self.delete_button = QPushButton(icons.icon("list-remove"), _("Delete"))
            self.delete_button.setFlat(True)
            self.delete_button.setAccessibleName(_("Delete this internal note"))
            self.delete_button.setToolTip(_("Delete your internal note; the case's activity records it"))
            self.delete_button.clicked.connect(lambda: self.deleteRequested.emit(self.message))
            heading.addWidget(stop(self.delete_button), 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(heading)
        self.body = _body_label(message.body) if message.body else None
        if self.body is not None:
            layout.addWidget(self.body)
        self.file_buttons: dict[str, QToolButton | QPushButton] = {}
        if message.files:
            files = FlowLayout()  # several pictures wrap: the thread is never wider than its pane
            for file in message.files:
                button = self._file_button(file, previews_folder, blob_path)
                files.addWidget(button)
                self.file_buttons[file.attachment.id] = button
            layout.addLayout(files)

    def _file_button(self, file: ThreadFile, previews_folder: Path, blob_path) -> QToolButton | QPushButton:  # noqa: ANN001
        name = file.attachment.filename
        pictured = file.local and file.kind in ("image", "video")
        if pictured:
            button = QToolButton()
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setIconSize(QSize(previews.THUMBNAIL.width(), 48))
            button.setIcon(_file_icon(name))
            button.setText(file.text)
            button.setAccessibleName((_("Open the image {name}") if file.kind == "image"
                                      else _("Play the recording {name}")).format(name=name))
            previews.request(blob_path(file.attachment.sha256), file.kind, previews_folder, file.attachment.sha256,
                             lambda image, b=button, k=file.kind: _show_picture(b, image, k), owner=button)
        else:
            button = QPushButton(_file_icon(name), file.text)
            button.setFlat(True)
            button.setAccessibleName((_("Open {name}") if file.local else _("Download and open {name}")).format(name=name))
            button.setToolTip(_("Open {name}").format(name=name) if file.local
                              else _("Download {name} and open it").format(name=name))
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        stop(button)
        button.clicked.connect(lambda _=False, f=file: self.fileChosen.emit(f))
        return button


def _file_icon(name: str) -> QIcon:
    global _file_icons  # noqa: PLW0603 - one provider for every card
    if _file_icons is None:
        _file_icons = QFileIconProvider()
    return _file_icons.icon(QFileInfo(name))


def _show_picture(button: QToolButton, image: QImage, kind: str) -> None:
    pixmap = QPixmap.fromImage(image)
    if kind == "video":  # a play mark on the poster frame says it is a recording
        painter = QPainter(pixmap)
        side = max(24, min(pixmap.width(), pixmap.height()) // 3)
        mark = icons.pixmap("media-playback-start", side, "video_text")
        backdrop = theme.colour("video_background")
        backdrop.setAlpha(170)
        x, y = (pixmap.width() - side) // 2, (pixmap.height() - side) // 2
        painter.setBrush(backdrop)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(x - 6, y - 6, side + 12, side + 12)
        painter.drawPixmap(x, y, mark)
        painter.end()
    button.setIcon(QIcon(pixmap))
    button.setIconSize(pixmap.size())


class EventLine(ThreadItem):
    """A status change, an escalation or a close request, small between the messages."""

    def __init__(self, event: Event, typed: bool = False, parent: QWidget | None = None):
        super().__init__(event, parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(SIDE_MARGIN // 2, 2, SIDE_MARGIN // 2, 2)
        self.icon: QLabel | None = None
        if typed:  # staff's stream: the activity's own icon, then its wording, to the left
            layout.setContentsMargins(12, 2, SIDE_MARGIN // 2, 2)
            self.icon = kind_icon(ACTIVITY_ICON, "muted_text")
            layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = _("{event}, waiting to sync").format(event=event.plain) if event.pending else event.plain
        self.label = QLabel(text)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # names and reasons are never markup
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft if typed else Qt.AlignmentFlag.AlignHCenter)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.label.setFont(font)
        _muted(self.label)
        layout.addWidget(self.label, 1)
        self.setAccessibleName(text)


class ResolutionCard(ThreadItem):
    """The resolution support proposed, and Accept / Reject right under it."""

    actionChosen = Signal(object)  # Action

    def __init__(self, resolution: Resolution, parent: QWidget | None = None):
        super().__init__(resolution, parent)
        _tinted(self, "support_message_background")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        title = QLabel(_("Support resolved the case, {when}").format(when=format_datetime(resolution.when))
                       if resolution.when else _("Support resolved the case"))
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.summary = _body_label(resolution.summary or _("No summary was given."))
        layout.addWidget(self.summary)
        self.buttons: dict[Action, QPushButton] = {}
        if resolution.actions:
            question = QLabel(_("Did this solve your problem?"))
            layout.addWidget(question)
            row = QHBoxLayout()
            for action in resolution.actions:
                button = QPushButton(action.label)
                button.setToolTip(action.explanation)
                button.setAccessibleDescription(action.explanation)
                button.clicked.connect(lambda _=False, a=action: self.actionChosen.emit(a))
                row.addWidget(stop(button))
                self.buttons[action] = button
            row.addStretch(1)
            layout.addLayout(row)
        self.setAccessibleName(_("Resolution"))
        self.setAccessibleDescription(resolution.summary)


def widget_for(item: Item, previews_folder: Path, blob_path, typed: bool = False) -> ThreadItem:  # noqa: ANN001
    """The widget of one item; `typed` (staff's stream) labels each with its kind."""
    if isinstance(item, Message):
        return MessageCard(item, previews_folder, blob_path, typed)
    if isinstance(item, Event):
        return EventLine(item, typed)
    return ResolutionCard(item)
