"""The reply box under the conversation: text, files, a recording, and Send (or an internal note).

Staff choose what they write before they send it: "Reply to customer" or "Internal note". The
choice tints the box with the internal note's colour and says in words who will read it, and the
send button names it, so a note is never sent to the customer by mistake. What was sent keeps its
kind: a note cannot become a reply afterwards.

What the user writes is kept as a draft while they type (and when they switch cases), so a crash
or a closed window never loses a reply. Sending itself belongs to the case pane, which writes it
off the GUI thread and calls `sent()` or `refused()` when the cache has answered.

Tab leaves the editor (a reply rarely needs a tab character) and Ctrl+Enter sends from it. On a
closed case the box says so and offers Reopen instead of taking a reply nobody will act on; what
was written stays.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import Action, CommentKind, visible
from casedesktop.i18n import _
from casedesktop.store.blobs import BlobStore
from casedesktop.store.drafts import Draft, Drafts
from casedesktop.ui import icons, theme
from casedesktop.ui.case.attachment_list import AttachmentList
from casedesktop.ui.case.conversation import bold_when_checked
from casedesktop.ui.case.message_line import wrap_message


class ReplyBox(QWidget):
    sendRequested = Signal(object, str, list)  # CommentKind, body, [PreparedFile]
    recordRequested = Signal()  # record the screen and attach the video to the reply
    screenshotRequested = Signal()  # take a screenshot and attach it to the reply
    reopenRequested = Signal()  # the case is closed: reopen it to go on

    def __init__(self, blobs: BlobStore, drafts: Drafts, staff: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.blobs = blobs
        self.drafts = drafts
        self.case_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.closed_row = QWidget()
        closed_layout = QHBoxLayout(self.closed_row)
        closed_layout.setContentsMargins(0, 0, 0, 0)
        self.closed_note = QLabel(_("This case is closed. Reopen it if the problem is back; support sees "
                                    "replies on open cases."))
        self.closed_note.setWordWrap(True)
        theme.set_text_role(self.closed_note, "warning_text")
        closed_layout.addWidget(self.closed_note, 1)
        self.reopen_button = QPushButton(Action.REOPEN.label)
        self.reopen_button.setToolTip(Action.REOPEN.explanation)
        self.reopen_button.setAccessibleDescription(Action.REOPEN.explanation)
        self.reopen_button.clicked.connect(self.reopenRequested.emit)
        closed_layout.addWidget(self.reopen_button)
        self.closed_row.hide()
        layout.addWidget(self.closed_row)
        self.closed = False
        self.staff = staff
        self.kind = CommentKind.REPLY
        self.kind_row = QWidget()
        kind_layout = QHBoxLayout(self.kind_row)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(4)
        self.kind_group = QButtonGroup(self)
        self.reply_toggle = QPushButton(icons.icon("mail-send"), _("Reply to customer"))
        self.reply_toggle.setToolTip(_("The customer reads it in the conversation"))
        self.note_toggle = QPushButton(icons.icon("system-users"), _("Internal note"))
        self.note_toggle.setToolTip(_("Staff only: the customer never sees it"))
        for button, kind in ((self.reply_toggle, CommentKind.REPLY), (self.note_toggle, CommentKind.INTERNAL)):
            button.setCheckable(True)
            button.toggled.connect(lambda on, b=button: bold_when_checked(b, on))
            button.clicked.connect(lambda _=False, k=kind: self._choose(k))
            self.kind_group.addButton(button)
            kind_layout.addWidget(button)
        self.kind_note = QLabel()
        self.kind_note.setWordWrap(True)
        kind_layout.addWidget(self.kind_note, 1)
        self.kind_row.setVisible(staff)
        layout.addWidget(self.kind_row)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(_("Write a reply… (Ctrl+Enter sends)"))
        self.editor.setAccessibleName(_("Reply text"))
        self.editor.setMaximumHeight(84)  # the conversation above gets the room
        self.editor.setTabChangesFocus(True)
        self.editor.installEventFilter(self)
        layout.addWidget(self.editor)
        self.files = AttachmentList(blobs)
        self.files.refused.connect(lambda message: self.error.setText(message))
        self.record_button = QPushButton(icons.icon("media-record"), _("Record"))
        self.record_button.setAccessibleName(_("Record the screen for this reply"))
        self.record_button.setToolTip(_("Record the screen and attach the video to this reply"))
        self.record_button.clicked.connect(self.recordRequested.emit)
        self.files.buttons.insertWidget(2, self.record_button)
        self.screenshot_button = QPushButton(icons.icon("camera-photo"), _("Screenshot"))
        self.screenshot_button.setAccessibleName(_("Take a screenshot for this reply"))
        self.screenshot_button.setToolTip(_("Take a picture of the screen, mark it up, and attach it to this reply"))
        self.screenshot_button.clicked.connect(self.screenshotRequested.emit)
        self.files.buttons.insertWidget(3, self.screenshot_button)
        layout.addWidget(self.files)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(400)
        self._draft_timer.timeout.connect(self.save_draft)
        self.editor.textChanged.connect(self._draft_timer.start)
        self.files.changed.connect(self._draft_timer.start)
        row = QHBoxLayout()
        self.error = QLabel()
        wrap_message(self.error)
        theme.set_text_role(self.error, "error_text")
        row.addWidget(self.error, 1)
        self.internal_button = self.note_toggle  # the name the pane and older callers know it by
        self.send_button = QPushButton(icons.icon("mail-send"), _("&Send reply"))
        self.send_button.setAccessibleName(_("Send reply"))
        self.send_button.clicked.connect(lambda: self._request(self.kind))
        row.addWidget(self.send_button)
        layout.addLayout(row)
        self.set_kind(CommentKind.REPLY)
        theme.follow(self._tint)

    # --- reply or internal note ------------------------------------------------------------------

    def set_kind(self, kind: CommentKind) -> None:
        """What the next send writes: a reply the customer reads, or a note for staff alone."""
        if not self.staff:
            kind = CommentKind.REPLY
        self.kind = kind
        note = kind == CommentKind.INTERNAL
        (self.note_toggle if note else self.reply_toggle).setChecked(True)
        self.kind_note.setText(_("Internal note: only support staff see it.") if note
                               else _("Reply: the customer sees it."))
        self.editor.setPlaceholderText(_("Write an internal note… (Ctrl+Enter adds it)") if note
                                       else _("Write a reply… (Ctrl+Enter sends)"))
        self.editor.setAccessibleName(_("Internal note text") if note else _("Reply text"))
        self.send_button.setText(_("Add &note") if note else _("&Send reply"))
        self.send_button.setAccessibleName(_("Add internal note") if note else _("Send reply"))
        self.send_button.setIcon(icons.icon("system-users" if note else "mail-send"))
        self._tint()

    def _choose(self, kind: CommentKind) -> None:
        self.set_kind(kind)
        self._draft_timer.start()  # the draft remembers the choice with the text
        self.editor.setFocus()

    def _tint(self) -> None:
        """The editor in the internal note's colour while a note is written (the palette's)."""
        palette = self.palette()
        if self.kind == CommentKind.INTERNAL:
            palette.setColor(QPalette.ColorRole.Base, theme.colour("internal_note_background"))
            palette.setColor(QPalette.ColorRole.Text, theme.colour("message_text"))
        self.editor.setPalette(palette)

    # --- drafts --------------------------------------------------------------------------------

    @staticmethod
    def _draft_name(case_id: str | None) -> str:
        return f"reply-{case_id}"

    def show_case(self, case_id: str | None) -> None:
        """Keep the reply written for the case left; bring back the one written for `case_id`."""
        if case_id == self.case_id:
            return
        if self.case_id is not None:
            self.save_draft()
        self.case_id = case_id
        draft = self.drafts.load(self._draft_name(self.case_id)) if case_id else None
        self.editor.blockSignals(True)
        self.editor.setPlainText(draft.fields.get("body", "") if draft else "")
        self.editor.blockSignals(False)
        self.set_kind(CommentKind.INTERNAL if draft and draft.fields.get("kind") == CommentKind.INTERNAL
                      else CommentKind.REPLY)
        self.files.set_files([f for f in draft.files if self.blobs.has(f.sha256)] if draft else [])
        self.error.clear()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        if self.case_id is not None:
            self.drafts.save(self._draft_name(self.case_id), Draft({"body": self.editor.toPlainText(), "kind": str(self.kind)},
                                                                self.files.files()))

    def set_enabled(self, enabled: bool) -> None:
        self.editor.setEnabled(enabled)
        for widget in (self.send_button, self.reply_toggle, self.note_toggle):
            widget.setEnabled(enabled and not self.closed)

    def set_closed(self, closed: bool, can_reopen: bool) -> None:
        """A closed case takes no reply: say so, and offer Reopen where the lifecycle allows it."""
        self.closed = closed
        self.closed_row.setVisible(closed)
        self.reopen_button.setVisible(closed and can_reopen)
        self.closed_note.setText(
            _("This case is closed. Reopen it if the problem is back; support sees replies on open cases.")
            if can_reopen else _("This case is closed and can no longer take replies."))
        self.set_enabled(self.case_id is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Ctrl+Enter in the editor sends (before the window's shortcuts see it)."""
        if watched is self.editor and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            sends = (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                     and event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if sends:
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    self._request(self.kind)
                return True
        return super().eventFilter(watched, event)

    def add_recording(self, path) -> bool:  # noqa: ANN001 - a Path from the recording flow
        """A finished recording goes with the reply being written."""
        added = self.files.add_paths([path])
        if added:
            path.unlink(missing_ok=True)
        return added

    # --- sending -------------------------------------------------------------------------------

    def _request(self, kind: CommentKind) -> None:
        if self.case_id is None or not self.send_button.isEnabled():
            return
        if not visible(self.editor.toPlainText()) and self.files.files():
            # The domain's reply rule (validate_reply, on the cache and the server) wants words with the files.
            self.error.setText(_("Add a few words about the files, then send."))
            self.error.setToolTip(_("To add files without a message, use the Attachments tab."))
            self.editor.setFocus()
            return
        self.set_enabled(False)  # until the cache has it: one reply, never two
        self.sendRequested.emit(kind, self.editor.toPlainText(), self.files.files())

    def sent(self, case_id: str) -> None:
        """The reply is in the cache: clear the box (unless the user has moved to another case)."""
        self.set_enabled(self.case_id is not None)
        self.drafts.delete(self._draft_name(case_id))
        if case_id == self.case_id:
            self.editor.clear()
            self.files.clear()
            self._draft_timer.stop()
            self.error.clear()
            self.error.setToolTip("")

    def refused(self, message: str) -> None:
        """The reply could not be taken (empty, too long…): say why; the text stays."""
        self.set_enabled(self.case_id is not None)
        self.error.setText(message)
