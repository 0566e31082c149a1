"""Files waiting to be attached: add (picker, drag and drop, paste an image), list, remove.

Used by the New Case dialog and the reply box. Each file is checked against the limits and copied
into the blob store as soon as it is added, so the original may move or vanish. An image shows a
small picture of itself (made off the GUI thread by `previews`); the list takes the height of its
rows and is hidden when empty. The picker starts in the user's Pictures folder (or home), then
where they last picked from in this run, never in the program's working folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QFileInfo,
    QIODevice,
    QSize,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QImage, QPixmap
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
from casedesktop.ui.case import previews
from casedesktop.ui.case.thread import file_kind

FILE_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_SIZE = QSize(32, 32)  # a picture small enough for a one-line row
MAX_PICTURED_BYTES = 20 * 1024 * 1024  # a larger image keeps its file-type icon: not worth the decode
VISIBLE_ROWS = 4  # more files scroll
ROW_PADDING = 4  # room around a row's picture and text
_last_folder: str | None = None  # where the user last picked files from, in this run


def start_folder() -> str:
    """The folder the picker opens in: the last one used in this run, else Pictures, else home."""
    if _last_folder and Path(_last_folder).is_dir():
        return _last_folder
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    if pictures and Path(pictures).is_dir():
        return pictures
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)


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
        self.list.setIconSize(ICON_SIZE)
        layout.addWidget(self.list)
        self.buttons = row = QHBoxLayout()  # a caller may add its own button (Record) to the row
        self.add_button = QPushButton(icons.icon("mail-attachment"), _("&Attach files…"))
        self.add_button.clicked.connect(self.pick)
        self.paste_button = QPushButton(icons.icon("insert-image"), _("Paste &image"))
        self.paste_button.setToolTip(_("Attach the image on the clipboard (a screenshot) as a PNG"))
        self.paste_button.clicked.connect(self.paste_image)
        self.remove_button = QPushButton(icons.icon("list-remove"), _("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint = QLabel(_("You can also drop files here, up to {size} each.").format(size=format_size(max_bytes)))
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
        text_width = self.list.fontMetrics().horizontalAdvance(item.text())
        item.setSizeHint(QSize(ICON_SIZE.width() + text_width + 4 * ROW_PADDING, self._row_height()))
        item.setToolTip(f"{file.filename}\n{file.content_type}\nsha256 {file.sha256[:16]}…")
        self.list.addItem(item)
        if file_kind(file) == "image" and file.size <= MAX_PICTURED_BYTES and self.blobs.has(file.sha256):
            folder = self.blobs.root.parent / previews.FOLDER
            previews.request(self.blobs.path_of(file.sha256), "image", folder, file.sha256,
                             done=lambda image, sha256=file.sha256: self._show_picture(sha256, image),
                             owner=self, box=ICON_SIZE)

    def _show_picture(self, sha256: str, image: QImage) -> None:
        """The picture is made: it becomes the icon of the rows holding that file (if still listed)."""
        icon = QIcon(QPixmap.fromImage(image))
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(FILE_ROLE).sha256 == sha256:
                item.setIcon(icon)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._update()
            self.changed.emit()

    def _update(self) -> None:
        self.remove_button.setEnabled(self.list.count() > 0)
        count = self.list.count()
        if count and self.list.currentRow() < 0:  # Remove always has a shown, selected file to take
            self.list.setCurrentRow(count - 1)
        self.list.setVisible(count > 0)
        if count:  # the rows' height, up to VISIBLE_ROWS: no empty box under one file
            self.list.setFixedHeight(min(count, VISIBLE_ROWS) * self._row_height() + 2 * self.list.frameWidth())

    def _row_height(self) -> int:
        """Every row as tall as a picture, whether its file has one yet or not: the list's height is known."""
        return max(ICON_SIZE.height(), self.list.fontMetrics().height()) + ROW_PADDING

    # --- ways in ---------------------------------------------------------------------------------

    def pick(self) -> None:
        global _last_folder  # noqa: PLW0603 - remembered for the run, across reply boxes and dialogs
        names, _filter = QFileDialog.getOpenFileNames(self, _("Attach files"), start_folder())
        if names:
            _last_folder = str(Path(names[0]).parent)
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
