"""Attaching files: limits checked before copying, copied at once, stored once, queued with the case."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.store import local_changes, outbox, queries
from casedesktop.store.attachments import AttachmentError, UploadOp, check_files, prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity

ME = Identity("http://127.0.0.1:1", str(uuid.uuid4()), "ann@example.com", "Ann Customer", Role.CUSTOMER)


@pytest.fixture
def db(profile_dir: Path):
    cache = open_cache(profile_dir)
    yield cache
    cache.close()


@pytest.fixture
def blobs(profile_dir: Path) -> BlobStore:
    return BlobStore(profile_dir)


def make(path: Path, size: int, byte: bytes = b"x") -> Path:
    """A file of `size` bytes; large ones are sparse, so the tests stay fast."""
    with open(path, "wb") as handle:
        if size < 10_000_000:
            handle.write(byte * size)
        else:
            handle.truncate(size)
    return path


def test_files_are_copied_in_and_the_original_may_vanish(tmp_path: Path, blobs: BlobStore, db) -> None:
    original = make(tmp_path / "Rechnung für März ✓.pdf", 1234, b"%")
    empty = make(tmp_path / "empty.log", 0)
    files = prepare_files(blobs, [original, empty])
    original.unlink()
    assert [(f.filename, f.size, f.content_type) for f in files] == [
        ("Rechnung für März ✓.pdf", 1234, "application/pdf"), ("empty.log", 0, "application/octet-stream"),
    ]
    assert all(blobs.verify(f.ref) for f in files)
    case_id, _ = local_changes.create_case(db, ME, subject="Invoice", description="See files", files=files)
    detail = queries.case_detail(db, case_id)
    assert [(a.filename, a.size, a.sync_state) for a in detail.attachments] == [
        ("Rechnung für März ✓.pdf", 1234, "waiting"), ("empty.log", 0, "waiting"),
    ]
    ops = outbox.sendable(db)
    assert [op.kind for op in ops] == ["create_case", "upload", "upload"]  # the case goes first
    upload = UploadOp.from_json(ops[1].payload)
    assert (upload.case_id, upload.filename, upload.sha256) == (case_id, "Rechnung für März ✓.pdf", files[0].sha256)


def test_the_same_file_twice_is_stored_once(tmp_path: Path, blobs: BlobStore) -> None:
    a = make(tmp_path / "a.txt", 100, b"a")
    b = make(tmp_path / "copy of a.txt", 100, b"a")
    first, second = prepare_files(blobs, [a, b])
    assert first.sha256 == second.sha256
    stored = [p for p in blobs.root.rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_over_size_file_is_refused_before_copying_and_named(tmp_path: Path, blobs: BlobStore) -> None:
    big = make(tmp_path / "huge-dump.zip", 41 * 1024 * 1024)
    with pytest.raises(AttachmentError, match=r"huge-dump.zip is 41 MB; files can be at most 40 MB"):
        prepare_files(blobs, [big])
    assert not blobs.root.exists() or not any(p.is_file() for p in blobs.root.rglob("*"))


def test_total_limit_names_the_file_that_goes_over(tmp_path: Path) -> None:
    files = [make(tmp_path / f"part{i}.bin", 30 * 1024 * 1024) for i in range(3)]
    with pytest.raises(AttachmentError, match="part2.bin"):
        check_files(files, max_total=80 * 1024 * 1024)


def test_folder_and_unreadable_file_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    with pytest.raises(AttachmentError, match="logs is a folder"):
        check_files([folder])
    locked = make(tmp_path / "secret.txt", 10)
    os.chmod(locked, 0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: every file is readable")  # CI runs as root
        with pytest.raises(AttachmentError, match="Cannot read secret.txt"):
            check_files([locked])
    finally:
        os.chmod(locked, 0o600)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="Cannot read gone.txt"):
        check_files([tmp_path / "gone.txt"])


def test_reply_with_files_and_discarding_a_refused_upload(tmp_path: Path, blobs: BlobStore, db) -> None:
    case_id, _ = local_changes.create_case(db, ME, subject="A", description="B")
    files = prepare_files(blobs, [make(tmp_path / "trace.txt", 10)])
    comment_id, _ = local_changes.add_comment(db, ME, case_id, "Trace attached", files=files)
    attachment = queries.case_detail(db, case_id).attachments[0]
    assert attachment.comment_id == comment_id
    upload = next(op for op in outbox.sendable(db) if op.kind == "upload")
    outbox.mark_failed(db, upload.seq, "The server refused the file.")
    outbox.discard(db, upload.op_id)
    assert queries.case_detail(db, case_id).attachments == []
