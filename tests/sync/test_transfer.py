"""Files: an upload cut off resumes from the server's offset after a restart of the app, never
from zero; a download cut off resumes with Range and counts only once its sha256 is right."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from casedesktop.store import local_changes, outbox, uploads
from casedesktop.store.attachments import prepare_files
from casedesktop.sync import transfer
from casedesktop.sync.api_client import Rejected, Unreachable
from casedesktop.sync.engine import SyncEngine
from tests.sync.conftest import AGENT_EMAIL, CUSTOMER_EMAIL
from tests.sync.faultproxy import Fault, FaultProxy
from tests.sync.helpers import make_device

CHUNK = 256 * 1024


def _upstream(world) -> tuple[str, int]:  # noqa: ANN001
    host, port = world.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _file(tmp_path: Path, size: int, name: str = "screen.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(random.Random(size).randbytes(size))
    return path


def test_an_upload_cut_off_resumes_from_the_servers_offset_after_a_restart(world, tmp_path: Path) -> None:
    size = 5 * CHUNK + 1234
    patches = {"n": 0}

    def plan(_n: int, method: str, _path: str) -> Fault:
        if method == "PATCH":
            patches["n"] += 1
            return Fault.CUT_REQUEST if patches["n"] == 3 else Fault.PASS
        return Fault.PASS

    with FaultProxy(_upstream(world), plan) as proxy:
        ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url)
        ann.engine.upload_chunk = CHUNK
        case_id, _ = local_changes.create_case(ann.db, ann.identity, subject="Video", description="d",
                                               files=prepare_files(ann.blobs, [_file(tmp_path, size)]))
        report = ann.sync()
        assert not report.ok and ("broke off" in report.error or "Cannot reach" in report.error)
        attachment_id = next(iter(op.op_id for op in outbox.sendable(ann.db) if op.kind == "upload"))
        assert uploads.get(ann.db, attachment_id).offset == 2 * CHUNK
        ann.close()  # the app quits

        again = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann", proxy.url)  # and starts again
        again.engine.upload_chunk = CHUNK
        again.sync_until_quiet()
        assert outbox.counts(again.db).waiting == 0
        sent = proxy.body_bytes_up["PATCH"]
        assert size < sent <= size + CHUNK // 2 + 1  # only the half chunk cut off was sent twice
        staff = world.signed_in(AGENT_EMAIL)
        [attached] = staff.get(f"/cases/{case_id}/attachments").json()
        assert attached["size"] == size and attached["id"] == attachment_id
        again.close()


def test_a_reply_with_a_file_uploads_after_the_reply(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    case_id, _ = local_changes.create_case(ann.db, ann.identity, subject="Logs", description="d")
    comment_id, _ = local_changes.add_comment(ann.db, ann.identity, case_id, "Logs attached",
                                              files=prepare_files(ann.blobs, [_file(tmp_path, 70_000, "log.txt")]))
    ann.sync_until_quiet()
    [attached] = world.signed_in(AGENT_EMAIL).get(f"/cases/{case_id}/attachments").json()
    assert attached["comment_id"] == comment_id and attached["filename"] == "log.txt"
    ann.close()


def test_a_file_gone_from_the_blob_store_is_refused_and_kept_for_the_user(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    files = prepare_files(ann.blobs, [_file(tmp_path, 10_000)])
    local_changes.create_case(ann.db, ann.identity, subject="Lost file", description="d", files=files)
    ann.blobs.path_of(files[0].sha256).unlink()
    ann.sync_until_quiet()
    [failed] = outbox.failed_ops(ann.db)
    assert failed.kind == "upload" and "attach it again" in failed.error
    ann.close()


def test_a_download_cut_off_resumes_with_range_and_is_verified(world, tmp_path: Path) -> None:
    size = 3 * 1024 * 1024 + 5
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    source = _file(tmp_path, size)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    case_id, _ = local_changes.create_case(ann.db, ann.identity, subject="Download me", description="d",
                                           files=prepare_files(ann.blobs, [source]))
    ann.sync_until_quiet()
    attachment_id = next(iter(_attachments(world, case_id)))
    cuts = iter([Fault.CUT_RESPONSE])
    with FaultProxy(_upstream(world), lambda *_: next(cuts, Fault.PASS)) as proxy:
        sam = make_device(world, AGENT_EMAIL, tmp_path / "sam", proxy.url)
        ranges: list[str | None] = []
        http = sam.client.http

        def recording(method, path, **kwargs):  # noqa: ANN001, ANN003, ANN202
            ranges.append((kwargs.get("headers") or {}).get("Range"))
            return http(method, path, **kwargs)

        sam.client.http = recording
        with pytest.raises(Unreachable):
            transfer.download(sam.client, sam.blobs, attachment_id, sha, size)
        partial = sam.blobs.root / ".partial" / f"{attachment_id}.part"
        kept = partial.stat().st_size
        assert 0 < kept < size and not sam.blobs.has(sha)
        path = transfer.download(sam.client, sam.blobs, attachment_id, sha, size)
        assert ranges == [None, f"bytes={kept}-"]
        assert path == sam.blobs.path_of(sha) and hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert not partial.exists()

        # A damaged partial file is never trusted: the hash fails, and it is fetched afresh.
        other = sam.blobs.path_of(sha)
        other.unlink()
        partial.write_bytes(b"\0" * 1000)
        ranges.clear()
        path = transfer.download(sam.client, sam.blobs, attachment_id, sha, size)
        assert ranges == ["bytes=1000-", None] and hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert transfer.download(sam.client, sam.blobs, attachment_id, sha, size) == path  # cached
        with pytest.raises(Rejected):
            transfer.download(sam.client, sam.blobs, "00000000-0000-0000-0000-000000000000", "0" * 64, 5)
        sam.close()
    ann.close()


def _attachments(world, case_id: str) -> list[str]:  # noqa: ANN001
    return [a["id"] for a in world.signed_in(AGENT_EMAIL).get(f"/cases/{case_id}/attachments").json()]


def test_the_engine_sends_progress(world, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    ann.engine = SyncEngine(ann.db, ann.client, ann.identity.user_id,
                            on_progress=lambda *args: seen.append(args))
    ann.engine.upload_chunk = CHUNK
    local_changes.create_case(ann.db, ann.identity, subject="Progress", description="d",
                              files=prepare_files(ann.blobs, [_file(tmp_path, 3 * CHUNK)]))
    ann.sync_until_quiet()
    assert [done for _, done, _ in seen] == [CHUNK, 2 * CHUNK, 3 * CHUNK]
    # The key is "upload:<attachment id>:<file name>" (sync/worker.py reads it back).
    kind, attachment_id, name = seen[0][0].split(":", 2)
    assert (kind, name) == ("upload", "screen.mp4") and len(attachment_id) == 36
    ann.close()


def test_the_windows_download_worker_runs_off_the_callers_thread(world, tmp_path: Path) -> None:
    import threading

    from casedesktop.sync.downloads import DownloadWorker

    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    source = _file(tmp_path, 100_000)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    case_id, _ = local_changes.create_case(ann.db, ann.identity, subject="Fetch", description="d",
                                           files=prepare_files(ann.blobs, [source]))
    ann.sync_until_quiet()
    [attachment_id] = _attachments(world, case_id)
    sam = make_device(world, AGENT_EMAIL, tmp_path / "sam")
    worker = DownloadWorker(sam.blobs, world.base_url, lambda: sam.client.token)
    results: list[tuple[Path | None, str, str]] = []

    def done(path, error):  # noqa: ANN001, ANN202
        results.append((path, error, threading.current_thread().name))

    worker.fetch(attachment_id, sha, 100_000, "screen.mp4", done).result(10)
    worker.fetch("00000000-0000-0000-0000-000000000000", "0" * 64, 1, "ghost.txt", done).result(10)
    worker.close()
    (path, error, thread), (missing, why, _) = results
    assert error == "" and path == sam.blobs.path_of(sha) and thread.startswith("casedesktop-download")
    assert missing is None and why.startswith("ghost.txt could not be downloaded")
    ann.close()
    sam.close()


def test_chunks_fit_the_link_small_on_a_slow_one_large_on_a_fast_one(world, tmp_path: Path) -> None:
    """An interruption re-sends at most one chunk, so a chunk takes about `chunk_seconds` on the
    link: a slow uplink gets small PATCHes, loopback the largest, and a small tail goes with the
    chunk before it."""
    def chunk_sizes(engine_url: str, name: str, size: int, seconds: float,
                    largest: int = transfer.CHUNK_BYTES) -> list[int]:
        seen: list[int] = []
        device = make_device(world, CUSTOMER_EMAIL, tmp_path / name, engine_url)
        device.engine = SyncEngine(device.db, device.client, device.identity.user_id,
                                   on_progress=lambda _what, done, _total: seen.append(done))
        device.engine.upload_chunk_seconds = seconds
        device.engine.upload_chunk = largest
        local_changes.create_case(device.db, device.identity, subject=name, description="d",
                                  files=prepare_files(device.blobs, [_file(tmp_path, size, f"{name}.bin")]))
        device.sync_until_quiet()
        assert outbox.counts(device.db).waiting == 0
        device.close()
        return [b - a for a, b in zip([0, *seen], seen, strict=False)]

    with FaultProxy(_upstream(world), upload_rate={"PATCH": 2e6}) as proxy:  # 2 MB/s
        slow = chunk_sizes(proxy.url, "slow", 2 * 1024 * 1024, seconds=0.1)
    assert slow[0] == transfer.FIRST_CHUNK_BYTES
    assert all(size <= 400_000 for size in slow[1:-1]), slow  # ~0.1 s at 2 MB/s, not 1 MiB
    mib = 1024 * 1024
    fast = chunk_sizes(world.base_url, "fast", 20 * mib, seconds=transfer.CHUNK_SECONDS)
    assert fast == [transfer.FIRST_CHUNK_BYTES, 20 * mib - transfer.FIRST_CHUNK_BYTES], fast  # the rest at once
    capped = chunk_sizes(world.base_url, "capped", 20 * mib, seconds=transfer.CHUNK_SECONDS, largest=4 * mib)
    assert capped == [mib, 4 * mib, 4 * mib, 4 * mib, 4 * mib, 3 * mib], capped  # 3 MiB: no tail of its own
