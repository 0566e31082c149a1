"""The status line of a transfer in progress: the sizes in the one format of the app, the same words
as the Attachments tab and the attachment limit."""

from __future__ import annotations

from pathlib import Path

from casedesktop.store.database import open_cache
from casedesktop.sync.worker import SyncStatus, SyncWorker


def test_a_transfer_says_how_far_it_got_in_the_app_s_sizes(profile_dir: Path) -> None:
    db = open_cache(profile_dir)
    seen: list[SyncStatus] = []
    try:
        worker = SyncWorker(db, "http://127.0.0.1:9", lambda: None, "me", seen.append, lambda _changes: None)
        worker._progress("upload:a1:screen recording.mp4", 12 * 2**20, 30 * 2**20)  # what the engine reports
        assert seen[-1].transfer == "Uploading screen recording.mp4: 12 MB of 30 MB"
        assert seen[-1].progress.attachment_id == "a1"
        worker._progress("download:a2", 1023, 1023)  # the last report always goes out, however soon
        assert seen[-1].transfer == "Downloading a2: 1,023 bytes of 1,023 bytes"
    finally:
        db.close()
