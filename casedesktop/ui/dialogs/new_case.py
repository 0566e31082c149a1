"""The New Case dialog: every field of the portals, attachments and recordings, a draft saved as
you type; the case is saved to the cache at once and sent when the server can be reached.

Create is always enabled: a click (or Ctrl+Enter) on an incomplete form says what is missing next
to each field, in space the form keeps for it (nothing moves), and takes the keyboard to the first
field to fix; from then on each message goes as soon as its field is right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import (
    CASE_TYPES,
    SOURCES,
    SUBJECT_MAX,
    Priority,
    Severity,
    ValidationError,
    parse_emails,
    validate_emails,
    validate_new_case,
    validate_product,
)
from casedesktop.i18n import _, format_number, format_time, ngettext
from casedesktop.store import case_list, local_changes
from casedesktop.store.attachments import PreparedFile
from casedesktop.store.changes import Changes
from casedesktop.store.drafts import NEW_CASE, Draft
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.reference import Reference
from casedesktop.ui import icons
from casedesktop.ui.case.attachment_list import AttachmentList
from casedesktop.ui.field_message import FieldMessage, with_message
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.tasks import writes

DEFAULT_PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll")
DRAFT_DELAY_MS = 400
PASTE_MAX = 1_000_000  # Qt's own limit (32,767) would cut a paste silently; the dialog cuts and says so


class NewCaseDialog(QDialog):
    recordRequested = Signal()  # the user wants to record the screen and attach it here
    screenshotRequested = Signal()  # the user wants a screenshot attached here

    def __init__(self, session: ProfileSession, reference: Reference | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("New case"))
        self.setMinimumSize(720, 640)  # the file buttons and "up to 40 MB each" on one line
        self._db = session.db
        self._identity = session.identity
        self.reference = reference or Reference()
        self.drafts = session.drafts
        self.created_case_id: str | None = None
        self.changes = Changes()
        self._keeps_draft = True  # False for a form filled by the app (an error report): see prefill
        self._edited_since_prefill = False
        self._attempted = False  # Create was pressed: from then on the messages follow every edit
        self._refused: dict[str, str] = {}  # what the cache refused, by field, until the next edit
        self._refusal = ""  # why the last files were not attached
        self._subject_notice = ""  # what was cut from the subject
        self._cutting = False
        self.messages: dict[str, FieldMessage] = {}  # by field, in the order of the form

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.account = QComboBox()
        self.account.setAccessibleName(_("Account"))
        for account in self.reference.accounts:
            self.account.addItem(account.name, account.id)
        self.account.currentIndexChanged.connect(self._fill_contacts)
        self.account_label = QLabel(_("&Account: *"))
        self.account_label.setBuddy(self.account)
        form.addRow(self.account_label, self.account)  # always one chosen: no line kept for a message
        several = len(self.reference.accounts) > 1
        self.account.setVisible(several)
        self.account_label.setVisible(several)
        self.contact = QComboBox()
        self.contact.setAccessibleName(_("Contact: open the case on behalf of"))
        form.addRow(_("C&ontact:"), self.contact)
        self.product = QComboBox()
        self.product.setEditable(True)
        self.product.addItems(self.reference.products or case_list.distinct_values(self._db, "product") or list(DEFAULT_PRODUCTS))
        self.product.setAccessibleName(_("Product"))
        form.addRow(_("&Product: *"), self._with_message("product", self.product))
        self.environment = QLineEdit()
        self.environment.setPlaceholderText(_("Tenant, site or environment (e.g. Production EU)"))
        self.environment.setAccessibleName(_("Environment"))
        form.addRow(_("&Environment:"), self.environment)
        self.case_type = QComboBox()
        for case_type in CASE_TYPES:  # shown translated, kept and sent as the English value
            self.case_type.addItem(_(case_type), case_type)
        self.case_type.setAccessibleName(_("Type"))
        form.addRow(_("&Type:"), self.case_type)
        self.severity = QComboBox()
        for severity in Severity:  # each choice says what it is for
            self.severity.addItem(severity.label_with_meaning, severity.value)
        self.severity.setCurrentIndex(list(Severity).index(Severity.STANDARD))
        self.severity.setAccessibleName(_("Severity"))
        form.addRow(_("Se&verity: *"), self.severity)
        self.priority: QComboBox | None = None  # staff log cases for customers, triaged at once
        self.category: QComboBox | None = None
        self.source: QComboBox | None = None
        if self._identity.role.is_staff:
            self._add_triage_rows(form)
        self.subject = QLineEdit()
        self.subject.setMaxLength(PASTE_MAX)
        self.subject.setPlaceholderText(_("One line that sums up the problem"))
        self.subject.setAccessibleName(_("Subject"))
        self.subject.textChanged.connect(self._keep_subject_in_limit)
        form.addRow(_("&Subject: *"), self._with_message("subject", self.subject))
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(_("What did you do, what did you expect, what happened instead?"))
        self.description.setAccessibleName(_("Description"))
        self.description.setTabChangesFocus(True)  # Tab leads on to the files and the buttons
        form.addRow(_("&Description: *"), self._with_message("description", self.description))
        self.cc = QLineEdit()
        self.cc.setPlaceholderText(_("colleague@example.com, another@example.com"))
        self.cc.setAccessibleName(_("Copy people by email"))
        form.addRow(_("&Cc:"), self._with_message("cc_emails", self.cc, lines=2))  # it quotes a long address
        layout.addLayout(form)

        self.attachments = AttachmentList(session.blobs, self.reference.max_attachment_bytes)
        self.attachments.refused.connect(self._show_refusal)
        self.attachments.hint.setWordWrap(True)  # the limit stays readable in a longer language
        layout.addWidget(self.attachments)
        # Said of the Attach button, which is always shown and is what the user needs next.
        self.attachments_message = self.messages["attachments"] = FieldMessage(self.attachments.add_button, lines=2)
        layout.addWidget(self.attachments_message)
        self.record_button = QPushButton(icons.icon("media-record"), _("&Record screen…"))
        self.record_button.setToolTip(_("Record the problem as it happens; the video is attached here"))
        self.record_button.clicked.connect(self.recordRequested.emit)
        self.attachments.buttons.insertWidget(2, self.record_button)
        self.screenshot_button = QPushButton(icons.icon("camera-photo"), _("Screens&hot…"))
        self.screenshot_button.setToolTip(_("Take a picture of the screen, mark it up, and attach it here"))
        self.screenshot_button.clicked.connect(self.screenshotRequested.emit)
        self.attachments.buttons.insertWidget(3, self.screenshot_button)
        QWidget.setTabOrder(self.attachments.paste_button, self.record_button)  # Tab goes as the row reads
        QWidget.setTabOrder(self.record_button, self.screenshot_button)
        QWidget.setTabOrder(self.screenshot_button, self.attachments.remove_button)
        # Enter always means Create case: a button focused by its last click must not take it over.
        for button in (self.record_button, self.screenshot_button, self.attachments.add_button,
                       self.attachments.paste_button, self.attachments.remove_button):
            button.setAutoDefault(False)

        self.draft_row = QHBoxLayout()
        self.draft_note = QLabel()
        self.discard_draft_button = QPushButton(_("Discard draft"))
        self.discard_draft_button.clicked.connect(self.discard_draft)
        self.draft_row.addWidget(self.draft_note, 1)
        self.draft_row.addWidget(self.discard_draft_button)
        layout.addLayout(self.draft_row)

        self.required_hint = QLabel(_("Fields marked * are required."))
        layout.addWidget(self.required_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(_("Create case"))
        self.create_button.setToolTip(_("Save the case (Ctrl+Enter); it is sent when online"))
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # from any field, the description included
            QShortcut(QKeySequence(keys), self, self.create)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._fill_contacts()
        self._restore_draft()
        for signal in (self.severity.currentIndexChanged, self.subject.textChanged, self.description.textChanged,
                       self.cc.textChanged, self.environment.textChanged, self.case_type.currentIndexChanged,
                       self.product.currentTextChanged, self.contact.currentIndexChanged, self.account.currentIndexChanged,
                       self.attachments.changed):
            signal.connect(self._edited)
        self.attachments.changed.connect(self._files_changed)
        self._show_messages()

    def _add_triage_rows(self, form: QFormLayout) -> None:
        """Priority, category (the vendor's list as cached) and source: staff only."""
        self.priority = QComboBox()
        self.priority.addItem(_("No priority"), "")
        for priority in reversed(Priority):
            self.priority.addItem(priority.label, priority.value)
        self.priority.setAccessibleName(_("Priority"))
        form.addRow(_("Priorit&y:"), self.priority)
        self.category = QComboBox()
        self.category.addItem(_("No category"), "")
        for category in self.reference.categories:
            self.category.addItem(category, category)
        self.category.setAccessibleName(_("Category"))
        form.addRow(_("Cate&gory:"), self.category)
        self.source = QComboBox()
        for source in SOURCES:  # shown translated, sent as the English value
            self.source.addItem(_(source), source)
        self.source.setCurrentIndex(max(self.source.findData("Email"), 0))  # most cases staff log came by email
        self.source.setAccessibleName(_("Source"))
        form.addRow(_("Sou&rce:"), self.source)

    def _with_message(self, key: str, field: QWidget, lines: int = 1) -> QWidget:
        """`field` with its message line under it, for the form row."""
        box, self.messages[key] = with_message(field, lines)
        return box

    # --- fields ----------------------------------------------------------------------------------

    def _fill_contacts(self) -> None:
        self.contact.clear()
        self.contact.addItem(_("Me ({name})").format(name=self._identity.name), "")
        account = next((a for a in self.reference.accounts if a.id == self.account.currentData()), None)
        for contact in account.contacts if account else []:
            if contact.email != self._identity.email:
                self.contact.addItem(f"{contact.name} <{contact.email}>" if contact.email else contact.name, contact.id)

    def fields(self) -> dict[str, str]:
        return {
            "account": self.account.currentData() or "",
            "contact": self.contact.currentData() or "",
            "product": self.product.currentText(),
            "environment": self.environment.text(),
            "case_type": self.case_type.currentData() or "",
            "severity": self.severity.currentData(),
            "subject": self.subject.text(),
            "description": self.description.toPlainText(),
            "cc_emails": self.cc.text(),
            "priority": self.priority.currentData() or "" if self.priority is not None else "",
            "category": self.category.currentData() or "" if self.category is not None else "",
            "source": self.source.currentData() or "" if self.source is not None else "",
        }

    def problems(self) -> list[ValidationError]:
        """What stops the case from being created, each with its field, in the order of the form."""
        f = self.fields()
        errors = validate_new_case(f["subject"], f["description"], f["severity"])
        errors += validate_product(f["product"], self.reference.products)
        errors += validate_emails(parse_emails(f["cc_emails"]))
        if len(self.reference.accounts) > 1 and not f["account"]:
            errors.append(ValidationError("account", _("Choose the account this case is for.")))
        order = list(self.messages)
        return sorted(errors, key=lambda e: order.index(e.field) if e.field in order else len(order))

    def _edited(self) -> None:
        self._refused = {}
        self._edited_since_prefill = True
        self._show_messages()
        self._draft_timer.start()

    def _files_changed(self) -> None:
        self._refusal = ""
        self._show_messages()

    def _show_messages(self) -> None:
        """Each field's message: its error once Create was pressed (or the cache refused it), else
        what was cut from it or why files were not attached; nothing otherwise."""
        errors: dict[str, str] = {}
        for error in self.problems() if self._attempted else []:
            key = error.field if error.field in self.messages else "attachments"  # the form's last line
            errors.setdefault(key, error.message)
        for key, message in self._refused.items():
            errors.setdefault(key if key in self.messages else "attachments", message)
        for key, message in self.messages.items():
            if key in errors:
                message.show_error(errors[key])
            elif key == "subject" and self._subject_notice:
                message.show_notice(self._subject_notice)
            elif key == "attachments" and self._refusal:
                message.show_error(self._refusal)
            else:
                message.clear()

    def _keep_subject_in_limit(self, text: str) -> None:
        """Cut what goes past the limit from the end of what was just typed or pasted (as a field's
        maximum length would), and say so beside the field: never a silent cut."""
        if self._cutting:
            return
        excess = len(text) - SUBJECT_MAX
        if excess <= 0:
            self._subject_notice = ""
            return
        end = self.subject.cursorPosition()
        start = end - excess if end >= excess else SUBJECT_MAX
        end = end if end >= excess else len(text)
        self._cutting = True
        try:
            self.subject.setText(text[:start] + text[end:])
            self.subject.setCursorPosition(start)
        finally:
            self._cutting = False
        self._subject_notice = ngettext(
            "Subject is limited to {limit} characters; the last {count} was cut.",
            "Subject is limited to {limit} characters; the last {count} were cut.", excess,
        ).format(limit=format_number(SUBJECT_MAX), count=format_number(excess))
        self._show_messages()
        self.messages["subject"].announce()

    def _show_refusal(self, message: str) -> None:
        self._refusal = message
        self._show_messages()
        self.attachments_message.announce()

    def add_recording(self, path) -> bool:  # noqa: ANN001 - a Path from the recording flow
        added = self.attachments.add_paths([path])
        if added:
            path.unlink(missing_ok=True)  # it is in the blob store now
        return added

    # --- drafts ----------------------------------------------------------------------------------

    def prefill(self, subject: str, description: str, paths: Sequence[Path] = ()) -> None:
        """Fill the form for the user to review and send or cancel (an error report). The user's own
        draft is neither shown here nor overwritten by this form; `paths` are attached like any
        file, so the user may remove them."""
        self._keeps_draft = False
        self.draft_note.hide()
        self.discard_draft_button.hide()
        self.environment.clear()
        self.cc.clear()
        self.case_type.setCurrentIndex(0)  # a problem, of standard severity, unless the user says more
        self.severity.setCurrentIndex(list(Severity).index(Severity.STANDARD))
        self.subject.setText(subject)
        self.description.setPlainText(description)
        self.attachments.clear()
        if paths:
            self.attachments.add_paths(list(paths))
        self._draft_timer.stop()
        self._edited_since_prefill = False

    def save_draft(self) -> None:
        if not self._keeps_draft:
            return
        self.drafts.save(NEW_CASE, Draft(self.fields(), self.attachments.files()))

    def _restore_draft(self) -> None:
        draft = self.drafts.load(NEW_CASE)
        self.draft_note.setVisible(draft is not None)
        self.discard_draft_button.setVisible(draft is not None)
        if draft is None:
            return
        f = draft.fields
        index = self.account.findData(f.get("account"))
        if index >= 0:
            self.account.setCurrentIndex(index)
        index = self.contact.findData(f.get("contact"))
        if index >= 0:
            self.contact.setCurrentIndex(index)
        self.product.setCurrentText(f.get("product", self.product.currentText()))
        self.environment.setText(f.get("environment", ""))
        index = self.case_type.findData(f.get("case_type"))
        if index >= 0:
            self.case_type.setCurrentIndex(index)
        index = self.severity.findData(f.get("severity"))
        if index >= 0:
            self.severity.setCurrentIndex(index)
        self.subject.setText(f.get("subject", ""))
        self.description.setPlainText(f.get("description", ""))
        self.cc.setText(f.get("cc_emails", ""))
        self.attachments.set_files([file for file in draft.files if self.attachments.blobs.has(file.sha256)])
        if draft.saved_at:
            self.draft_note.setText(_("Your unsent draft from {time} is back.").format(
                time=format_time(datetime.fromisoformat(draft.saved_at))))
        else:
            self.draft_note.setText(_("Your unsent draft is back."))

    def discard_draft(self) -> None:
        self.drafts.delete(NEW_CASE)
        self.subject.clear()
        self.description.clear()
        self.cc.clear()
        self.environment.clear()
        self.attachments.clear()
        self.draft_note.hide()
        self.discard_draft_button.hide()

    def reject(self) -> None:
        """Escape, Cancel or close. The user's own form is kept as a draft (see `done`); a form the
        app filled keeps no draft, so once the user has changed it, ask before it is thrown away."""
        if not self._keeps_draft and self._edited_since_prefill and self.created_case_id is None:
            answer = QMessageBox.question(
                self, _("Discard this report?"),
                _("Your changes to this report are not kept anywhere else. Discard them?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def done(self, result: int) -> None:
        self._draft_timer.stop()
        if self.created_case_id is None:
            self.save_draft()  # Cancel or close never loses what was typed
        super().done(result)

    # --- create ----------------------------------------------------------------------------------

    def create(self) -> None:
        """Create the case, or show what stops it next to each field and go to the first one."""
        if not self.create_button.isEnabled():
            return  # the cache is saving it already (Ctrl+Enter twice): one case, never two
        self._attempted = True
        problems = self.problems()
        self._show_messages()
        if problems:
            self._go_to(problems[0].field)
            return
        f = self.fields()
        contact_name = "" if not f["contact"] else self.contact.currentText().split(" <")[0]
        files: list[PreparedFile] = self.attachments.files()
        self.create_button.setEnabled(False)  # until the cache has it: one case, never two
        writes().run(partial(
            local_changes.create_case,
            self._db,
            self._identity,
            subject=f["subject"],
            description=f["description"],
            severity=f["severity"],
            product=f["product"],
            account_id=f["account"] or None,
            contact_id=f["contact"] or None,
            contact_name=contact_name,
            environment=f["environment"],
            case_type=f["case_type"],
            cc_emails=parse_emails(f["cc_emails"]),
            files=files,
            priority=f["priority"] or None,
            category=f["category"],
            source=f["source"],
        ), done=self._created, failed=self._not_created, owner=self)

    def _created(self, result: tuple[str, Changes]) -> None:
        self.created_case_id, self.changes = result
        if self._keeps_draft:
            self.drafts.delete(NEW_CASE)
        self.accept()

    def _not_created(self, error: BaseException) -> None:
        """The cache refused it (a rule the form does not check): say why; everything typed stays."""
        self.create_button.setEnabled(True)
        if not isinstance(error, InvalidInput):
            raise error
        self._refused = {e.field: e.message for e in reversed(error.errors)}  # the first per field wins
        self._show_messages()
        self._go_to(next(iter(self._refused), "attachments"))

    def _go_to(self, field: str) -> None:
        """Focus the field to fix and have its message read out."""
        message = self.messages.get(field, self.attachments_message)
        message.field.setFocus(Qt.FocusReason.OtherFocusReason)
        message.announce()
