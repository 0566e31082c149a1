"""One case: its fields, the conversation with a reply box, the activity, and the allowed actions."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    MissingField,
    Role,
    Severity,
    Status,
    TransitionError,
    activity_sentence,
    allowed_actions,
    megabytes,
    status_text,
)
from casedesktop.store import local_changes, queries
from casedesktop.store.blobs import BlobStore
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.drafts import Draft, Drafts
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.meta import Identity
from casedesktop.store.queries import SyncState
from casedesktop.ui.case.attachment_list import AttachmentList
from casedesktop.ui.case.attachments_tab import AttachmentsTab, Fetch
from casedesktop.ui.dialogs.reason import ReasonDialog
from casedesktop.ui.dialogs.survey import SurveyDialog


def _when(value) -> str:  # noqa: ANN001
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


class CaseDetailPane(QWidget):
    changed = Signal(object)  # Changes made here, for the dispatcher
    backRequested = Signal()
    recordRequested = Signal()  # record the screen and attach the video to the reply

    # The sections of the portals' case pages, in their order.
    SECTIONS = (
        ("Case information", (("number", "Case number"), ("case_type", "Type"), ("product", "Product"),
                              ("environment", "Environment"), ("account_name", "Account"))),
        ("Status information", (("status", "Status"), ("severity", "Severity"), ("priority", "Priority"),
                                ("category", "Category"), ("source", "Source"), ("owner_name", "Owner"))),
        ("Contact information", (("reported_by_name", "Reported by"), ("contact", "Contact"),
                                 ("cc_emails", "Cc"))),
        ("Dates", (("created_at", "Created"), ("updated_at", "Last updated"), ("resolved_at", "Resolved"),
                   ("closed_at", "Closed"))),
        ("Resolution", (("resolution_summary", "Summary"), ("resolution_root_cause", "Root cause"),
                        ("resolution_type", "Resolution type"))),
    )

    def __init__(self, db: CacheDB, identity: Identity, blobs: BlobStore | None = None,
                 fetch: Fetch | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._identity = identity
        self.blobs = blobs or BlobStore(db.path.parent)
        self.drafts = Drafts(db.path.parent)
        self.case_id: str | None = None
        self._detail: queries.CaseDetail | None = None

        layout = QVBoxLayout(self)
        title_row = QHBoxLayout()
        self.back_button = QPushButton("← Back")
        self.back_button.setToolTip("Back to the case opened before, then to the list as you left it (Alt+Left)")
        self.back_button.setAccessibleName("Back to the case list")
        self.back_button.clicked.connect(self.backRequested.emit)
        title_row.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel("Select a case to see it here.")
        self.title.setWordWrap(True)
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.title.setFont(title_font)  # a font, not a style sheet: the label keeps following the palette
        title_row.addWidget(self.title, 1)
        layout.addLayout(title_row)

        self.actions_row = QHBoxLayout()
        self.actions_row.addStretch(1)
        layout.addLayout(self.actions_row)
        self.action_buttons: dict[Action, QPushButton] = {}

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case tabs")
        layout.addWidget(self.tabs, 1)

        details = QWidget()
        self.form = QFormLayout(details)
        self.field_labels: dict[str, QLabel] = {}
        for section, fields in self.SECTIONS:
            heading = QLabel(section)
            heading_font = heading.font()
            heading_font.setBold(True)
            heading.setFont(heading_font)
            self.form.addRow(heading)
            for key, label in fields:
                value = QLabel("—")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(label)
                self.field_labels[key] = value
                self.form.addRow(label + ":", value)
        self.description = QTextBrowser()
        self.description.setAccessibleName("Case description")
        self.description.setMinimumHeight(90)
        self.form.addRow("Description:", self.description)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(details)
        self.tabs.addTab(scroller, "&Details")

        conversation = QWidget()
        conv_layout = QVBoxLayout(conversation)
        self.conversation = QTextBrowser()
        self.conversation.setAccessibleName("Conversation")
        self.conversation.setOpenExternalLinks(False)
        conv_layout.addWidget(self.conversation, 1)
        self.reply_box = QPlainTextEdit()
        self.reply_box.setPlaceholderText("Write a reply… (Ctrl+Enter sends)")
        self.reply_box.setAccessibleName("Reply text")
        self.reply_box.setMaximumHeight(110)
        conv_layout.addWidget(self.reply_box)
        self.reply_files = AttachmentList(self.blobs)
        self.reply_files.refused.connect(lambda message: self.reply_error.setText(message))
        self.reply_record_button = QPushButton("● Record")
        self.reply_record_button.setAccessibleName("Record the screen for this reply")
        self.reply_record_button.setToolTip("Record the screen and attach the video to this reply")
        self.reply_record_button.clicked.connect(self.recordRequested.emit)
        self.reply_files.layout().itemAt(1).layout().insertWidget(2, self.reply_record_button)
        conv_layout.addWidget(self.reply_files)
        self._reply_draft_timer = QTimer(self)
        self._reply_draft_timer.setSingleShot(True)
        self._reply_draft_timer.setInterval(400)
        self._reply_draft_timer.timeout.connect(self.save_reply_draft)
        self.reply_box.textChanged.connect(self._reply_draft_timer.start)
        self.reply_files.changed.connect(self._reply_draft_timer.start)
        reply_row = QHBoxLayout()
        self.reply_error = QLabel()
        self.reply_error.setStyleSheet("color: #c0392b;")
        reply_row.addWidget(self.reply_error, 1)
        self.internal_button = QPushButton("Add internal note")
        self.internal_button.setToolTip("Staff only: the customer never sees it")
        self.internal_button.setVisible(identity.role.is_staff)
        self.internal_button.clicked.connect(lambda: self._send(CommentKind.INTERNAL))
        reply_row.addWidget(self.internal_button)
        self.send_button = QPushButton("&Send reply")
        self.send_button.setAccessibleName("Send reply")
        self.send_button.clicked.connect(lambda: self._send(CommentKind.REPLY))
        reply_row.addWidget(self.send_button)
        conv_layout.addLayout(reply_row)
        self.tabs.addTab(conversation, "&Conversation")

        self.attachments = AttachmentsTab(db, self.blobs, fetch)
        self.attachments.filesAdded.connect(self._attach_to_case)
        self.attachments.changed.connect(self.changed.emit)
        self.attachments.rowStateChanged.connect(self._inline_state_changed)
        self._inline_timer = QTimer(self)  # progress ticks redraw the conversation at most twice a second
        self._inline_timer.setSingleShot(True)
        self._inline_timer.setInterval(500)
        self._inline_timer.timeout.connect(self._redraw_conversation)
        self.tabs.addTab(self.attachments, "A&ttachments")

        self.activity = QTextBrowser()
        self.activity.setAccessibleName("Activity")
        self.tabs.addTab(self.activity, "&Activity")
        self.show_case(None)

    # --- showing -------------------------------------------------------------------------------

    def show_case(self, case_id: str | None) -> None:
        if case_id != self.case_id:
            if self.case_id is not None:
                self.save_reply_draft()
            self.case_id = case_id
            self._restore_reply_draft()
            self.reply_error.clear()
        self.refresh()

    def _draft_name(self) -> str:
        return f"reply-{self.case_id}"

    def save_reply_draft(self) -> None:
        self._reply_draft_timer.stop()
        if self.case_id is not None:
            self.drafts.save(self._draft_name(), Draft({"body": self.reply_box.toPlainText()}, self.reply_files.files()))

    def _restore_reply_draft(self) -> None:
        draft = self.drafts.load(self._draft_name()) if self.case_id else None
        self.reply_box.blockSignals(True)
        self.reply_box.setPlainText(draft.fields.get("body", "") if draft else "")
        self.reply_box.blockSignals(False)
        self.reply_files.set_files([f for f in draft.files if self.blobs.has(f.sha256)] if draft else [])

    def add_recording(self, path) -> bool:  # noqa: ANN001 - a Path from the recording flow
        """A finished recording goes with the reply being written."""
        added = self.reply_files.add_paths([path])
        if added:
            path.unlink(missing_ok=True)
            self.tabs.setCurrentIndex(1)
        return added

    def refresh(self) -> None:
        enabled = self.case_id is not None
        for widget in (self.tabs, self.reply_box, self.send_button, self.internal_button):
            widget.setEnabled(enabled)
        if self.case_id is None:
            self.title.setText("Select a case to see it here, or press Ctrl+N to open a new one.")
            self._set_actions([])
            return
        try:
            detail = queries.case_detail(self._db, self.case_id)
        except LookupError:
            self.case_id = None
            self.refresh()
            return
        if queries.mark_read(self._db, self.case_id):
            self.changed.emit(Changes(frozenset({self.case_id}), list_changed=True))
        c = detail.case
        waiting = {SyncState.WAITING: " — waiting to sync", SyncState.FAILED: " — the server refused a change"}.get(detail.sync_state, "")
        self.title.setText(f"{c.number or 'New case'}: {c.subject}{waiting}")
        status = status_text(Status(c.status), self._identity.role, c.escalated, c.close_requested)
        contact = c.contact_name + (f" <{c.contact_email}>" if c.contact_email else "")
        values = {
            "number": c.number or "assigned when the server receives it",
            "status": status,
            "severity": f"{Severity(c.severity).label} — {Severity(c.severity).meaning}",
            "priority": (c.priority or "").capitalize(),
            "owner_name": c.owner_name or "Unassigned",
            "contact": contact,
            "created_at": _when(c.created_at),
            "updated_at": _when(c.updated_at),
            "resolved_at": _when(c.resolved_at) if c.resolved_at else "",
            "closed_at": _when(c.closed_at) if c.closed_at else "",
        }
        for key, label in self.field_labels.items():
            label.setText(values.get(key, getattr(c, key, "")) or "—")
        self.description.setPlainText(c.description)
        self._detail = detail
        self.attachments.show_attachments(detail.attachments)  # first: the conversation shows its states
        self.conversation.setHtml(self._conversation_html(detail))
        self.conversation.verticalScrollBar().setValue(self.conversation.verticalScrollBar().maximum())
        self.activity.setHtml(self._activity_html(detail))
        self.tabs.setTabText(2, f"A&ttachments ({len(detail.attachments)})" if detail.attachments else "A&ttachments")
        self._set_actions(allowed_actions(CaseState(Status(c.status), c.escalated, c.close_requested), self._identity.role))

    def _conversation_html(self, detail: queries.CaseDetail) -> str:
        parts = []
        files_of: dict[str, list[str]] = {}
        for a in detail.attachments:
            if a.comment_id:
                state = self.attachments.state_text(a)
                state = "" if state.startswith("Uploaded") and a.id not in self.attachments.transfers else f" — {state}"
                files_of.setdefault(a.comment_id, []).append(
                    f"📎 {html.escape(a.filename)} ({megabytes(a.size)}){html.escape(state)}")
        for m in detail.comments:
            staff = m.author_role != Role.CUSTOMER
            background = "#fff4d6" if m.kind == CommentKind.INTERNAL else "#e8f0fe" if staff else "#eef7ee"
            tag = "Internal note · " if m.kind == CommentKind.INTERNAL else "Support · " if staff else ""
            pending = " · <i>waiting to sync</i>" if m.sync_state != SyncState.SYNCED else ""
            parts.append(
                f'<table width="100%" cellpadding="8" style="background:{background}; color:#1b1b1b; margin-bottom:6px">'
                f"<tr><td><b>{html.escape(m.author_name)}</b> <small>{tag}{_when(m.created_at)}{pending}</small>"
                f"<br>{html.escape(m.body).replace(chr(10), '<br>')}"
                f"{'<br><small>' + '<br>'.join(files_of[m.id]) + '</small>' if m.id in files_of else ''}</td></tr></table>"
            )
        return "".join(parts) or "<p><i>No replies yet.</i></p>"

    def _inline_state_changed(self, attachment_id: str) -> None:
        inline = self._detail is not None and any(a.id == attachment_id and a.comment_id for a in self._detail.attachments)
        if inline and not self._inline_timer.isActive():
            self._inline_timer.start()

    def _redraw_conversation(self) -> None:
        """An inline file's state changed: redraw the conversation where the reader is."""
        if self._detail is None or self._detail.case.id != self.case_id:
            return
        bar = self.conversation.verticalScrollBar()
        at_end, value = bar.value() >= bar.maximum(), bar.value()
        self.conversation.setHtml(self._conversation_html(self._detail))
        bar.setValue(bar.maximum() if at_end else value)

    def _activity_html(self, detail: queries.CaseDetail) -> str:
        rows = []
        for a in detail.activity:
            change = ""
            if a.from_status and a.to_status and a.from_status != a.to_status:
                change = f" ({Status(a.from_status).label} → {Status(a.to_status).label})"
            reason = f": {html.escape(a.reason)}" if a.reason else ""
            pending = " <i>(waiting to sync)</i>" if a.sync_state != SyncState.SYNCED else ""
            sentence = html.escape(activity_sentence(a.action))
            rows.append(f"<li>{_when(a.created_at)} — <b>{html.escape(a.actor_name)}</b> {sentence}{change}{reason}{pending}</li>")
        return f"<ul>{''.join(rows)}</ul>" if rows else "<p><i>No activity yet.</i></p>"

    def _set_actions(self, actions: list[Action]) -> None:
        for button in self.action_buttons.values():
            self.actions_row.removeWidget(button)
            button.hide()  # gone at once, not when the event loop gets to deleteLater
            button.deleteLater()
        self.action_buttons = {}
        for action in actions:
            button = QPushButton(action.label)
            button.setAccessibleName(action.label)
            button.clicked.connect(lambda _=False, a=action: self.take_action(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action] = button

    # --- acting --------------------------------------------------------------------------------

    def _send(self, kind: CommentKind) -> None:
        if self.case_id is None:
            return
        try:
            _, changes = local_changes.add_comment(
                self._db, self._identity, self.case_id, self.reply_box.toPlainText(), kind, files=self.reply_files.files()
            )
        except InvalidInput as exc:
            self.reply_error.setText(str(exc))
            return
        self.reply_box.clear()
        self.reply_files.clear()
        self.drafts.delete(self._draft_name())
        self._reply_draft_timer.stop()
        self.reply_error.clear()
        self.changed.emit(changes)

    def _attach_to_case(self, files: list) -> None:
        if self.case_id is not None and files:
            _, changes = local_changes.attach_files(self._db, self._identity, self.case_id, files)
            self.changed.emit(changes)

    def take_action(self, action: Action, text: str | None = None) -> bool:
        """Ask for what the action needs, then apply it locally and queue it; True when taken."""
        if self.case_id is None:
            return False
        needs = action.rule.requires
        survey: dict[str, str] = {}
        if action is Action.ACCEPT and text is None:
            dialog = SurveyDialog(self)
            if dialog.exec() != SurveyDialog.DialogCode.Accepted:
                return False
            survey, text = dialog.answers(), ""
        if text is None and (needs or action in (Action.REQUEST_CLOSE, Action.CLOSE)):
            if "parent_case_id" in needs:
                QMessageBox.information(self, action.label, "Merging is done from the staff console for now.")
                return False
            dialog = ReasonDialog(action, required=bool(needs), parent=self)
            if dialog.exec() != ReasonDialog.DialogCode.Accepted:
                return False
            text = dialog.value()
        text = text or ""
        given = ActionInput(summary=text) if action is Action.RESOLVE else ActionInput(reason=text, survey=survey)
        try:
            _, changes = local_changes.take_action(self._db, self._identity, self.case_id, action, given)
        except (TransitionError, MissingField) as exc:
            QMessageBox.warning(self, action.label, str(exc))
            return False
        self.changed.emit(changes)
        return True
