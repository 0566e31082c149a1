"""Upload and download progress in the Attachments tab: every row says where its file stands, and a
file on the move has a progress bar that follows the sync worker's (or the download relay's) ticks.

The first test drives the window through the bridge's real status signal on a seeded cache (and
saves a screenshot); the others run the real SyncWorker and DownloadWorker against a real server.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from casedesktop.domain import Role
from casedesktop.store import local_changes, outbox, queries, uploads
from casedesktop.store.attachments import prepare_files
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import AttachmentRow
from casedesktop.sync.worker import SyncStatus, TransferProgress
from casedesktop.ui.case.attachments_tab import STATE_COLUMN, AttachmentsTab
from casedesktop.ui.main import Session
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.syncstatus import bridge as sync_bridge
from casedesktop.ui.syncstatus.bridge import SyncBridge
from tests.support import CUSTOMER, ServerProcess, seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
MB = 1024 * 1024


def _status(**fields: object) -> SyncStatus:
    base = dict(online=True, offline_since=None, waiting=3, failed=1, last_sync=None, last_error="",
                needs_sign_in=False, syncing=True)
    return SyncStatus(**{**base, **fields})


def _file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    return path


def state_of(tab: AttachmentsTab, attachment_id: str) -> str:
    return tab.items[attachment_id].text(STATE_COLUMN)


class RowLog:
    """What one row showed at every change: its state text and its progress bar's value, if any."""

    def __init__(self, tab: AttachmentsTab, attachment_id: str | None = None, filename: str | None = None):
        self.tab, self.attachment_id, self.filename = tab, attachment_id, filename
        self.seen: list[tuple[str, int | None]] = []
        self.threads: set[str] = set()
        tab.rowStateChanged.connect(self._changed)

    def _changed(self, attachment_id: str) -> None:
        self.threads.add(threading.current_thread().name)
        if self.attachment_id is None and self.filename is not None:
            row = next((a for a in self.tab.rows if a.filename == self.filename), None)
            self.attachment_id = row.id if row else None
        if attachment_id != self.attachment_id or attachment_id not in self.tab.items:
            return
        bar = self.tab.tree.itemWidget(self.tab.items[attachment_id], STATE_COLUMN)
        self.seen.append((state_of(self.tab, attachment_id), bar.value() if isinstance(bar, QProgressBar) else None))


@pytest.fixture
def seeded(qtbot, profile_dir, tmp_path):
    db = open_cache(profile_dir)
    seed_cases(db, 5)
    case_id = str(uuid.UUID(int=1005))
    window = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(window)
    blobs = window.session.blobs
    files = prepare_files(blobs, [_file(tmp_path, "screen recording.mp4", 3 * MB),
                                  _file(tmp_path, "bank-feed.har", 2 * MB),
                                  _file(tmp_path, "ledger-export.csv", 40_000)])
    ids, _ = local_changes.attach_files(db, ME, case_id, files)
    recording, har, csv = ids
    # The .har was half sent before the app was closed: the cache remembers the server's offset.
    uploads.started(db, har, str(uuid.uuid4()), 2 * MB, files[1].sha256, 0)
    uploads.progressed(db, har, MB, MB)
    # The .csv was refused by the server.
    op = next(o for o in outbox.sendable(db) if o.op_id == csv)
    outbox.mark_failed(db, op.seq, "ledger-export.csv is larger than this account's 20 KB limit for CSV files.")
    # A file the agent attached, not downloaded yet.
    staff_file = str(uuid.uuid4())
    with db.transaction() as session:
        session.add(AttachmentRow(id=staff_file, case_id=case_id, comment_id=None, filename="fix-5.2.1-notes.pdf",
                                  size=5 * MB, sha256="ab" * 32, content_type="application/pdf",
                                  uploader_name="Alex Moreno", staff_only=False, created_at=datetime.now(UTC)))
    # The window is wired to the bridge as the app does it (ui/main.py); the worker is not started:
    # the test emits the bridge's real signal with what the worker would send.
    bridge = SyncBridge(ProfileSession.offline(db, ME).profile, ME)
    bridge.statusChanged.connect(window.sync_indicator.show_status)
    window.resize(1360, 820)
    window.show()
    qtbot.waitExposed(window)
    window.select_case(case_id)
    window.detail.tabs.setCurrentIndex(2)
    yield window, bridge, {"recording": recording, "har": har, "csv": csv, "staff": staff_file}
    window.close()
    db.close()


