"""The Attachments tab: every file of the case with size, uploader and state; open, save as,
add (picker or drag and drop), remove one's own unsent ones.

Each row's state follows its file: waiting to upload (with what the server already has, from the
cache's upload offset), uploading with a progress bar, uploaded, downloading with a progress bar,
downloaded and verified, or refused / failed with the reason. Progress arrives per attachment id
(already throttled by the sync worker and the download relay); a tick updates one row, never
rebuilds the list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileInfo, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFileIconProvider,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casedesktop.domain import is_program, safe_filename
from casedesktop.i18n import N_, _, format_datetime, format_size
from casedesktop.store import outbox, uploads
from casedesktop.store.attachments import AttachmentError, prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import CacheDB
from casedesktop.store.queries import AttachmentView, SyncState
from casedesktop.sync.worker import TransferProgress
from casedesktop.ui import theme
from casedesktop.ui.case.message_line import wrap_message

STATE_TEXT = {SyncState.WAITING: N_("Waiting to upload"), SyncState.FAILED: N_("Upload refused"),
              SyncState.SYNCED: N_("Uploaded")}  # shown through `_`
# (attachment, done(path, error), progress(TransferProgress)): DownloadRelay.fetch
Fetch = Callable[[AttachmentView, Callable[[Path | None, str], None], Callable[[TransferProgress], None]], None]
STATE_COLUMN = 4
ACTIVE, PAUSED, FINISHED, FAILED = "active", "paused", "finished", "failed"


def _fraction(done: int, total: int) -> str:
    """"1.2 MB of 3.0 MB", in the words every size of the app is written in."""
    # Translators: a size out of a whole (sent so far, recorded of the limit): "1.2 MB of 40 MB".
    return _("{done} of {total}").format(done=format_size(done), total=format_size(total))


@dataclass
class Transfer:
    """Where one attachment's upload or download stands, as last heard."""

    kind: str  # "upload" or "download"
    done: int
    total: int
    state: str = ACTIVE
    error: str = ""

    def share(self, scale: int = 100) -> int:
        """How far, rounded, out of `scale`; the whole scale only when the last byte is in."""
        if self.total <= 0 or self.done >= self.total:
            return scale
        return min(scale - 1, round(self.done * scale / self.total))

    @property
    def percent(self) -> int:
        return self.share(100)


