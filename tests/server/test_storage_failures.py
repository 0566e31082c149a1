"""When the attachment storage fails: a folder that cannot hold files stops the start with a
message, and a stored copy that is missing or unreadable is a 503 before any header, never a 200
that ends after its headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from casedesktop.domain import Role
from casedesktop.server.cli import main
from casedesktop.server.s3storage import StorageError
from casedesktop.server.storage import storage_from_option
from casedesktop.server.testing import running_server


def test_a_folder_that_cannot_hold_files_is_refused_at_start(tmp_path: Path) -> None:
    a_file = tmp_path / "server.db"
    a_file.write_bytes(b"not a folder")
    with pytest.raises(StorageError, match="cannot hold attachments"):
        storage_from_option(str(a_file), tmp_path)
    with pytest.raises(StorageError, match="cannot hold attachments"):
        storage_from_option(str(a_file / "below"), tmp_path)
    made = storage_from_option(str(tmp_path / "new" / "folder"), tmp_path)
    assert (tmp_path / "new" / "folder").is_dir() and not list((tmp_path / "new" / "folder").iterdir())
    assert made.root == tmp_path / "new" / "folder"


def test_serve_says_why_the_folder_cannot_be_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "taken"
    a_file.write_bytes(b"")
    code = main(["serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--storage", str(a_file)])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot hold attachments" in err and str(a_file) in err


def test_a_missing_stored_copy_is_a_503_before_any_byte(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        ann = server.signed_in("ann@acme.example")
        case = ann.new_case()
        attachment = ann.upload(case["id"], b"x" * 5000, "log.txt")
        stored = [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]
        assert len(stored) == 1
        stored[0].unlink()  # the copy vanished (a failed disk, a bad restore)
        for headers in ({}, {"Range": "bytes=100-199"}):
            answer = ann.get(f"/attachments/{attachment['id']}/content", headers=headers)
            assert answer.status_code == 503, answer.status_code
            assert answer.headers["Retry-After"] == "30"
            assert answer.json()["message"].startswith("The file's stored copy cannot be read")
        assert ann.get("/health").status_code == 200
