"""Attachments: tus uploads (creation, checksum, resume, limits), downloads with ranges, safe names
and types, and a standard tus client (tus-py-client) talking to the server unchanged."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casedesktop.api.files import OFFSET_CONTENT_TYPE, TUS_VERSION, checksum_header
from casedesktop.domain import (
    MAX_ATTACHMENT_BYTES,
    MAX_TOTAL_ATTACHMENT_BYTES,
    Role,
    safe_filename,
)
from casedesktop.domain.filenames import MAX_NAME_BYTES
from casedesktop.server.base import utcnow
from casedesktop.server.cli import main as cli_main
from casedesktop.server.models import Attachment, Upload
from casedesktop.server.settings import Settings
from casedesktop.server.testing import ApiCaller, ServerHandle, running_server

TUS = {"Tus-Resumable": TUS_VERSION}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _token(client: ApiCaller) -> str:
    return client.http.headers["Authorization"].split()[1]


def _raw(url: str, lines: list[str], body: bytes = b"", *, read: bool = True) -> bytes:
    """Send a hand-made HTTP/1.1 request (headers, then `body` only) and return the answer's
    first bytes; the socket closes at the end, so a short body is a cut-off upload."""
    parts = urlsplit(url)
    head = "\r\n".join([*lines, f"Host: {parts.netloc}", "Connection: close", "", ""])
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode("utf-8"))
        if body:
            sock.sendall(body)
            time.sleep(0.5)  # let the server take in what was sent before the line drops
        return sock.recv(4096) if read else b""


def _wait_for_offset(client: ApiCaller, location: str, wanted: int) -> int:
    deadline = time.monotonic() + 5
    offset = client.upload_offset(location)
    while offset != wanted and time.monotonic() < deadline:
        time.sleep(0.02)
        offset = client.upload_offset(location)
    return offset


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_upload_in_chunks_then_download_whole_and_in_ranges(
    customer: ApiCaller, agent: ApiCaller
) -> None:
    case = customer.new_case()
    _, cursor = customer.all_changes()
    data = os.urandom(2_500_000)
    attachment = customer.upload(case["id"], data, "screen.mp4", chunk_size=1_000_000)
    assert attachment["size"] == len(data) and attachment["sha256"] == _sha(data)
    assert attachment["filename"] == "screen.mp4" and attachment["content_type"] == "video/mp4"
    assert attachment["uploader_name"] == "Ann" and attachment["staff_only"] is False

    whole = agent.get(f"/attachments/{attachment['id']}/content")
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Disposition"].startswith("attachment;")
    assert whole.headers["Content-Type"] == "video/mp4"

    part = customer.get(
        f"/attachments/{attachment['id']}/content", headers={"Range": "bytes=1000-1999"}
    )
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    tail = customer.get(f"/attachments/{attachment['id']}/content", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    rest = customer.get(
        f"/attachments/{attachment['id']}/content", headers={"Range": f"bytes={len(data) - 5}-"}
    )
    assert rest.status_code == 206 and rest.content == data[-5:]
    past = customer.get(
        f"/attachments/{attachment['id']}/content", headers={"Range": f"bytes={len(data)}-"}
    )
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{len(data)}"
    assert past.json()["code"] == "range_not_satisfiable"
    stale = customer.get(
        f"/attachments/{attachment['id']}/content",
        headers={"Range": "bytes=0-9", "If-Range": '"not-the-etag"'},
    )
    assert stale.status_code == 200 and stale.content == data  # changed since: the whole file

    listed = customer.get(f"/cases/{case['id']}/attachments").json()
    assert [a["id"] for a in listed] == [attachment["id"]]
    items, _ = customer.all_changes(cursor)
    assert [i["entity"] for i in items] == ["case", "attachment"]
    assert items[1]["attachment"]["sha256"] == _sha(data)


def test_interrupted_upload_resumes_from_the_servers_offset(customer: ApiCaller) -> None:
    case = customer.new_case()
    data = os.urandom(600_000)
    created = customer.start_upload(case["id"], len(data), "big.log", sha256=_sha(data))
    location = created.headers["Location"]
    request = [
        f"PATCH {urlsplit(location).path} HTTP/1.1",
        f"Authorization: Bearer {_token(customer)}",
        f"Tus-Resumable: {TUS_VERSION}",
        "Upload-Offset: 0",
        f"Content-Type: {OFFSET_CONTENT_TYPE}",
        f"Content-Length: {len(data)}",
    ]
    # A chunk with a checksum that is cut off keeps nothing: it cannot be verified.
    checksum = f"Upload-Checksum: {checksum_header(data)}"
    _raw(location, [*request, checksum], data[:250_000], read=False)
    time.sleep(0.3)
    assert customer.upload_offset(location) == 0

    # Without a checksum, what arrived before the cut is kept (as tus servers do).
    _raw(location, request, data[:250_000], read=False)
    deadline = time.monotonic() + 5
    offset = customer.upload_offset(location)
    while offset == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        offset = customer.upload_offset(location)
    assert 0 < offset <= 250_000

    stale = customer.patch_upload(location, 0, data[:1000])
    assert stale.status_code == 409 and stale.json()["code"] == "offset_mismatch"
    assert int(stale.headers["Upload-Offset"]) == offset
    done = customer.patch_upload(location, offset, data[offset:])
    assert done.status_code == 204 and int(done.headers["Upload-Offset"]) == len(data)
    attachment = customer.get(f"/cases/{case['id']}/attachments").json()[0]
    assert attachment["sha256"] == _sha(data) and attachment["size"] == len(data)
    again = customer.patch_upload(location, len(data), b"")  # a retried last PATCH
    assert again.status_code == 204 and int(again.headers["Upload-Offset"]) == len(data)


def test_wrong_checksums_are_460_and_keep_nothing(
    server: ServerHandle, customer: ApiCaller
) -> None:
    case = customer.new_case()
    data = b"0123456789" * 1000
    location = customer.start_upload(case["id"], len(data), sha256=_sha(data)).headers["Location"]
    bad = customer.patch_upload(location, 0, data[:5000], checksum=checksum_header(b"other"))
    assert bad.status_code == 460 and bad.json()["code"] == "checksum_mismatch"
    assert bad.headers["Tus-Resumable"] == TUS_VERSION
    assert customer.upload_offset(location) == 0
    unknown = customer.patch_upload(location, 0, data[:10], checksum="crc32 AAAA")
    assert unknown.status_code == 400
    sha1 = hashlib.sha1(data[:5000]).digest()
    ok = customer.patch_upload(
        location, 0, data[:5000], checksum="sha1 " + base64.b64encode(sha1).decode()
    )
    assert ok.status_code == 204 and int(ok.headers["Upload-Offset"]) == 5000

    # Every chunk right, but not the file promised in the metadata: all of it goes.
    promised = _sha(b"something else")
    other = customer.start_upload(case["id"], len(data), sha256=promised).headers["Location"]
    first = customer.patch_upload(other, 0, data[:6000])
    assert first.status_code == 204
    last = customer.patch_upload(other, 6000, data[6000:])
    assert last.status_code == 460 and "again from the start" in last.json()["message"]
    assert customer.upload_offset(other) == 0
    assert customer.get(f"/cases/{case['id']}/attachments").json() == []
    count = server.sessions.run_read(
        lambda s: s.scalar(select(func.count()).select_from(Attachment))
    )
    assert count == 0


def test_too_large_is_refused_from_the_header_before_any_body(tmp_path: Path) -> None:
    limit = 100_000
    with running_server(tmp_path, settings=Settings(max_upload_bytes=limit)) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.signed_in("ann@acme.example")
        case = ann.new_case()
        options = ann.http.options(ann.base + "/uploads")
        assert options.headers["Tus-Max-Size"] == str(limit)
        assert ann.get("/limits").json()["max_attachment_bytes"] == limit

        # The body is announced but never sent: the answer comes from the headers alone.
        answer = _raw(
            ann.base + "/uploads",
            [
                "POST /api/v1/uploads HTTP/1.1",
                f"Authorization: Bearer {_token(ann)}",
                f"Tus-Resumable: {TUS_VERSION}",
                f"Upload-Length: {limit + 1}",
                f"Content-Length: {limit + 1}",
            ],
        )
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert b"Tus-Resumable" in answer or b"tus-resumable" in answer
        assert b"Files can be at most 98 KB;" in answer  # the limit in the client's words (100,000 bytes)

        # A PATCH announcing more than the upload's length is refused the same way.
        location = ann.start_upload(case["id"], 1000).headers["Location"]
        answer = _raw(
            location,
            [
                f"PATCH {urlsplit(location).path} HTTP/1.1",
                f"Authorization: Bearer {_token(ann)}",
                f"Tus-Resumable: {TUS_VERSION}",
                "Upload-Offset: 0",
                f"Content-Type: {OFFSET_CONTENT_TYPE}",
                "Content-Length: 5000000",
            ],
        )
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert ann.upload_offset(location) == 0
        # Sent anyway without a length (chunked): cut at the limit, nothing kept.
        too_much = ann.http.patch(
            location,
            data=iter([b"x" * 600, b"x" * 600]),
            headers={**TUS, "Upload-Offset": "0", "Content-Type": OFFSET_CONTENT_TYPE},
            timeout=10,
        )
        assert too_much.status_code == 413 and ann.upload_offset(location) == 0
        assert _files_under(tmp_path / "uploads") == []
        assert _files_under(tmp_path / "attachments") == []
        uploads = server.sessions.run_read(
            lambda s: s.scalar(select(func.count()).select_from(Upload))
        )
        assert uploads == 1  # only the 1000-byte one


def test_empty_file(customer: ApiCaller) -> None:
    case = customer.new_case()
    attachment_id = str(uuid.uuid4())
    created = customer.start_upload(
        case["id"], 0, "empty.txt", attachment_id=attachment_id, sha256=_sha(b"")
    )
    assert created.status_code == 201 and created.headers["Upload-Offset"] == "0"
    attachment = customer.get(f"/attachments/{attachment_id}").json()
    assert attachment["size"] == 0 and attachment["sha256"] == _sha(b"")
    content = customer.get(f"/attachments/{attachment_id}/content")
    assert content.status_code == 200 and content.content == b""
    ranged = customer.get(f"/attachments/{attachment_id}/content", headers={"Range": "bytes=0-"})
    assert ranged.status_code == 416
    wrong = customer.start_upload(case["id"], 0, "empty.txt", sha256=_sha(b"not empty"))
    assert wrong.status_code == 460


def test_names_with_paths_and_unicode_never_reach_the_disk(
    server: ServerHandle, customer: ApiCaller
) -> None:
    case = customer.new_case()
    name = "../../etc/pässwörd ✓ 日本.html"
    attachment = customer.upload(case["id"], b"<script>alert(1)</script>", name)
    assert attachment["filename"] == "pässwörd ✓ 日本.html"
    assert attachment["content_type"] == "application/octet-stream"  # never served as HTML
    response = customer.get(f"/attachments/{attachment['id']}/content")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "pässwörd ✓ 日本.html" and "/" not in encoded
    stored = _files_under(server.data_dir)
    assert not any("pässwörd" in str(p) or "etc" in p.parts for p in stored)
    assert (server.data_dir / "attachments" / attachment["id"].replace("-", "")[:2]).is_dir()
    assert not (server.data_dir.parent / "etc").exists()

    svg = customer.upload(case["id"], b"<svg/>", "logo.svg")
    assert svg["content_type"] == "application/octet-stream"
    png = customer.upload(case["id"], b"\x89PNG", "shot.png")
    assert png["content_type"] == "image/png"


def test_creation_is_idempotent_and_uploads_are_private(
    customer: ApiCaller, agent: ApiCaller, world: ServerHandle
) -> None:
    case = customer.new_case()
    attachment_id = str(uuid.uuid4())
    first = customer.start_upload(case["id"], 10, attachment_id=attachment_id)
    again = customer.start_upload(case["id"], 10, attachment_id=attachment_id)
    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == again.headers["Location"]
    taken = agent.start_upload(case["id"], 10, attachment_id=attachment_id)
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    location = first.headers["Location"]
    assert agent.http.head(location, headers=TUS).status_code == 404
    assert customer.http.delete(location, headers=TUS).status_code == 204
    assert customer.http.head(location, headers=TUS).status_code == 404


def test_tus_protocol_answers(customer: ApiCaller) -> None:
    case = customer.new_case()
    options = customer.http.options(customer.base + "/uploads")
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == TUS_VERSION
    assert set(options.headers["Tus-Extension"].split(",")) >= {"creation", "checksum"}
    assert "sha256" in options.headers["Tus-Checksum-Algorithm"].split(",")
    assert "sha1" in options.headers["Tus-Checksum-Algorithm"].split(",")

    no_version = customer.http.post(customer.base + "/uploads", headers={"Upload-Length": "5"})
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == TUS_VERSION
    no_length = customer.http.post(customer.base + "/uploads", headers=TUS)
    assert no_length.status_code == 400 and no_length.json()["field"] == "Upload-Length"
    garbled = customer.http.post(
        customer.base + "/uploads",
        headers={**TUS, "Upload-Length": "5", "Upload-Metadata": "filename !!notbase64"},
    )
    assert garbled.status_code == 400
    no_case = customer.http.post(
        customer.base + "/uploads",
        headers={**TUS, "Upload-Length": "5", "Upload-Metadata": "filename YS50eHQ="},
    )
    assert no_case.status_code == 400 and no_case.json()["field"] == "case_id"

    location = customer.start_upload(case["id"], 5).headers["Location"]
    wrong_type = customer.http.patch(
        location, data=b"abc", headers={**TUS, "Upload-Offset": "0", "Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    head = customer.http.head(location, headers=TUS)
    assert head.headers["Upload-Length"] == "5" and head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == TUS_VERSION


def test_attachments_on_replies(customer: ApiCaller, agent: ApiCaller) -> None:
    case = customer.new_case()
    reply = customer.comment(case["id"], "Log attached.").json()
    attachment = customer.upload(case["id"], b"log lines", "app.log", comment_id=reply["id"])
    assert attachment["comment_id"] == reply["id"] and attachment["staff_only"] is False
    staff_reply = agent.comment(case["id"], "Thanks.").json()
    not_yours = customer.start_upload(case["id"], 3, comment_id=staff_reply["id"])
    assert not_yours.status_code == 403
    elsewhere = customer.new_case()
    wrong_case = customer.start_upload(elsewhere["id"], 3, comment_id=reply["id"])
    assert wrong_case.status_code == 404
    assert [a["id"] for a in agent.get(f"/cases/{case['id']}/attachments").json()] == [
        attachment["id"]
    ]


def test_a_standard_tus_client_uploads_unchanged(
    customer: ApiCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tus-py-client, as published, with its own defaults (sha1 chunk checksums)."""
    from tusclient.client import TusClient

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    case = customer.new_case()
    data = os.urandom(700_000)
    attachment_id = str(uuid.uuid4())
    client = TusClient(
        customer.base + "/uploads", headers={"Authorization": f"Bearer {_token(customer)}"}
    )
    uploader = client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=256 * 1024,
        upload_checksum=True,
        metadata={
            "filename": "from-tuspy.bin",
            "case_id": case["id"],
            "attachment_id": attachment_id,
            "sha256": _sha(data),
        },
    )
    uploader.upload()
    attachment = customer.get(f"/attachments/{attachment_id}").json()
    assert attachment["size"] == len(data) and attachment["sha256"] == _sha(data)
    assert customer.get(f"/attachments/{attachment_id}/content").content == data


