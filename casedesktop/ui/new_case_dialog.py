"""The New Case dialog: saved to the cache at once, sent when the server can be reached."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import SUBJECT_MAX, Severity, validate_new_case
from casedesktop.store import local_changes
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity

DEFAULT_PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll")


class NewCaseDialog(QDialog):
    def __init__(self, db: CacheDB, identity: Identity, products: tuple[str, ...] = DEFAULT_PRODUCTS, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.setMinimumSize(560, 460)
        self._db = db
        self._identity = identity
        self.created_case_id: str | None = None
        self.changes = Changes()

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.product = QComboBox()
        self.product.setEditable(True)
        self.product.addItems(products)
        self.product.setAccessibleName("Product")
        form.addRow("&Product:", self.product)
        self.severity = QComboBox()
        for severity in Severity:
            self.severity.addItem(severity.label, severity.value)
            self.severity.setItemData(self.severity.count() - 1, severity.meaning, role=3)  # tooltip
        self.severity.setCurrentIndex(list(Severity).index(Severity.STANDARD))
        self.severity.setAccessibleName("Severity")
        form.addRow("Se&verity:", self.severity)
        self.severity_meaning = QLabel()
        self.severity_meaning.setWordWrap(True)
        self.severity_meaning.setStyleSheet("color: palette(mid);")
        form.addRow("", self.severity_meaning)
        self.subject = QLineEdit()
        self.subject.setMaxLength(SUBJECT_MAX + 50)  # typed past the limit shows the error, not a silent cut
        self.subject.setPlaceholderText("One line that sums up the problem")
        self.subject.setAccessibleName("Subject")
        form.addRow("&Subject: *", self.subject)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("What did you do, what did you expect, what happened instead?")
        self.description.setAccessibleName("Description")
        form.addRow("&Description: *", self.description)
        layout.addLayout(form)

        self.errors = QLabel()
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #c0392b;")
        self.errors.setAccessibleName("Problems with the form")
        self.errors.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 4)
        layout.addWidget(self.errors)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create case")
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.severity.currentIndexChanged.connect(self._update)
        self.subject.textChanged.connect(self._update)
        self.description.textChanged.connect(self._update)
        self._touched = False
        self._update()

    def _problems(self) -> list[str]:
        errors = validate_new_case(self.subject.text(), self.description.toPlainText(), self.severity.currentData())
        return [e.message for e in errors]

    def _update(self) -> None:
        self.severity_meaning.setText(Severity(self.severity.currentData()).meaning)
        problems = self._problems()
        self.create_button.setEnabled(not problems)
        self.create_button.setToolTip("\n".join(problems) if problems else "Save the case; it is sent when online")
        has_input = bool(self.subject.text() or self.description.toPlainText())
        self.errors.setText("\n".join(problems) if has_input else "Fields marked * are required.")

    def create(self) -> None:
        if self._problems():
            return
        self.created_case_id, self.changes = local_changes.create_case(
            self._db,
            self._identity,
            subject=self.subject.text(),
            description=self.description.toPlainText(),
            severity=self.severity.currentData(),
            product=self.product.currentText(),
        )
        self.accept()
