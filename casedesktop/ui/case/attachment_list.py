"""Files waiting to be attached: add (picker, drag and drop, paste an image), list, remove.

Used by the New Case dialog and the reply box. Each file is checked against the limits and copied
into the blob store as soon as it is added, so the original may move or vanish.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QFileInfo, QIODevice, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QFileIconProvider,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import (
    MAX_ATTACHMENT_BYTES,
    MAX_TOTAL_ATTACHMENT_BYTES,
    ValidationError,
    validate_attachments,
)
from casedesktop.i18n import _, format_size
from casedesktop.store.attachments import AttachmentError, PreparedFile, prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.ui import icons, theme

FILE_ROLE = Qt.ItemDataRole.UserRole + 1


def describe(file: PreparedFile) -> str:
    return f"{file.filename} — {format_size(file.size)}"


class AttachmentList(QWidget):
    """A list of PreparedFile with Add, Paste image and Remove; accepts dropped files."""

    changed = Signal()
    refused = Signal(str)  # a message naming the file and the reason

    def __init__(self, blobs: BlobStore, max_bytes: int = MAX_ATTACHMENT_BYTES, parent: QWidget | None = None):
        super().__init__(parent)
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Attached files"))
        self.list.setMaximumHeight(110)
        layout.addWidget(self.list)
        self.buttons = row = QHBoxLayout()  # a caller may add its own button (Record) to the row
        self.add_button = QPushButton(icons.icon("mail-attachment"), _("&Attach files…"))
        self.add_button.clicked.connect(self.pick)
        self.paste_button = QPushButton(icons.icon("insert-image"), _("Paste &image"))
        self.paste_button.setToolTip(_("Attach the image on the clipboard (a screenshot) as a PNG"))
        self.paste_button.clicked.connect(self.paste_image)
        self.remove_button = QPushButton(icons.icon("list-remove"), _("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel(_("or drop files here · up to {size} each").format(size=format_size(max_bytes)))
        self.hint.setWordWrap(True)  # on its own line under the buttons: it wraps there, if at all
        theme.set_text_role(self.hint, "muted_text")  # palette(mid) is too faint to read on most
        for widget in (self.add_button, self.paste_button, self.remove_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        self._icons = QFileIconProvider()
        self._update()

    # --- the files -------------------------------------------------------------------------------

    def files(self) -> list[PreparedFile]:
        return [self.list.item(i).data(FILE_ROLE) for i in range(self.list.count())]

    def set_files(self, files: list[PreparedFile]) -> None:
        self.list.clear()
        for file in files:
            self._append(file)
        self._update()

    def clear(self) -> None:
        self.set_files([])

    def add_paths(self, paths: list[Path]) -> bool:
        """Check and copy in; on refusal nothing is added and `refused` says why."""
        try:
            prepared = prepare_files(self.blobs, paths, self.max_bytes, already=sum(f.size for f in self.files()))
        except AttachmentError as exc:
            self.refused.emit(str(exc))
            return False
        for file in prepared:
            self._append(file)
        self._update()
        self.changed.emit()
        return True

    def add_image(self, image: QImage, name: str = "pasted-image.png") -> bool:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        payload = bytes(data.data())
        errors: list[ValidationError] = validate_attachments(
            [*((f.filename, f.size) for f in self.files()), (name, len(payload))], self.max_bytes, MAX_TOTAL_ATTACHMENT_BYTES
        )
        if errors:
            self.refused.emit(" ".join(e.message for e in errors))
            return False
        ref = self.blobs.add_bytes(payload)
        self._append(PreparedFile(name, ref.size, ref.sha256, "image/png"))
        self._update()
        self.changed.emit()
        return True

    def _append(self, file: PreparedFile) -> None:
        item = QListWidgetItem(self._icons.icon(QFileInfo(file.filename)), describe(file))
        item.setData(FILE_ROLE, file)
        item.setToolTip(f"{file.filename}\n{file.content_type}\nsha256 {file.sha256[:16]}…")
        self.list.addItem(item)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._update()
            self.changed.emit()

    def _update(self) -> None:
        self.remove_button.setEnabled(self.list.count() > 0)
        self.list.setVisible(self.list.count() > 0)

    # --- ways in ---------------------------------------------------------------------------------

    def pick(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, _("Attach files"))
        if names:
            self.add_paths([Path(n) for n in names])

    def paste_image(self) -> bool:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.refused.emit(_("The clipboard holds no image; take a screenshot first, then paste."))
            return False
        return self.add_image(image)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()
