"""One case: the header with its actions, and tabs for details, conversation, attachments, activity.

The pane reads the case on the GUI thread (one case: a quick read that WAL never blocks) and
writes through the cache's write lane (`ui/tasks.py`): marking it read, a reply, files, an action.
Each write's `Changes` go out through `changed`, to the window's one refresh point.

The Conversation tab is the case as one thread (`thread.py`); its Accept and Reject buttons take
the same path as the header's. A customer is offered only what they can understand and use: a
resolved case is accepted or rejected (accepting closes it), not closed beside them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    MissingField,
    Role,
    Status,
    TransitionError,
    allowed_actions,
    status_text,
)
from casedesktop.i18n import _, format_datetime
from casedesktop.store import local_changes, queries, reference, staff_changes
from casedesktop.store.attachments import PreparedFile
from casedesktop.store.changes import Changes
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.queries import AttachmentView, SyncState
from casedesktop.ui import theme
from casedesktop.ui.case import previews
from casedesktop.ui.case.attachments_tab import AttachmentsTab
from casedesktop.ui.case.conversation import ConversationView, StreamFilter, activity_html
from casedesktop.ui.case.fields import CaseFields
from casedesktop.ui.case.header import CaseHeader
from casedesktop.ui.case.reply_box import ReplyBox
from casedesktop.ui.case.thread import Message, ThreadFile, build_thread
from casedesktop.ui.case.viewer import ImageViewer, VideoViewer
from casedesktop.ui.dialogs.ask_customer import ask_customer
from casedesktop.ui.dialogs.merge import MergeDialog
from casedesktop.ui.dialogs.reason import ReasonDialog
from casedesktop.ui.dialogs.resolve import ResolveDialog
from casedesktop.ui.dialogs.survey import SurveyDialog
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.tasks import writes

CONVERSATION_TAB = 1
ATTACHMENTS_TAB = 2


def offered_actions(state: CaseState, role: Role) -> list[Action]:
    """The lifecycle's actions, as a customer is offered them: a resolution is accepted (which
    closes the case) or rejected, so Close case does not stand beside them."""
    actions = allowed_actions(state, role)
    if role is Role.CUSTOMER and Action.ACCEPT in actions and Action.CLOSE in actions:
        actions.remove(Action.CLOSE)
    return actions


class CaseDetailPane(QWidget):
    changed = Signal(object)  # Changes made here, for the window's refresh point
    recordRequested = Signal()  # record the screen and attach the video to the reply
    screenshotRequested = Signal()  # take a screenshot and attach it to the reply

    def __init__(self, session: ProfileSession, parent: QWidget | None = None):
        super().__init__(parent)
        self._session = session
        self._db = session.db
        self._identity = session.identity
        self.case_id: str | None = None
        self._detail: queries.CaseDetail | None = None

        layout = QVBoxLayout(self)
        self.header = CaseHeader()
        self.header.actionChosen.connect(self.take_action)
        layout.addWidget(self.header)
        self.triage = None  # staff's triage of the case (ui/case/triage.py); customers have none
        if self._identity.role.is_staff:
            from casedesktop.ui.case.triage import TriagePanel

            self.triage = TriagePanel(self._db, self._identity)
            self.triage.changed.connect(self.changed.emit)
            layout.addWidget(self.triage)
        self.title = self.header.title
        self._several_accounts: bool | None = None  # read once from the reference data

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Case tabs"))
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its tab bar is the Tab stop (the focus proxy)
        layout.addWidget(self.tabs, 1)

        self.fields = CaseFields()
        self.field_labels = self.fields.labels
        self.tabs.addTab(self.fields, _("&Details"))

        conversation = QWidget()
        conv_layout = QVBoxLayout(conversation)
        conv_layout.setContentsMargins(0, 0, 0, 0)
        self.conversation = ConversationView(session.blobs.root.parent / previews.FOLDER, session.blobs.path_of)
        self.conversation.fileChosen.connect(self.open_file)
        self.conversation.actionChosen.connect(self.take_action)
        self.conversation.deleteRequested.connect(self.delete_note)
        self.stream_filter = None  # staff's stream: every kind labelled, a filter above it
        if self._identity.role.is_staff:
            self.stream_filter = StreamFilter()
            self.stream_filter.chosen.connect(self.conversation.set_filter)
            self.conversation.set_typed(True)
            conv_layout.addWidget(self.stream_filter)
        conv_layout.addWidget(self.conversation, 1)
        self.reply = ReplyBox(session.blobs, session.drafts, self._identity.role.is_staff)
        self.reply.sendRequested.connect(self._send)
        self.reply.recordRequested.connect(self.recordRequested.emit)
        self.reply.screenshotRequested.connect(self.screenshotRequested.emit)
        self.reply.reopenRequested.connect(lambda: self.take_action(Action.REOPEN))
        conv_layout.addWidget(self.reply)
        self.reply_box = self.reply.editor
        self.send_button = self.reply.send_button
        self.internal_button = self.reply.internal_button
        self.reply_error = self.reply.error
        self.tabs.addTab(conversation, _("&Conversation"))

        self.attachments = AttachmentsTab(session.db, session.blobs, session.fetch)
        self.attachments.filesAdded.connect(self._attach_to_case)
        self.attachments.changed.connect(self.changed.emit)
        self.attachments.rowStateChanged.connect(self._inline_state_changed)
        self._inline_timer = QTimer(self)  # progress ticks redraw the conversation at most twice a second
        self._inline_timer.setSingleShot(True)
        self._inline_timer.setInterval(500)
        self._inline_timer.timeout.connect(self._redraw_conversation)
        self.tabs.addTab(self.attachments, _("A&ttachments"))

        self.activity = QTextBrowser()
        self.activity.setAccessibleName(_("Activity"))
        self.tabs.addTab(self.activity, _("Activit&y"))  # Alt+A is Attach files
        # A case opens on its conversation; the tab the user picks then stays for the next case.
        self.tabs.setCurrentIndex(CONVERSATION_TAB)
        self._actions: list[Action] = []
        self.viewer = None  # the image or recording opened from the conversation
        self.show_case(None)
        theme.follow(self._recolour_conversation)  # its colours are the palette's: made again when it changes

    @property
    def action_buttons(self) -> dict:
        return self.header.action_buttons

    # --- showing -------------------------------------------------------------------------------

    def show_case(self, case_id: str | None) -> None:
        if case_id != self.case_id:
            self.case_id = case_id
            self.reply.show_case(case_id)
            self.attachments.message.clear()  # it spoke of the case left
        self.refresh()

    def save_reply_draft(self) -> None:
        self.reply.save_draft()

    def add_recording(self, path) -> bool:  # noqa: ANN001 - a Path from the recording flow
        """A finished recording goes with the reply being written."""
        added = self.reply.add_recording(path)
        if added:
            self.tabs.setCurrentIndex(CONVERSATION_TAB)
        return added

    def refresh(self) -> None:
        enabled = self.case_id is not None
        self.tabs.setEnabled(enabled)
        self.tabs.setVisible(enabled)  # no case: the title's hint alone, not the last case greyed out
        self.reply.set_enabled(enabled)
        if self.case_id is None:
            self._detail = None
            self.title.setText(_("Select a case to see it here, or press Ctrl+N to open a new one."))
            self.header.set_status("")
            if self.triage is not None:
                self.triage.show_case(None)
            self.header.set_actions([])
            self.reply.set_closed(False, False)
            return
        try:
            detail = queries.case_detail(self._db, self.case_id)
        except LookupError:
            self.case_id = None
            self.reply.show_case(None)
            self.refresh()
            return
        if detail.case.unread:
            case_id = self.case_id
            writes().run(queries.mark_read, self._db, case_id, owner=self,
                         done=lambda marked: marked and self.changed.emit(Changes(frozenset({case_id}), list_changed=True)))
        c = detail.case
        number = c.number or _("New case")
        if detail.sync_state == SyncState.WAITING:
            title = _("{case}: {subject} — waiting to sync")
        elif detail.sync_state == SyncState.FAILED:
            title = _("{case}: {subject} — the server refused a change")
        else:
            title = _("{case}: {subject}")
        self.title.setText(title.format(case=number, subject=c.subject))
        role = self._identity.role
        self.fields.show_case(c, role, self._has_several_accounts())
        if self.triage is not None:
            self.triage.show_case(c)
        shown_before = self._detail is not None and self._detail.case.id == c.id
        self._detail = detail
        self.attachments.show_attachments(detail.attachments)  # first: the conversation shows its states
        self._actions = offered_actions(CaseState(Status(c.status), c.escalated, c.close_requested), role)
        self.conversation.show_items(self._thread(), keep_place=shown_before)
        self.activity.setHtml(activity_html(detail))
        self.tabs.setTabText(ATTACHMENTS_TAB, _("A&ttachments ({count})").format(count=len(detail.attachments))
                             if detail.attachments else _("A&ttachments"))
        self.header.set_status(status_text(Status(c.status), role, c.escalated, c.close_requested))
        self.header.set_actions(self._actions)
        self.reply.set_closed(c.status in (Status.CLOSED, Status.MERGED), Action.REOPEN in self._actions)

    def _has_several_accounts(self) -> bool:
        """Whether the user belongs to more than one account (the reference data lists theirs)."""
        if self._several_accounts is None:
            self._several_accounts = len(reference.load(self._db).accounts) > 1
        return self._several_accounts

    def _thread(self) -> list:
        assert self._detail is not None
        return build_thread(self._detail, self._identity, self._inline_state, self._session.blobs.has, self._actions)

    def _inline_state(self, a: AttachmentView) -> str:
        if a.sync_state == SyncState.SYNCED and a.id not in self.attachments.transfers:
            return ""  # uploaded and at rest: nothing to say beside the file
        return f" — {self.attachments.state_text(a)}"

    def _inline_state_changed(self, attachment_id: str) -> None:
        inline = self._detail is not None and any(a.id == attachment_id and a.comment_id for a in self._detail.attachments)
        if inline and not self._inline_timer.isActive():
            self._inline_timer.start()

    def _redraw_conversation(self) -> None:
        """An inline file's state changed: redraw the conversation where the reader is."""
        if self._detail is None or self._detail.case.id != self.case_id:
            return
        self.conversation.show_items(self._thread(), keep_place=True)

    def _recolour_conversation(self) -> None:
        """The palette changed: the messages' tints are made again from it."""
        if self._detail is not None and self._detail.case.id == self.case_id:
            self.conversation.rebuild()

    def open_file(self, file: ThreadFile) -> None:
        """A file clicked in the conversation: pictures and recordings open here, other files in
        their program; one not downloaded yet is fetched first."""
        attachment = file.attachment
        if file.kind == "file":
            self.attachments.open_attachment(attachment)
            return

        def show(path: Path) -> None:
            viewer = (ImageViewer if file.kind == "image" else VideoViewer)(path, attachment.filename, self)
            viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.viewer = viewer
            viewer.open()

        self.attachments.with_local_file(attachment, show)

    # --- acting --------------------------------------------------------------------------------

    def _send(self, kind: CommentKind, body: str, files: list[PreparedFile]) -> None:
        case_id = self.case_id
        if case_id is None:
            return

        def sent(result: tuple) -> None:
            self.reply.sent(case_id)
            self.changed.emit(result[1])

        def refused(error: BaseException) -> None:
            if not isinstance(error, InvalidInput):
                self.reply.refused(_("The reply could not be saved; it is still here. Try again."))
                raise error
            self.reply.refused(str(error))

        writes().run(local_changes.add_comment, self._db, self._identity, case_id, body, kind, files=files,
                     done=sent, failed=refused, owner=self)

    def _attach_to_case(self, files: list) -> None:
        if self.case_id is not None and files:
            writes().run(local_changes.attach_files, self._db, self._identity, self.case_id, files,
                         done=lambda result: self.changed.emit(result[1]), owner=self)

    def take_action(self, action: Action, text: str | None = None) -> bool:
        """Ask for what the action needs, then apply it locally and queue it; True when asked for
        (the cache takes it on the write lane; a refusal is shown when it answers)."""
        if self.case_id is None:
            return False
        needs = action.rule.requires
        survey: dict[str, str] = {}
        if action is Action.ACCEPT and text is None:
            dialog = SurveyDialog(self)
            if dialog.exec() != SurveyDialog.DialogCode.Accepted:
                return False
            survey, text = dialog.answers(), ""
        if text is None and (needs or action in (Action.REQUEST_CLOSE, Action.CLOSE, Action.PENDING_CUSTOMER)):
            if action in (Action.PENDING_CUSTOMER, Action.RESOLVE, Action.MERGE):
                return self._staff_action(action)
            dialog = ReasonDialog(action, required=bool(needs), parent=self)
            if dialog.exec() != ReasonDialog.DialogCode.Accepted:
                return False
            text = dialog.value()
        text = text or ""
        given = ActionInput(summary=text) if action is Action.RESOLVE else ActionInput(reason=text, survey=survey)
        return self._apply(action, given)

    def _apply(self, action: Action, given: ActionInput) -> bool:
        def refused(error: BaseException) -> None:
            if not isinstance(error, TransitionError | MissingField):
                raise error
            QMessageBox.warning(self, action.label, str(error))

        writes().run(local_changes.take_action, self._db, self._identity, self.case_id, action, given,
                     done=lambda result: self.changed.emit(result[1]), failed=refused, owner=self)
        return True

    def _staff_action(self, action: Action) -> bool:
        """Staff's actions with a dialog of their own: a question sent with the new status,
        a resolution in full, the case to merge into."""
        assert self._detail is not None and self.case_id is not None
        case = self._detail.case
        label = case.number or _("this case")
        if action is Action.PENDING_CUSTOMER:
            return ask_customer(self, self._db, self._identity, self.case_id, label, self.changed.emit)
        if action is Action.RESOLVE:
            resolve = ResolveDialog(self)
            return resolve.exec() == ResolveDialog.DialogCode.Accepted and self._apply(action, resolve.value())
        merge = MergeDialog(self._db, self._identity.role, case.id, label, case.account_name, self)
        if merge.exec() != MergeDialog.DialogCode.Accepted or merge.chosen() is None:
            return False
        return self._apply(action, ActionInput(parent_case_id=merge.chosen().id))

    def delete_note(self, note: Message) -> None:
        """Take back one's own internal note, once confirmed; the activity records the deletion."""
        case_id = self.case_id
        if case_id is None:
            return
        answer = QMessageBox.question(
            self, _("Delete internal note"),
            _("Delete your internal note of {when}? It cannot be brought back.").format(
                when=format_datetime(note.when)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return

        def refused(error: BaseException) -> None:
            if not isinstance(error, InvalidInput | LookupError):
                raise error
            QMessageBox.warning(self, _("Delete internal note"), str(error))

        writes().run(staff_changes.delete_note, self._db, self._identity, case_id, note.key,
                     done=lambda result: self.changed.emit(result[1]), failed=refused, owner=self)
