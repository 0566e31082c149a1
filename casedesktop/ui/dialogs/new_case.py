"""The New Case dialog: every field of the portals, attachments and recordings, a draft saved as
you type; the case is saved to the cache at once and sent when the server can be reached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import (
    CASE_TYPES,
    SUBJECT_MAX,
    Severity,
    parse_emails,
    validate_emails,
    validate_new_case,
    validate_product,
)
from casedesktop.i18n import _, format_time
from casedesktop.store import case_list, local_changes
from casedesktop.store.attachments import PreparedFile
from casedesktop.store.changes import Changes
from casedesktop.store.drafts import NEW_CASE, Draft
from casedesktop.store.local_changes import InvalidInput
from casedesktop.store.reference import Reference
from casedesktop.ui import icons, theme
from casedesktop.ui.case.attachment_list import AttachmentList
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.tasks import writes

DEFAULT_PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll")
DRAFT_DELAY_MS = 400


class NewCaseDialog(QDialog):
    recordRequested = Signal()  # the user wants to record the screen and attach it here

    def __init__(self, session: ProfileSession, reference: Reference | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("New case"))
        self.setMinimumSize(640, 640)
        self._db = session.db
        self._identity = session.identity
        self.reference = reference or Reference()
        self.drafts = session.drafts
        self.created_case_id: str | None = None
        self.changes = Changes()
        self._keeps_draft = True  # False for a form filled by the app (an error report): see prefill

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.account = QComboBox()
        self.account.setAccessibleName(_("Account"))
        for account in self.reference.accounts:
            self.account.addItem(account.name, account.id)
        self.account.currentIndexChanged.connect(self._fill_contacts)
        self.account_label = QLabel(_("&Account: *"))
        self.account_label.setBuddy(self.account)
        form.addRow(self.account_label, self.account)
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
        form.addRow(_("&Product: *"), self.product)
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
        for severity in Severity:
            self.severity.addItem(severity.label, severity.value)
        self.severity.setCurrentIndex(list(Severity).index(Severity.STANDARD))
        self.severity.setAccessibleName(_("Severity"))
        form.addRow(_("Se&verity: *"), self.severity)
        self.severity_meaning = QLabel()
        self.severity_meaning.setWordWrap(True)
        theme.set_text_role(self.severity_meaning, "muted_text")
        form.addRow("", self.severity_meaning)
        self.subject = QLineEdit()
        self.subject.setMaxLength(SUBJECT_MAX + 50)  # typed past the limit shows the error, not a silent cut
        self.subject.setPlaceholderText(_("One line that sums up the problem"))
        self.subject.setAccessibleName(_("Subject"))
        form.addRow(_("&Subject: *"), self.subject)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(_("What did you do, what did you expect, what happened instead?"))
        self.description.setAccessibleName(_("Description"))
        form.addRow(_("&Description: *"), self.description)
        self.cc = QLineEdit()
        self.cc.setPlaceholderText(_("colleague@example.com, another@example.com"))
        self.cc.setAccessibleName(_("Copy people by email"))
        form.addRow(_("&Cc:"), self.cc)
        layout.addLayout(form)

        self.attachments = AttachmentList(session.blobs, self.reference.max_attachment_bytes)
        self.attachments.refused.connect(self._show_refusal)
        layout.addWidget(self.attachments)
        self.record_button = QPushButton(icons.icon("media-record"), _("&Record screen…"))
        self.record_button.setToolTip(_("Record the problem as it happens; the video is attached here"))
        self.record_button.clicked.connect(self.recordRequested.emit)
        self.attachments.layout().itemAt(1).layout().insertWidget(2, self.record_button)
        # Enter always means Create case: a button focused by its last click must not take it over.
        for button in (self.record_button, self.attachments.add_button, self.attachments.paste_button,
                       self.attachments.remove_button):
            button.setAutoDefault(False)

        self.draft_row = QHBoxLayout()
        self.draft_note = QLabel()
        self.discard_draft_button = QPushButton(_("Discard draft"))
        self.discard_draft_button.clicked.connect(self.discard_draft)
        self.draft_row.addWidget(self.draft_note, 1)
        self.draft_row.addWidget(self.discard_draft_button)
        layout.addLayout(self.draft_row)

        self.errors = QLabel()
        self.errors.setWordWrap(True)
        theme.set_text_role(self.errors, "error_text")
        self.errors.setAccessibleName(_("Problems with the form"))
        self.errors.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 4)
        layout.addWidget(self.errors)
        self.required_hint = QLabel(_("Fields marked * are required."))
        layout.addWidget(self.required_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(_("Create case"))
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._refusal = ""
        self._fill_contacts()
        self._restore_draft()
        for signal in (self.severity.currentIndexChanged, self.subject.textChanged, self.description.textChanged,
                       self.cc.textChanged, self.environment.textChanged, self.case_type.currentIndexChanged,
                       self.product.currentTextChanged, self.contact.currentIndexChanged, self.account.currentIndexChanged,
                       self.attachments.changed):
            signal.connect(self._edited)
        self._update()

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
        }

    def problems(self) -> list[str]:
        f = self.fields()
        errors = validate_new_case(f["subject"], f["description"], f["severity"])
        errors += validate_product(f["product"], self.reference.products)
        errors += validate_emails(parse_emails(f["cc_emails"]))
        problems = [e.message for e in errors]
        if len(self.reference.accounts) > 1 and not f["account"]:
            problems.append(_("Choose the account this case is for."))
        return problems

    def _edited(self) -> None:
        self._refusal = ""
        self._update()
        self._draft_timer.start()

    def _update(self) -> None:
        self.severity_meaning.setText(Severity(self.severity.currentData()).meaning)
        problems = self.problems()
        self.create_button.setEnabled(not problems)
        self.create_button.setToolTip("\n".join(problems) if problems else _("Save the case; it is sent when online"))
        touched = bool(self.subject.text() or self.description.toPlainText() or self.cc.text())
        shown = problems if touched else []
        self.errors.setText("\n".join(([self._refusal] if self._refusal else []) + shown))
        self.required_hint.setVisible(not touched and not self._refusal)

    def _show_refusal(self, message: str) -> None:
        self._refusal = message
        self._update()

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

    def done(self, result: int) -> None:
        self._draft_timer.stop()
        if self.created_case_id is None:
            self.save_draft()  # Cancel or close never loses what was typed
        super().done(result)

    # --- create ----------------------------------------------------------------------------------

    def create(self) -> None:
        if self.problems():
            self._update()
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
        ), done=self._created, failed=self._not_created, owner=self)

    def _created(self, result: tuple[str, Changes]) -> None:
        self.created_case_id, self.changes = result
        if self._keeps_draft:
            self.drafts.delete(NEW_CASE)
        self.accept()

    def _not_created(self, error: BaseException) -> None:
        """The cache refused it (a rule the form does not check): say why; everything typed stays."""
        if not isinstance(error, InvalidInput):
            self._update()
            raise error
        self._show_refusal(str(error))
