"""Attachments in an S3-compatible bucket: moto's standalone server is the real endpoint (a
subprocess on loopback), the server under test talks to it through boto3 as it would to AWS or
MinIO, and everything is checked through the HTTP API and the bucket itself."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from casedesktop.domain import Role
from casedesktop.server.app import create_app
from casedesktop.server.cli import main
from casedesktop.server.db import Sessions, make_engine
from casedesktop.server.s3storage import READ_PIECE, S3Location, S3Storage, parse_s3_option
from casedesktop.server.storage import LocalStorage, StorageError, storage_from_option
from casedesktop.server.testing import (
    TEST_PASSWORD,
    ApiCaller,
    ServerHandle,
    serve_app_in_thread,
)
from testkit.net import free_port

REGION = "us-east-1"
MIB = 1024 * 1024
SECRET = "moto-secret-for-no-log"


@pytest.fixture(scope="module")
def aws_environment() -> Iterator[None]:
    """Test credentials for boto3's chain (moto accepts any), and none of the user's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def endpoint(aws_environment: None) -> Iterator[str]:
    """moto's S3 server as its own process on a free loopback port; its URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    http = requests.Session()
    http.trust_env = False  # loopback: never through a proxy
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"moto's server stopped: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                if http.get(f"{url}/moto-api/", timeout=1).status_code < 500:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("moto's server did not answer within 30 s")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def s3(endpoint: str) -> Any:
    """A plain boto3 client on the endpoint, to look into the bucket from outside the server."""
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3: Any) -> str:
    """A new, empty bucket for one test."""
    name = f"attachments-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _option(bucket: str, endpoint: str, prefix: str = "") -> str:
    path = f"/{prefix}" if prefix else ""
    return f"s3://{bucket}{path}?endpoint={endpoint}&region={REGION}"


@pytest.fixture
def server(
    sqlite_template: Path, tmp_path: Path, bucket: str, endpoint: str
) -> Iterator[ServerHandle]:
    """A real server on loopback whose attachments go to `bucket`; Ann (customer) is a user."""
    database = tmp_path / "server.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    storage = storage_from_option(_option(bucket, endpoint), tmp_path)
    app = create_app(url, tmp_path, storage=storage)
    with serve_app_in_thread(app) as base_url:
        sessions = Sessions(make_engine(url))
        try:
            handle = ServerHandle(base_url, url, tmp_path, sessions)
            handle.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
            yield handle
        finally:
            sessions.dispose()


def _object(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --- Through the HTTP API -------------------------------------------------------------------


def test_a_tus_upload_in_several_patches_lands_in_the_bucket(
    server: ServerHandle, s3: Any, bucket: str
) -> None:
    ann = server.signed_in("ann@acme.example")
    case = ann.new_case()
    data = os.urandom(300_000)
    attachment = ann.upload(case["id"], data, "trace.bin", chunk_size=64 * 1024)  # 5 PATCHes

    assert attachment["size"] == len(data)
    assert _object(s3, bucket, uuid.UUID(attachment["id"]).hex) == data
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == [uuid.UUID(attachment["id"]).hex]
    # Staged on local disk while unfinished; nothing of it stays there once it is in the bucket.
    assert list((server.data_dir / "uploads").glob("*.part")) == []
    assert not (server.data_dir / "attachments").exists()


def test_an_unfinished_upload_stays_on_local_disk_until_its_last_byte(
    server: ServerHandle, s3: Any, bucket: str
) -> None:
    ann = server.signed_in("ann@acme.example")
    case = ann.new_case()
    data = os.urandom(100_000)
    created = ann.start_upload(
        case["id"], len(data), "half.bin", sha256=hashlib.sha256(data).hexdigest()
    )
    location = created.headers["Location"]
    assert ann.patch_upload(location, 0, data[:60_000]).status_code == 204

    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    staged = list((server.data_dir / "uploads").glob("*.part"))
    assert [path.stat().st_size for path in staged] == [60_000]

    assert ann.upload_offset(location) == 60_000  # resumed where the server has it
    assert ann.patch_upload(location, 60_000, data[60_000:]).status_code == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert list((server.data_dir / "uploads").glob("*.part")) == []


def test_downloads_send_the_whole_file_or_exactly_the_range_asked_for(
    server: ServerHandle,
) -> None:
    ann = server.signed_in("ann@acme.example")
    case = ann.new_case()
    data = os.urandom(700_000)  # several of the store's read pieces
    attachment = ann.upload(case["id"], data, "capture.bin")
    content = f"/attachments/{attachment['id']}/content"

    whole = ann.get(content)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Content-Length"] == str(len(data))

    for header, start, end in [
        ("bytes=0-99", 0, 100),  # the start
        ("bytes=300000-300009", 300_000, 300_010),  # the middle
        ("bytes=-10", len(data) - 10, len(data)),  # a suffix
        (f"bytes={len(data) - 5}-", len(data) - 5, len(data)),  # from an offset to the end
        ("bytes=262100-262200", 262_100, 262_201),  # across one read piece into the next
    ]:
        part = ann.get(content, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.headers["Content-Range"] == f"bytes {start}-{end - 1}/{len(data)}", header
        assert part.content == data[start:end], header

    past = ann.get(content, headers={"Range": f"bytes={len(data)}-"})
    assert past.status_code == 416


def test_a_file_of_several_megabytes_goes_up_in_parts(
    server: ServerHandle, s3: Any, bucket: str
) -> None:
    ann = server.signed_in("ann@acme.example")
    case = ann.new_case()
    data = os.urandom(9 * MIB + 123)  # past the 8 MiB multipart threshold: two parts
    attachment = ann.upload(case["id"], data, "screen.webm", chunk_size=4 * MIB)
    key = uuid.UUID(attachment["id"]).hex

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")  # S3's mark of an object made of two parts
    downloaded = ann.get(f"/attachments/{attachment['id']}/content")
    assert hashlib.sha256(downloaded.content).digest() == hashlib.sha256(data).digest()
    boundary = 8 * MIB
    across = ann.get(
        f"/attachments/{attachment['id']}/content",
        headers={"Range": f"bytes={boundary - 10}-{boundary + 9}"},
    )
    assert across.status_code == 206 and across.content == data[boundary - 10 : boundary + 10]


# --- The store itself -----------------------------------------------------------------------


def test_s3_storage_reads_ranges_in_pieces(
    endpoint: str, s3: Any, bucket: str, tmp_path: Path
) -> None:
    store = S3Storage.open(parse_s3_option(_option(bucket, endpoint, "files/2024")))
    data = os.urandom(READ_PIECE * 2 + 1000)
    source = tmp_path / "finished.part"
    source.write_bytes(data)
    key = uuid.uuid4().hex

    store.put(key, source)

    assert not source.exists()  # taken in, as LocalStorage moves it
    assert _object(s3, bucket, f"files/2024/{key}") == data  # under the prefix
    assert store.size(key) == len(data)
    pieces = list(store.read(key))
    assert b"".join(pieces) == data and len(pieces) > 1
    assert max(len(piece) for piece in pieces) <= READ_PIECE
    assert b"".join(store.read(key, 0, 10)) == data[:10]
    assert b"".join(store.read(key, 5, 6)) == data[5:6]
    assert (
        b"".join(store.read(key, READ_PIECE - 3, READ_PIECE + 3))
        == data[READ_PIECE - 3 : READ_PIECE + 3]
    )
    assert b"".join(store.read(key, len(data) - 7)) == data[-7:]
    assert list(store.read(key, 10, 10)) == []

    store.delete(key)
    with pytest.raises(ClientError):
        store.size(key)


def test_a_missing_bucket_is_refused_at_start_with_a_clear_message(endpoint: str) -> None:
    with pytest.raises(StorageError) as refused:
        storage_from_option(_option("no-such-bucket", endpoint), Path("unused"))
    message = str(refused.value)
    assert "'no-such-bucket'" in message and endpoint in message and "does not exist" in message


def test_an_unreachable_endpoint_is_refused_at_start_with_a_clear_message(
    aws_environment: None,
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(StorageError) as refused:
        storage_from_option(_option("attachments", nowhere), Path("unused"))
    message = str(refused.value)
    assert nowhere in message and "cannot be reached" in message


def test_no_storage_option_or_a_folder_means_local_disk(tmp_path: Path) -> None:
    default = storage_from_option(None, tmp_path)
    assert isinstance(default, LocalStorage) and default.root == tmp_path / "attachments"
    folder = storage_from_option(str(tmp_path / "elsewhere"), tmp_path)
    assert isinstance(folder, LocalStorage) and folder.root == tmp_path / "elsewhere"


def test_the_storage_option_is_parsed_with_its_settings() -> None:
    assert parse_s3_option("s3://files.example/case-desk/?endpoint=https://minio.local:9000/") == (
        S3Location(
            bucket="files.example",
            prefix="case-desk",
            endpoint="https://minio.local:9000",
            addressing="path",  # what S3-compatible stores on their own host want
        )
    )
    on_aws = parse_s3_option("s3://my-bucket?region=eu-west-1")
    assert (on_aws.endpoint, on_aws.region, on_aws.addressing) == (None, "eu-west-1", "auto")


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("gs://bucket", "is not an s3:// address"),
        ("s3://", "names no bucket"),
        ("s3://?endpoint=http://127.0.0.1:9000", "names no bucket"),
        ("s3://Bad_Bucket", "is not a bucket name"),
        ("s3://key:secret@bucket", "credentials do not belong"),
        ("s3://bucket?endpoint=http://key:secret@127.0.0.1:9000", "credentials do not belong"),
        ("s3://bucket?endpoint=ftp://127.0.0.1", "endpoint must be an http:// or https://"),
        ("s3://bucket?secret_key=x", "unknown storage setting 'secret_key'"),
        ("s3://bucket?addressing=sideways", "addressing must be one of"),
        ("", "give a folder or an s3://"),
    ],
)
def test_a_bad_storage_option_is_a_usage_error(
    option: str, said: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--data-dir", str(tmp_path), "--storage", option])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--storage" in err and said in err
    if "credentials" in said:
        assert "key:secret" not in err  # never echoed back


def test_serve_stops_at_start_when_the_bucket_is_missing(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["serve", "--data-dir", str(tmp_path), "--port", "0"]
        + ["--storage", _option("not-made-yet", endpoint)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "error: The bucket 'not-made-yet' at " + endpoint + " does not exist" in err


def test_serve_with_s3_storage_keeps_uploads_in_the_bucket(
    endpoint: str, s3: Any, bucket: str, tmp_path: Path
) -> None:
    """The whole path a vendor takes: `serve --storage s3://...` as its own process."""
    data_dir = tmp_path / "data"
    assert (
        main(
            ["create-user", "--data-dir", str(data_dir), "--email", "kim@acme.example"]
            + ["--password", TEST_PASSWORD, "--role", "customer", "--account", "Acme"]
        )
        == 0
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "casedesktop.server", "serve", "--port", "0"]
        + ["--data-dir", str(data_dir), "--log-level", "info"]
        + ["--storage", _option(bucket, endpoint, "casedesktop")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("CaseDesktop server listening on"), line + (
            process.stderr.read() if process.poll() is not None and process.stderr else ""
        )
        base_url = line.rsplit(" ", 1)[1].strip()
        signed_in = ApiCaller(base_url).post(
            "/auth/login", json={"email": "kim@acme.example", "password": TEST_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        kim = ApiCaller(base_url, signed_in.json()["token"])
        case = kim.new_case()
        data = os.urandom(50_000)
        attachment = kim.upload(case["id"], data, "notes.txt", chunk_size=20_000)
        key = f"casedesktop/{uuid.UUID(attachment['id']).hex}"
        assert _object(s3, bucket, key) == data
        tail = kim.get(f"/attachments/{attachment['id']}/content", headers={"Range": "bytes=-100"})
        assert tail.status_code == 206 and tail.content == data[-100:]
        kim.http.close()  # no idle connection for the server to wait for when it stops
    finally:
        process.terminate()
        try:
            _out, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate(timeout=5)
        print(err)  # the server's log, shown when the test fails
    assert "Traceback" not in err
    assert f"Attachments are kept in the bucket {bucket!r} at {endpoint}" in err
    assert SECRET not in err  # the credentials never reach the log
