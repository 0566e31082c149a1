"""The Attachments tab: every file of the case with size, uploader and state; open, save as,
add (picker or drag and drop), remove one's own unsent ones."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileInfo, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFileIconProvider,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import megabytes
from casedesktop.store import outbox
from casedesktop.store.attachments import AttachmentError, prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import CacheDB
from casedesktop.store.queries import AttachmentView, SyncState

STATE_TEXT = {SyncState.WAITING: "Waiting to upload", SyncState.FAILED: "Upload refused", SyncState.SYNCED: "Uploaded"}
Fetch = Callable[[AttachmentView, Callable[[Path | None, str], None]], None]  # (attachment, done(path, error))


class AttachmentsTab(QWidget):
    filesAdded = Signal(list)  # PreparedFile list to attach to the case
    changed = Signal(object)  # Changes (a removal)

    def __init__(self, db: CacheDB, blobs: BlobStore, fetch: Fetch | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.blobs = blobs
        self.fetch = fetch
        self.rows: list[AttachmentView] = []
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Size", "Added by", "Added", "State"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Attachments")
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.tree.currentItemChanged.connect(lambda *_: self._update())
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton("Save &as…")
        self.save_button.clicked.connect(self.save_selected)
        self.add_button = QPushButton("Add &files…")
        self.add_button.clicked.connect(self.pick)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Remove a file of yours that has not been uploaded yet")
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel("Drop files here to attach them.")
        for widget in (self.open_button, self.save_button, self.add_button, self.remove_button):
            row.addWidget(widget)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        self._icons = QFileIconProvider()
        self._update()

    def show_attachments(self, rows: list[AttachmentView]) -> None:
        current = self.selected()
        self.rows = rows
        self.tree.clear()
        for a in rows:
            local = "" if self.blobs.has(a.sha256) else " (not downloaded)"
            item = QTreeWidgetItem([a.filename, megabytes(a.size) if a.size >= 100_000 else f"{a.size:,} B",
                                    a.uploader_name, a.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                                    STATE_TEXT.get(a.sync_state, a.sync_state) + local])
            item.setIcon(0, self._icons.icon(QFileInfo(a.filename)))
            self.tree.addTopLevelItem(item)
            if current and current.id == a.id:
                self.tree.setCurrentItem(item)
        for column in range(5):
            self.tree.resizeColumnToContents(column)
        self._update()

    def selected(self) -> AttachmentView | None:
        index = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update(self) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(chosen is not None)
        self.save_button.setEnabled(chosen is not None)
        self.remove_button.setEnabled(chosen is not None and chosen.sync_state != SyncState.SYNCED)

    # --- getting the bytes -----------------------------------------------------------------------

    def _with_local_file(self, attachment: AttachmentView, then: Callable[[Path], None]) -> None:
        if self.blobs.has(attachment.sha256):
            then(self.blobs.path_of(attachment.sha256))
            return
        if self.fetch is None:
            self.message.setText(f"{attachment.filename} is not downloaded yet; it is fetched when you are online.")
            return
        self.message.setText(f"Downloading {attachment.filename}…")

        def done(path: Path | None, error: str) -> None:
            self.message.setText(error or f"{attachment.filename} downloaded and verified.")
            if path is not None:
                then(path)

        self.fetch(attachment, done)

    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen:
            self._with_local_file(chosen, lambda path: self._open_copy(chosen, path))

    def _open_copy(self, attachment: AttachmentView, blob: Path) -> None:
        # Open a named copy (the blob's name is a hash; viewers need the extension).
        view_dir = self.blobs.root.parent / "opened"
        target = self.blobs.export(attachment.sha256, view_dir / f"{attachment.id[:8]}-{Path(attachment.filename).name}")
        if os.environ.get("CASEDESKTOP_NO_OPEN"):
            self.message.setText(f"Would open {target}")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def save_selected(self, destination: Path | None = None) -> None:
        chosen = self.selected()
        if not chosen:
            return
        if destination is None:
            name, _ = QFileDialog.getSaveFileName(self, "Save attachment as", chosen.filename)
            if not name:
                return
            destination = Path(name)
        self._with_local_file(chosen, lambda _path: self._saved(chosen, destination))

    def _saved(self, attachment: AttachmentView, destination: Path) -> None:
        try:
            self.blobs.export(attachment.sha256, destination)
            self.message.setText(f"Saved {destination.name}.")
        except OSError as exc:
            QMessageBox.warning(self, "Save attachment", f"Cannot save {destination}: {exc.strerror or exc}.")

    # --- adding and removing ---------------------------------------------------------------------

    def pick(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        if names:
            self.add_paths([Path(n) for n in names])

    def add_paths(self, paths: list[Path]) -> bool:
        try:
            prepared = prepare_files(self.blobs, paths, already=sum(a.size for a in self.rows))
        except AttachmentError as exc:
            self.message.setText(str(exc))
            return False
        self.filesAdded.emit(prepared)
        return True

    def remove_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.sync_state == SyncState.SYNCED:
            return
        try:
            self.changed.emit(outbox.discard(self._db, chosen.id))  # an unsent file is just an outbox entry
        except ValueError as exc:
            self.message.setText(str(exc))

    def dragEnterEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: ANN001, N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()