def test_files_of_one_case_add_up_to_a_limit(customer: ApiCaller) -> None:
    case = customer.new_case()
    each = MAX_ATTACHMENT_BYTES
    for _ in range(MAX_TOTAL_ATTACHMENT_BYTES // each):
        assert customer.start_upload(case["id"], each).status_code == 201  # no body needed yet
    over = customer.start_upload(case["id"], 1)
    assert over.status_code == 413 and over.json()["code"] == "too_large"
    reply = customer.comment(case["id"], "More files here.").json()
    assert customer.start_upload(case["id"], 1, comment_id=reply["id"]).status_code == 201


def test_unfinished_uploads_are_purged(server: ServerHandle, customer: ApiCaller) -> None:
    case = customer.new_case()
    location = customer.start_upload(case["id"], 100).headers["Location"]
    assert customer.patch_upload(location, 0, b"x" * 40).status_code == 204
    fresh = customer.start_upload(case["id"], 100).headers["Location"]
    assert _files_under(server.data_dir / "uploads")

    def backdate(session: Session) -> None:
        upload = session.get(Upload, uuid.UUID(location.rsplit("/", 1)[1]))
        upload.created_at = utcnow() - timedelta(days=8)

    server.sessions.run_write(backdate)
    common = ["--data-dir", str(server.data_dir), "--database-url", server.database_url]
    assert cli_main(["purge-uploads", *common]) == 0
    assert customer.http.head(location, headers=TUS).status_code == 404
    assert customer.upload_offset(fresh) == 0  # a recent one stays
    assert _files_under(server.data_dir / "uploads") == []


def test_head_on_a_download_gives_its_headers_without_the_bytes(
    customer: ApiCaller, other_customer: ApiCaller
) -> None:
    case = customer.new_case()
    data = b"some bytes of a log\n" * 100
    attachment = customer.upload(case["id"], data, "server.log")
    url = f"{customer.base}/attachments/{attachment['id']}/content"
    get = customer.http.get(url, timeout=10)
    head = customer.http.head(url, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(data))
    for name in ("Content-Type", "Content-Disposition", "ETag", "Accept-Ranges"):
        assert head.headers[name] == get.headers[name], name
    ranged = customer.http.head(url, headers={"Range": "bytes=0-9"}, timeout=10)
    assert ranged.status_code == 200 and ranged.headers["Content-Length"] == str(len(data))
    assert other_customer.http.head(url, timeout=10).status_code == 404
    assert requests.head(url, timeout=10).status_code == 401


# Names a hostile or careless uploader gives, and what every system can safely show and save.
# The rule is domain.safe_filename (tests/domain/test_filenames.py); here: the server applies it.
HOSTILE_NAMES = {
    "invoice\u202egpj.exe": "invoicegpj.exe",  # a bidi override: shown as "invoiceexe.jpg"
    "re\u200bport\u2060.pdf\u200e": "report.pdf",  # zero-width space, word joiner, LRM
    "\ufeffbom.txt": "bom.txt",
    "CON.txt": "_CON.txt",  # Windows device names, whatever the case or extension
    "nul": "_nul",
    "com1.tar.gz": "_com1.tar.gz",
    "file.exe. .": "file.exe",  # Windows drops trailing dots and spaces
    "notes .": "notes",
    'a<b>c:d"e|f?g*h.txt': "a_b_c_d_e_f_g_h.txt",
    "no\u00a0break.txt": "no break.txt",
    "..": "file",
}


def test_uploaded_names_are_stored_and_sent_safe(server: ServerHandle, customer: ApiCaller) -> None:
    case = customer.new_case()
    for hostile, expected in HOSTILE_NAMES.items():
        assert safe_filename(hostile) == expected, hostile
        attachment = customer.upload(case["id"], b"x", hostile)
        assert attachment["filename"] == expected, hostile
        stored = server.sessions.run_read(
            lambda s, i=attachment["id"]: s.get(Attachment, uuid.UUID(i)).filename
        )
        assert stored == expected
        response = customer.get(f"/attachments/{attachment['id']}/content")
        encoded = response.headers["Content-Disposition"].split("filename*=UTF-8''")[1]
        assert unquote(encoded) == expected
    long = customer.upload(case["id"], b"x", "日本" * 200 + ".pdf")
    assert long["filename"].endswith(".pdf") and len(long["filename"].encode()) <= MAX_NAME_BYTES


def test_names_stored_before_the_rule_are_sent_safe(
    server: ServerHandle, customer: ApiCaller
) -> None:
    case = customer.new_case()
    attachment = customer.upload(case["id"], b"x", "report.pdf")

    def rename(session: Session) -> None:  # as an older server stored it
        session.get(Attachment, uuid.UUID(attachment["id"])).filename = "CON\u202e.txt. "

    server.sessions.run_write(rename)
    assert customer.get(f"/attachments/{attachment['id']}").json()["filename"] == "_CON.txt"
    listed = customer.get(f"/cases/{case['id']}/attachments").json()
    assert [one["filename"] for one in listed] == ["_CON.txt"]
    response = customer.get(f"/attachments/{attachment['id']}/content")
    assert response.headers["Content-Disposition"].endswith("''_CON.txt")
