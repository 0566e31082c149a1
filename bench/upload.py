"""upload: a 40 MB attachment through the resumable (tus) protocol, on loopback.

Needs the server's tus endpoint (a path with "uploads" in /openapi.json) and the client's
uploader (casedesktop.sync.transfer.Uploader); when either is missing the record says
"not available: ..." and no figure is made up.
Set-up (not timed): a server process; per repetition a case of ours (made and pushed through the
outbox), then a fresh 40 MB file of random bytes attached to it with the store's own functions
(`attachments.prepare_files` into the blob store, `local_changes.attach_files`).
Ours: `SyncEngine._push` sends the waiting upload op: tus creation, PATCH chunks with their sha256
checksums (a 1 MiB first one that measures the link, then chunks sized to it, up to
transfer.CHUNK_BYTES), the cache's bookkeeping; done when the server has the whole file.
Peer: for the same server and another customer's case, the tus creation request (requests),
then `curl --data-binary @file -X PATCH` with the whole file in one request (no per-chunk
checksum; the server still checks the whole file's sha256 from the metadata). Both timed from
the creation request to the last byte accepted. Repetitions alternate which goes first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import uuid
from typing import Any

from bench.common import Context, NotAvailable, ServerProcess, Stats, load_average, make_record

NAME = "upload"
TITLE = "40 MB attachment through tus vs curl --data-binary"
RATIO_TARGET = 0.95
TARGETS = {"throughput": ("MB/s", f">= {RATIO_TARGET}x curl")}
PASSWORD = "bench-password"


def tus_path(openapi: dict[str, Any]) -> str | None:
    for path, methods in openapi.get("paths", {}).items():
        if ("uploads" in path or "files" in path) and "post" in methods and "{" not in path:
            return path
    return None


def run(ctx: Context) -> list[dict[str, Any]]:
    import requests

    from bench import data

    size = 4_000_000 if ctx.quick else 40_000_000
    reps = ctx.reps(3, 1)
    if shutil.which("curl") is None:
        raise NotAvailable("curl is not installed")
    server_dir = ctx.workdir / "upload-server"
    sessions = data.server_sessions(server_dir)
    with ServerProcess(server_dir, ctx.env()) as server:
        openapi = requests.get(f"{server.url}/openapi.json", timeout=30).json()
        path = tus_path(openapi)
        if path is None:
            raise NotAvailable(
                "the server has no resumable upload endpoint (no path with "
                "'uploads' or 'files' in /openapi.json)"
            )
        try:
            from casedesktop.api.files import (
                META_ATTACHMENT_ID,
                META_CASE_ID,
                META_CONTENT_TYPE,
                META_FILENAME,
                META_SHA256,
                OFFSET_CONTENT_TYPE,
                TUS_VERSION,
                encode_metadata,
            )
            from casedesktop.store import local_changes
            from casedesktop.store.attachments import prepare_files
            from casedesktop.store.blobs import BlobStore
            from casedesktop.store.database import open_cache
            from casedesktop.sync.api_client import ApiClient
            from casedesktop.sync.credentials import TokenStore
            from casedesktop.sync.engine import SyncEngine, SyncReport
            from casedesktop.sync.sign_in import sign_in
            from casedesktop.sync.transfer import Uploader  # noqa: F401 - the client side must exist
        except ImportError as exc:
            raise NotAvailable(f"the client has no resumable uploader yet ({exc})") from exc

        load = load_average()
        ours_email, peer_email = "upload-ours@bench.example", "upload-peer@bench.example"
        data.add_customer(sessions, ours_email, "Upload ours", PASSWORD)
        data.add_customer(sessions, peer_email, "Upload peer", PASSWORD)
        profile = ctx.workdir / "upload-profile"
        db = open_cache(profile)
        tokens = TokenStore(f"profile:{profile}")
        identity = sign_in(db, tokens, server.url, ours_email, PASSWORD, remember=False)
        blobs = BlobStore(profile)
        api = f"{server.url}/api/v1"
        http = requests.Session()
        login = http.post(f"{api}/auth/login", json={"email": peer_email, "password": PASSWORD})
        login.raise_for_status()
        peer_token = login.json()["token"]
        http.headers["Authorization"] = f"Bearer {peer_token}"
        files_dir = ctx.workdir / "upload-files"
        files_dir.mkdir(parents=True, exist_ok=True)
        ours_mbs: list[float] = []
        peer_mbs: list[float] = []

        def engine() -> SyncEngine:
            return SyncEngine(db, ApiClient(server.url, tokens.get()), identity.user_id)

        def ours(i: int) -> float:
            case_id, _ = local_changes.create_case(
                db,
                identity,
                subject=f"Upload {i}: screen recording of the export problem",
                description="The recording shows the last line disappearing.",
            )
            sync = engine()
            report = SyncReport()
            sync._push(report)  # the case reaches the server first (not timed)
            if report.pushed != 1:
                raise RuntimeError(f"the case was not pushed: {report}")
            source = files_dir / f"ours-{i}.bin"
            source.write_bytes(os.urandom(size))
            prepared = prepare_files(blobs, [source])
            local_changes.attach_files(db, identity, case_id, prepared)
            report = SyncReport()
            t0 = time.perf_counter()
            sync._push(report)
            elapsed = time.perf_counter() - t0
            sync.client.close()
            source.unlink()
            if report.uploaded != 1:
                raise RuntimeError(f"the upload did not finish: {report}")
            return size / 1e6 / elapsed

        def peer(i: int) -> float:
            case = http.post(
                f"{api}/cases",
                json={
                    "id": str(uuid.uuid4()),
                    "subject": f"Upload {i} by curl",
                    "description": "The recording shows the last line disappearing.",
                },
                timeout=30,
            )
            case.raise_for_status()
            source = files_dir / f"peer-{i}.bin"
            content = os.urandom(size)
            source.write_bytes(content)
            metadata = encode_metadata(
                {
                    META_FILENAME: source.name,
                    META_CASE_ID: case.json()["id"],
                    META_ATTACHMENT_ID: str(uuid.uuid4()),
                    META_SHA256: hashlib.sha256(content).hexdigest(),
                    META_CONTENT_TYPE: "application/octet-stream",
                }
            )
            t0 = time.perf_counter()
            created = http.post(
                f"{server.url}{path}",
                headers={
                    "Tus-Resumable": TUS_VERSION,
                    "Upload-Length": str(size),
                    "Upload-Metadata": metadata,
                },
                timeout=30,
            )
            if created.status_code != 201:
                raise RuntimeError(f"tus creation: {created.status_code} {created.text[:300]}")
            location = created.headers["Location"]
            if location.startswith("/"):
                location = server.url + location
            sent = subprocess.run(
                [
                    "curl",
                    "-sS",
                    "-X",
                    "PATCH",
                    "--data-binary",
                    f"@{source}",
                    "-H",
                    f"Authorization: Bearer {peer_token}",
                    "-H",
                    f"Tus-Resumable: {TUS_VERSION}",
                    "-H",
                    f"Content-Type: {OFFSET_CONTENT_TYPE}",
                    "-H",
                    "Upload-Offset: 0",
                    "-H",
                    "Expect:",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    location,
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            elapsed = time.perf_counter() - t0
            source.unlink()
            if sent.returncode != 0 or sent.stdout.strip() not in ("200", "204"):
                raise RuntimeError(
                    f"curl PATCH: exit {sent.returncode}, HTTP {sent.stdout!r}, "
                    f"{sent.stderr[-300:]}"
                )
            return size / 1e6 / elapsed

        for i in range(reps):
            for who in ("ours", "peer") if i % 2 == 0 else ("peer", "ours"):
                (ours_mbs if who == "ours" else peer_mbs).append(
                    (ours if who == "ours" else peer)(i)
                )
            ctx.say(
                f"  rep {i + 1}/{reps}: ours {ours_mbs[-1]:.0f} MB/s, curl {peer_mbs[-1]:.0f} MB/s"
            )
        http.close()
        db.close()
    sessions.dispose()
    ours_stats, peer_stats = Stats.of(ours_mbs), Stats.of(peer_mbs)
    ratio = ours_stats.median / peer_stats.median
    return [
        make_record(
            NAME,
            "throughput",
            ours=ours_stats,
            peer=peer_stats,
            unit="MB/s",
            target=TARGETS["throughput"][1],
            met=ratio >= RATIO_TARGET,
            peer_name="tus creation + curl --data-binary PATCH",
            details={
                "bytes": size,
                "endpoint": path,
                "ours_seconds": round(size / 1e6 / ours_stats.median, 3),
                "peer_seconds": round(size / 1e6 / peer_stats.median, 3),
                "load_average_at_start": load,
            },
        )
    ]