class AttachmentsTab(QWidget):
    filesAdded = Signal(list)  # PreparedFile list to attach to the case
    changed = Signal(object)  # Changes (a removal)
    rowStateChanged = Signal(str)  # attachment id whose state (or progress) changed

    def __init__(self, db: CacheDB, blobs: BlobStore, fetch: Fetch | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.blobs = blobs
        self.fetch = fetch
        self.rows: list[AttachmentView] = []
        self.transfers: dict[str, Transfer] = {}  # by attachment id, across cases
        self.items: dict[str, QTreeWidgetItem] = {}  # the rows shown, by attachment id
        self.bars: dict[str, QProgressBar] = {}
        self._refusals: dict[str, str] = {}  # attachment id -> the server's reason
        self._rebuilding = False
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([_("File"), _("Size"), _("Added by"), _("Added"), _("State")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(_("Attachments"))
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.tree.currentItemChanged.connect(lambda *_: self._update())
        self.tree.currentItemChanged.connect(lambda *_: self._say_state())
        layout.addWidget(self.tree, 1)
        self.empty = QLabel(_("No attachments yet.") + "\n" + _("Drop files here or use Add files… to attach them."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        theme.set_text_role(self.empty, "muted_text")
        layout.addWidget(self.empty, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton(_("&Open"))
        self.open_button.setAccessibleName(_("Open the attachment"))
        self.open_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton(_("Save &as…"))
        self.save_button.setAccessibleName(_("Save the attachment as"))
        self.save_button.clicked.connect(lambda: self.save_selected())  # not clicked(checked) as the destination
        self.add_button = QPushButton(_("Add fi&les…"))  # Alt+F is the File menu
        self.add_button.setAccessibleName(_("Add files to the case"))
        self.add_button.clicked.connect(self.pick)
        self.remove_button = QPushButton(_("&Remove"))
        self.remove_button.setAccessibleName(_("Remove the unsent attachment"))
        self.remove_button.setToolTip(_("Remove a file of yours that has not been uploaded yet"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = QLabel(_("Drop files here to attach them."))
        self.message.setAccessibleName(_("Attachment messages"))
        wrap_message(self.message)
        for widget in (self.open_button, self.save_button, self.add_button, self.remove_button):
            row.addWidget(widget)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        self._icons = QFileIconProvider()
        self._update()

    def show_attachments(self, rows: list[AttachmentView]) -> None:
        current = self.selected()
        self.rows = rows
        self._rebuilding = True  # the same row selected again is not news for the message line
        self.tree.clear()
        self.items, self.bars = {}, {}
        self._refusals = ({f.op_id: f.error for f in outbox.failed_ops(self._db)}
                          if any(a.sync_state == SyncState.FAILED for a in rows) else {})
        for a in rows:
            if a.sync_state == SyncState.SYNCED and a.id in self.transfers and self.transfers[a.id].kind == "upload":
                del self.transfers[a.id]  # the server confirmed it: the row says so from now on
            item = QTreeWidgetItem([a.filename, format_size(a.size),
                                    a.uploader_name, format_datetime(a.created_at), ""])
            item.setIcon(0, self._icons.icon(QFileInfo(a.filename)))
            item.setSizeHint(STATE_COLUMN, QSize(1, self._row_height()))  # the same height with a progress bar or not
            self.tree.addTopLevelItem(item)
            self.items[a.id] = item
            self._show_state(a)
            if current and current.id == a.id:
                self.tree.setCurrentItem(item)
        for column in range(STATE_COLUMN):  # the state takes the rest (elided; the tooltip has it all)
            self.tree.resizeColumnToContents(column)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0), 240))
        self._rebuilding = False
        self.tree.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._update()

    def _row_height(self) -> int:
        return self.tree.fontMetrics().height() + 8

    def _say_state(self) -> None:
        """The selected row's whole state under the list: a refusal's reason is often longer than its cell."""
        chosen = self.selected()
        if chosen is not None and chosen.id in self.items and not self._rebuilding:
            self.message.setText(_("{name}: {state}").format(name=chosen.filename, state=self.state_text(chosen)))

    # --- states and progress ---------------------------------------------------------------------

    def state_text(self, a: AttachmentView) -> str:
        """One sentence for the row's state column (and the conversation's inline files)."""
        transfer = self.transfers.get(a.id)
        if a.sync_state == SyncState.FAILED:
            reason = self._refusals.get(a.id, "")
            return _("Upload refused: {reason}").format(reason=reason) if reason else _(STATE_TEXT[SyncState.FAILED])
        if transfer is not None and transfer.kind == "upload" and a.sync_state == SyncState.WAITING:
            sizes = {"percent": transfer.percent, "done": format_size(transfer.done), "total": format_size(transfer.total)}
            if transfer.state == ACTIVE:
                return _("Uploading {percent}% ({done} of {total})").format(**sizes)
            if transfer.state == FINISHED:
                return _("Uploaded; waiting for the server to confirm")
            if transfer.error:
                return _("Upload paused at {percent}% ({done} of {total}): {error} It resumes by itself.").format(
                    error=transfer.error, **sizes)
            return _("Upload paused at {percent}% ({done} of {total}) It resumes by itself.").format(**sizes)
        if a.sync_state == SyncState.WAITING:
            state = uploads.get(self._db, a.id)
            if state is not None and state.offset > 0:
                return _("Waiting to upload · {done} of {total} already sent").format(
                    done=format_size(state.offset), total=format_size(a.size))
            return _(STATE_TEXT[SyncState.WAITING])
        if transfer is not None and transfer.kind == "download":
            if transfer.state == ACTIVE:
                return _("Downloading {percent}% ({done} of {total})").format(
                    percent=transfer.percent, done=format_size(transfer.done), total=format_size(transfer.total))
            if transfer.state == FAILED:
                return _("Download failed: {error}").format(error=transfer.error)
            if transfer.state == FINISHED and self.blobs.has(a.sha256):
                return _("Downloaded and verified")
        if a.sync_state == SyncState.SYNCED:
            return _("Uploaded") if self.blobs.has(a.sha256) else _("Uploaded (not downloaded)")
        return a.sync_state  # a state this version does not know: its name is all there is

    def _show_state(self, a: AttachmentView) -> None:
        item = self.items.get(a.id)
        if item is None:
            return
        text = self.state_text(a)
        item.setText(STATE_COLUMN, text)
        item.setToolTip(STATE_COLUMN, text)
        transfer = self.transfers.get(a.id)
        moving = transfer is not None and transfer.state == ACTIVE and (
            (transfer.kind == "upload" and a.sync_state == SyncState.WAITING)
            or (transfer.kind == "download" and a.sync_state == SyncState.SYNCED))
        bar = self.bars.get(a.id)
        if not moving:
            if bar is not None:
                self.tree.removeItemWidget(item, STATE_COLUMN)
                del self.bars[a.id]
            return
        if bar is None:
            bar = self.bars[a.id] = QProgressBar()
            bar.setRange(0, 1000)
            bar.setAccessibleName((_("Upload progress of {name}") if transfer.kind == "upload"
                                   else _("Download progress of {name}")).format(name=a.filename))
            bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row keeps the keyboard; its text says the same
            bar.setMaximumHeight(self._row_height() - 4)
            self.tree.setItemWidget(item, STATE_COLUMN, bar)
        bar.setValue(transfer.share(1000))
        # Translators: %p% is where Qt puts the percentage.
        text_format = _("Uploading %p% ({size})") if transfer.kind == "upload" else _("Downloading %p% ({size})")
        bar.setFormat(text_format.format(size=_fraction(transfer.done, transfer.total)))
        bar.setAccessibleDescription(text)
        bar.setToolTip(text)

    def _row(self, attachment_id: str) -> AttachmentView | None:
        return next((a for a in self.rows if a.id == attachment_id), None)

    def show_progress(self, progress: TransferProgress) -> None:
        """One tick of an upload or download (GUI thread): update that row only."""
        transfer = self.transfers.get(progress.attachment_id)
        if transfer is None or transfer.kind != progress.kind:
            transfer = self.transfers[progress.attachment_id] = Transfer(progress.kind, 0, progress.total)
        transfer.done, transfer.total = progress.done, progress.total
        # An upload's last byte is in; a download's last byte only counts once verified (its done()).
        finished = progress.finished and progress.kind == "upload"
        transfer.state, transfer.error = (FINISHED if finished else ACTIVE), ""
        self._changed_row(progress.attachment_id)

    def uploads_stopped(self, reason: str = "") -> None:
        """The sync pass ended: an upload not finished waits for the next one (resumed, not restarted)."""
        for attachment_id, transfer in self.transfers.items():
            if transfer.kind == "upload" and transfer.state == ACTIVE:
                transfer.state, transfer.error = PAUSED, reason
                self._changed_row(attachment_id)

    def _changed_row(self, attachment_id: str) -> None:
        row = self._row(attachment_id)
        if row is not None:
            self._show_state(row)
            self.rowStateChanged.emit(attachment_id)

    def selected(self) -> AttachmentView | None:
        index = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update(self) -> None:
        chosen = self.selected()
        self.open_button.setEnabled(chosen is not None)
        self.open_button.setToolTip(_("Programs are never opened from here: save them instead.")
                                    if chosen is not None and is_program(chosen.filename) else "")
        self.save_button.setEnabled(chosen is not None)
        self.remove_button.setEnabled(chosen is not None and chosen.sync_state != SyncState.SYNCED)

    # --- getting the bytes -----------------------------------------------------------------------

    def with_local_file(self, attachment: AttachmentView, then: Callable[[Path], None]) -> None:
        """`then(path)` with the file's bytes here: at once, or once downloaded and verified."""
        if self.blobs.has(attachment.sha256):
            then(self.blobs.path_of(attachment.sha256))
            return
        if self.fetch is None:
            self.message.setText(_("{name} is not downloaded yet; it is fetched when you are online.").format(
                name=attachment.filename))
            return
        self.message.setText(_("Downloading {name}…").format(name=attachment.filename))
        self.transfers[attachment.id] = Transfer("download", 0, attachment.size)
        self._changed_row(attachment.id)

        def done(path: Path | None, error: str) -> None:
            self.message.setText(error or _("{name} downloaded and verified.").format(name=attachment.filename))
            transfer = self.transfers.setdefault(attachment.id, Transfer("download", 0, attachment.size))
            transfer.state, transfer.error = (FAILED, error) if error or path is None else (FINISHED, "")
            if path is not None:
                transfer.done = transfer.total
            self._changed_row(attachment.id)
            if path is not None:
                then(path)

        self.fetch(attachment, done, self.show_progress)

    def open_selected(self) -> None:
        chosen = self.selected()
        if chosen:
            self.open_attachment(chosen)

    def open_attachment(self, chosen: AttachmentView) -> None:
        """Open the file in the program the system has for it (a program is only ever saved)."""
        if is_program(chosen.filename):  # as mail clients do: a program is saved, never run from here
            self.message.setText(
                _("{name} is a program, and CaseDesktop never opens programs it receives. Save it, and run it only "
                  "if you trust where it came from.").format(name=safe_filename(chosen.filename)))
            return
        self.with_local_file(chosen, lambda path: self._open_copy(chosen, path))

    def _open_copy(self, attachment: AttachmentView, blob: Path) -> None:
        # Open a named copy (the blob's name is a hash; viewers need the extension).
        view_dir = self.blobs.root.parent / "opened"
        target = self.blobs.export(attachment.sha256, view_dir / f"{attachment.id[:8]}-{safe_filename(attachment.filename)}")
        if os.environ.get("CASEDESKTOP_NO_OPEN"):
            self.message.setText(_("Would open {path}").format(path=target))
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self.message.setText(_("No program on this computer opens {name}. Save it and open it from "
                                   "your file manager.").format(name=safe_filename(attachment.filename)))

    def save_selected(self, destination: Path | None = None) -> None:
        chosen = self.selected()
        if not chosen:
            return
        if destination is None:
            name, _filter = QFileDialog.getSaveFileName(self, _("Save attachment as"), safe_filename(chosen.filename))
            if not name:
                return
            destination = Path(name)
        self.with_local_file(chosen, lambda _path: self._saved(chosen, destination))

    def _saved(self, attachment: AttachmentView, destination: Path) -> None:
        try:
            self.blobs.export(attachment.sha256, destination)
            self.message.setText(_("Saved {name}.").format(name=destination.name))
        except OSError as exc:
            QMessageBox.warning(self, _("Save attachment"), _("Cannot save {path}: {reason}.").format(
                path=destination, reason=exc.strerror or exc))

    # --- adding and removing ---------------------------------------------------------------------

    def pick(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, _("Attach files"))
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
