"""A newer client release, as the client sees it: the version comparison, the download for this
system, announced once per version, a server without the route, and the worker asking after its
first good pass and then not again within a day."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from casedesktop.api.releases import ClientReleaseOut, ReleaseDownload
from casedesktop.server.base import utcnow
from casedesktop.server.services.releases import publish_release
from casedesktop.server.testing import ServerHandle
from casedesktop.store import meta
from casedesktop.store.database import open_cache
from casedesktop.sync.api_client import ApiClient, Rejected
from casedesktop.sync.release import check_for_release, first_announcement, newer_release
from casedesktop.sync.worker import SyncStatus, SyncWorker
from tests.sync.conftest import CUSTOMER_EMAIL
from tests.sync.helpers import make_device, wait_until

EVERYWHERE = {
    "linux": ("https://dl.example.com/cd.AppImage", None),
    "windows": ("https://dl.example.com/cd.msi", None),
    "macos": ("https://dl.example.com/cd.dmg", None),
}


def _release(version: str, **downloads: str) -> ClientReleaseOut:
    return ClientReleaseOut(
        version=version,
        published_at=datetime.now(UTC),
        downloads={name: ReleaseDownload(url=url) for name, url in downloads.items()},
    )


def _publish(world: ServerHandle, version: str, downloads=EVERYWHERE) -> None:  # noqa: ANN001
    world.sessions.run_write(lambda session: publish_release(session, version, downloads, utcnow()))


def test_only_a_newer_release_with_a_link_for_this_system_counts() -> None:
    both = _release("1.3.0", linux="https://dl.example.com/l", windows="https://dl.example.com/w")
    assert newer_release(both, "1.2.9", "linux") == ("1.3.0", "https://dl.example.com/l")
    assert newer_release(both, "1.2.9", "win32") == ("1.3.0", "https://dl.example.com/w")
    assert newer_release(both, "1.2.9", "darwin") is None  # nothing published for macOS
    assert newer_release(both, "1.3.0", "linux") is None  # the same version
    assert newer_release(both, "1.3", "linux") is None  # the same, written shorter
    assert newer_release(both, "1.10.0", "linux") is None  # older: 1.3 < 1.10
    assert newer_release(_release("1.3.0rc1", linux="https://x.example/l"), "1.3.0", "linux") is None
    assert newer_release(None, "1.0", "linux") is None
    # Whatever a server says, only an http(s) link is ever offered to open.
    for url in ("file:///usr/bin/xterm", "javascript:alert(1)", "smb://host/share/setup.exe"):
        assert newer_release(_release("9.0", linux=url), "1.0", "linux") is None


def test_each_new_version_is_announced_once(tmp_path: Path) -> None:
    db = open_cache(tmp_path / "profile")
    try:
        assert first_announcement(db, "1.3.0") is True
        assert first_announcement(db, "1.3.0") is False
        assert first_announcement(db, "1.3") is False  # the same version
        assert first_announcement(db, "1.2.5") is False  # older than one already announced
        assert first_announcement(db, "1.4.0rc1") is True
        with db.reading() as session:
            assert meta.get(session, meta.ANNOUNCED_RELEASE) == "1.4.0rc1"
    finally:
        db.close()


def test_the_client_reads_the_published_release_and_announces_it_once(
    world: ServerHandle, tmp_path: Path
) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    try:
        assert ann.client.client_release() is None  # nothing published: 404 is no error
        assert check_for_release(ann.db, ann.client, "0.1.0", "linux") is None
        _publish(world, "0.2.0", {"linux": ("https://dl.example.com/cd.AppImage", "ab" * 32)})
        published = ann.client.client_release()
        assert published is not None and published.downloads["linux"].sha256 == "ab" * 32
        first = check_for_release(ann.db, ann.client, "0.1.0", "linux")
        assert first is not None and first.announce is True
        assert (first.version, first.url) == ("0.2.0", "https://dl.example.com/cd.AppImage")
        assert first.message == "CaseDesktop 0.2.0 is available"
        again = check_for_release(ann.db, ann.client, "0.1.0", "linux")
        assert again is not None and again.announce is False  # still known, not announced again
        assert check_for_release(ann.db, ann.client, "0.2.0", "linux") is None  # up to date
        assert check_for_release(ann.db, ann.client, "0.1.0", "darwin") is None  # no macOS build
    finally:
        ann.close()


@contextmanager
def _answering(status: int, body: bytes = b"") -> Iterator[str]:
    """A loopback HTTP server that answers every request with `status`: an older server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("status", [404, 405])
def test_a_server_without_the_route_means_no_release(status: int) -> None:
    with _answering(status, b"<html>Not here</html>") as url:
        client = ApiClient(url, "token")
        client.session.trust_env = False
        try:
            assert client.client_release() is None
        finally:
            client.close()


def test_another_refusal_is_not_taken_for_no_release() -> None:
    with _answering(403, b'{"code": "forbidden", "message": "No."}') as url:
        client = ApiClient(url, "token")
        client.session.trust_env = False
        try:
            with pytest.raises(Rejected):
                client.client_release()
        finally:
            client.close()



def test_the_worker_asks_after_its_first_good_pass_then_not_again_within_a_day(
    world: ServerHandle, tmp_path: Path
) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    statuses: list[SyncStatus] = []
    worker = SyncWorker(
        ann.db, world.base_url, lambda: ann.client.token, ann.identity.user_id,
        statuses.append, lambda _changes: None, interval=30.0,
    )
    _publish(world, "99.0")
    worker.start()
    try:
        wait_until(lambda: worker.release_checks == 1 and statuses and not statuses[-1].syncing)
        notice = statuses[-1].release
        assert notice is not None and notice.version == "99.0" and notice.announce
        assert notice.url.startswith("https://dl.example.com/")

        _publish(world, "100.0")
        worker.sync_now()
        wait_until(lambda: worker.passes == 2 and not statuses[-1].syncing)
        assert worker.release_checks == 1 and statuses[-1].release == notice  # not asked again

        worker.release_every = 0  # a day later
        worker.sync_now()
        wait_until(lambda: worker.release_checks == 2 and not statuses[-1].syncing)
        assert statuses[-1].release is not None and statuses[-1].release.version == "100.0"
    finally:
        worker.stop()
        ann.close()