def test_rows_show_each_state_and_follow_progress(qtbot, seeded, screenshot) -> None:
    window, bridge, ids = seeded
    tab = window.detail.attachments
    assert state_of(tab, ids["recording"]) == "Waiting to upload"
    assert state_of(tab, ids["har"]) == "Waiting to upload · 1.0 MB of 2.0 MB already sent"
    assert state_of(tab, ids["csv"]).startswith("Upload refused: ledger-export.csv is larger")
    assert state_of(tab, ids["staff"]) == "Uploaded (not downloaded)"
    assert not tab.bars

    tick = TransferProgress("upload", ids["recording"], "screen recording.mp4", 3 * MB * 2 // 5, 3 * MB)
    bridge.statusChanged.emit(_status(progress=tick, transfer="Uploading screen recording.mp4: 1.2 MB of 3.0 MB"))
    qtbot.waitUntil(lambda: ids["recording"] in tab.bars)
    bar = tab.bars[ids["recording"]]
    assert tab.tree.itemWidget(tab.items[ids["recording"]], STATE_COLUMN) is bar
    assert bar.value() == 400 and bar.text() == "Uploading 40% (1.2 MB of 3.0 MB)"
    assert bar.accessibleName() == "Upload progress of screen recording.mp4"
    assert state_of(tab, ids["recording"]) == "Uploading 40% (1.2 MB of 3.0 MB)"
    assert "Uploading screen recording.mp4" in window.sync_indicator.label.text()

    # A download the user asked for, as the download relay reports it.
    tab.show_progress(TransferProgress("download", ids["staff"], "fix-5.2.1-notes.pdf", int(3.5 * MB), 5 * MB))
    assert tab.bars[ids["staff"]].value() == 700
    assert state_of(tab, ids["staff"]) == "Downloading 70% (3.5 MB of 5.0 MB)"
    tab.tree.setCurrentItem(tab.items[ids["recording"]])
    path = screenshot(window, "detail-attachments-progress")
    assert path.exists()

    tick = TransferProgress("upload", ids["recording"], "screen recording.mp4", 3 * MB * 4 // 5, 3 * MB)
    bridge.statusChanged.emit(_status(progress=tick))
    qtbot.waitUntil(lambda: tab.bars[ids["recording"]].value() == 800)

    # The pass ends before the last byte (the network went away): the row says so and keeps the place.
    bridge.statusChanged.emit(_status(syncing=False, online=False, last_error="The server cannot be reached."))
    qtbot.waitUntil(lambda: ids["recording"] not in tab.bars)
    assert state_of(tab, ids["recording"]) == (
        "Upload paused at 80% (2.4 MB of 3.0 MB): The server cannot be reached. It resumes by itself.")
    assert ids["staff"] in tab.bars  # a download is not sync's: it goes on

    tick = TransferProgress("upload", ids["recording"], "screen recording.mp4", 3 * MB, 3 * MB)
    bridge.statusChanged.emit(_status(progress=tick))
    qtbot.waitUntil(lambda: state_of(tab, ids["recording"]) == "Uploaded; waiting for the server to confirm")
    assert ids["recording"] not in tab.bars


def test_inline_attachments_of_a_reply_show_their_state(qtbot, seeded, tmp_path) -> None:
    window, bridge, _ids = seeded
    detail = window.detail
    files = prepare_files(window.session.blobs, [_file(tmp_path, "console.log", 300_000)])
    _, changes = local_changes.add_comment(window.session.db, ME, detail.case_id, "Console output attached.", files=files)
    window.local_change(changes)
    assert "console.log (293 KB) — Waiting to upload" in detail.conversation.toPlainText()
    attachment_id = next(a.id for a in detail.attachments.rows if a.filename == "console.log")
    bridge.statusChanged.emit(_status(progress=TransferProgress("upload", attachment_id, "console.log", 150_000, 300_000)))
    qtbot.waitUntil(lambda: "console.log (293 KB) — Uploading 50%" in detail.conversation.toPlainText(), timeout=3000)


# --- against a real server --------------------------------------------------------------------




def _case_id(session: Session, number: str) -> str:
    model = session.window.model
    return next(model.case_id_at(r) for r in range(model.rowCount()) if model.index(r, 0).data() == number)


def test_a_real_upload_shows_its_progress_then_uploaded(qtbot, start_session, tmp_path,
                                                        monkeypatch) -> None:
    from casedesktop.sync import transfer, worker

    monkeypatch.setattr(transfer, "CHUNK_BYTES", 64 * 1024)  # many chunks, so several ticks are seen
    monkeypatch.setattr(worker, "PROGRESS_EVERY", 0.0)
    session = start_session()
    window = session.window
    window.select_case(_case_id(session, "CS-1001"))
    window.detail.tabs.setCurrentIndex(2)
    tab = window.detail.attachments
    log = RowLog(tab, filename="trace.har")
    assert tab.add_paths([_file(tmp_path, "trace.har", 2 * MB)])  # what a drop or the picker does
    qtbot.waitUntil(lambda: log.attachment_id is not None and log.seen
                    and state_of(tab, log.attachment_id) == "Uploaded", timeout=30_000)
    moving = [(text, value) for text, value in log.seen if text.startswith("Uploading")]
    assert len(moving) >= 3, log.seen
    for text, value in moving:
        percent = int(re.match(r"Uploading (\d+)%", text).group(1))
        assert value is not None and abs(value / 10 - percent) <= 1  # the bar says what the text says
    assert any(0 < int(re.match(r"Uploading (\d+)%", t).group(1)) < 100 for t, _ in moving)
    assert [v for _, v in moving] == sorted(v for _, v in moving)  # never backwards
    assert log.attachment_id not in tab.bars
    assert log.threads == {"MainThread"}  # the worker's ticks reach the widgets on the GUI thread
    detail = queries.case_detail(session.profile.db, window.detail.case_id)
    assert next(a for a in detail.attachments if a.id == log.attachment_id).sync_state == "synced"
    session.stop()
    session.profile.close()


def test_a_real_download_shows_its_progress_then_verified(qtbot, start_session, server_process: ServerProcess, customer_cli,
                                                          tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sync_bridge, "PROGRESS_EVERY", 0.0)
    original = _file(tmp_path, "bank-feed.har", 3 * MB)
    customer_cli.login(server_process.url, CUSTOMER)
    customer_cli.run("sync")
    customer_cli.run("cases", "attach", "CS-1002", str(original))  # from another device
    customer_cli.run("sync")

    session = start_session()
    window = session.window
    window.select_case(_case_id(session, "CS-1002"))
    window.detail.tabs.setCurrentIndex(2)
    tab = window.detail.attachments
    qtbot.waitUntil(lambda: len(tab.rows) == 1, timeout=15_000)
    attachment_id = tab.rows[0].id
    assert state_of(tab, attachment_id) == "Uploaded (not downloaded)"
    log = RowLog(tab, attachment_id)
    tab.tree.setCurrentItem(tab.items[attachment_id])
    saved = tmp_path / "saved" / "bank-feed.har"
    tab.save_selected(saved)
    qtbot.waitUntil(lambda: state_of(tab, attachment_id) == "Downloaded and verified", timeout=15_000)
    assert saved.exists() and hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()
    moving = [(text, value) for text, value in log.seen if text.startswith("Downloading")]
    assert moving[0] == ("Downloading 0% (0 bytes of 3.0 MB)", 0)
    assert any(0 < (value or 0) < 1000 for _, value in moving), log.seen
    assert attachment_id not in tab.bars
    assert log.threads == {"MainThread"}
    session.stop()
    session.profile.close()


def test_a_failed_download_says_why(qtbot, seeded) -> None:
    from casedesktop.sync.downloads import DownloadWorker

    window, _bridge, ids = seeded
    tab = window.detail.attachments
    relay = sync_bridge.DownloadRelay(DownloadWorker(window.session.blobs, "http://127.0.0.1:9", lambda: "token"))
    tab.fetch = relay.fetch  # the real relay, towards a port where nothing answers
    tab.tree.setCurrentItem(tab.items[ids["staff"]])
    tab.open_selected()
    assert state_of(tab, ids["staff"]) == "Downloading 0% (0 bytes of 5.0 MB)"
    qtbot.waitUntil(lambda: state_of(tab, ids["staff"]).startswith("Download failed"), timeout=15_000)
    assert state_of(tab, ids["staff"]) == (
        "Download failed: fix-5.2.1-notes.pdf could not be downloaded: the server cannot be reached. "
        "What arrived is kept; try again when you are online.")
    assert ids["staff"] not in tab.bars
    relay.close()


def test_a_file_no_program_opens_says_so_and_the_message_leaves_with_the_case(qtbot, seeded, monkeypatch) -> None:
    from casedesktop.ui.case import attachments_tab

    window, _bridge, ids = seeded
    tab = window.detail.attachments
    monkeypatch.delenv("CASEDESKTOP_NO_OPEN", raising=False)
    monkeypatch.setattr(attachments_tab.QDesktopServices, "openUrl", lambda _url: False)  # no launcher here
    tab.tree.setCurrentItem(tab.items[ids["har"]])
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    assert tab.message.text() == ("No program on this computer opens bank-feed.har. Save it and open it from "
                                  "your file manager.")
    window.select_case(str(uuid.UUID(int=1001)))  # a case without files
    assert tab.rows == [] and tab.message.text() == ""
