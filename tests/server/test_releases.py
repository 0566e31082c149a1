"""`casedesktop-server set-release` and GET /client-release: what the vendor publishes, every
signed-in user may read; bad input is refused with a clear message and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from casedesktop.api.releases import check_version, is_newer
from casedesktop.domain import Role
from casedesktop.server.cli import main
from casedesktop.server.testing import ServerHandle, running_server

LINUX_SHA = "AB" * 32
MAC_SHA = "0f" * 32


def _set_release(server: ServerHandle, *args: str) -> int:
    where = ["--database-url", server.database_url, "--data-dir", str(server.data_dir)]
    return main(["set-release", *args, *where])


def test_nothing_published_is_404_and_signing_in_is_required(world: ServerHandle) -> None:
    answer = world.signed_in("ann@acme.example").get("/client-release")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found" and "No client release" in answer.json()["message"]
    anonymous = world.anonymous().get("/client-release")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"


def test_a_published_release_is_read_by_customers_agents_and_admins(
    world: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    world.add_user("ada@vendor.example", Role.ADMIN)
    code = _set_release(
        world,
        "--version",
        "v2.01.0",
        "--url-linux",
        "https://dl.example.com/CaseDesktop-2.1.0.AppImage",
        "--sha256-linux",
        LINUX_SHA,
        "--url-macos",
        "https://dl.example.com/CaseDesktop-2.1.0.dmg",
        "--sha256-macos",
        MAC_SHA,
    )
    assert code == 0
    assert "Published CaseDesktop 2.1.0 for linux, macos" in capsys.readouterr().out

    answers = [
        world.signed_in(email).get("/client-release")
        for email in ("ann@acme.example", "sam@vendor.example", "ada@vendor.example")
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    body = answers[0].json()
    assert body["version"] == "2.1.0"  # the normal PEP 440 form
    assert datetime.fromisoformat(body["published_at"]).tzinfo is not None
    assert body["downloads"] == {  # only the systems that were set; digests in lowercase
        "linux": {"url": "https://dl.example.com/CaseDesktop-2.1.0.AppImage", "sha256": "ab" * 32},
        "macos": {"url": "https://dl.example.com/CaseDesktop-2.1.0.dmg", "sha256": MAC_SHA},
    }
    assert answers[1].json() == answers[2].json() == body

    # Publishing again replaces what clients are told (a pulled release, a fixed link).
    assert (
        _set_release(world, "--version", "2.0.9", "--url-windows", "http://dl.example.com/s.msi")
        == 0
    )
    again = world.signed_in("ann@acme.example").get("/client-release").json()
    assert again["version"] == "2.0.9"
    assert again["downloads"] == {"windows": {"url": "http://dl.example.com/s.msi", "sha256": None}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.2"], "give at least one of --url-linux, --url-windows, --url-macos"),
        (["--url-linux", "https://x.example/a"], "the following arguments are required: --version"),
        (
            ["--version", "banana", "--url-linux", "https://x.example/a"],
            "'banana' is not a version",
        ),
        (["--version", "1.0+dev", "--url-linux", "https://x.example/a"], "is a local build"),
        (["--version", "1.2", "--url-linux", "ftp://x.example/a"], "is not an http:// or https://"),
        (["--version", "1.2", "--url-macos", "https:///a.dmg"], "names no host"),
        (["--version", "1.2", "--url-macos", "https://x.example/a b"], "contains spaces"),
        (
            ["--version", "1.2", "--url-linux", "https://x/a", "--sha256-linux", "abc"],
            "not a sha256",
        ),
        (
            ["--version", "1.2", "--url-linux", "https://x/a", "--sha256-linux", "g" * 64],
            "not a sha256",
        ),
        (
            ["--version", "1.2", "--url-linux", "https://x/a", "--sha256-windows", "a" * 64],
            "--sha256-windows needs --url-windows",
        ),
    ],
)
def test_set_release_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["set-release", *args, "--data-dir", str(tmp_path)])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "set-release" in err
    assert not (tmp_path / "server.db").exists()  # refused before the database was touched


def test_set_release_as_a_process_exits_2_on_bad_input_and_0_when_published(
    tmp_path: Path,
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "casedesktop.server", "set-release", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    bad = run("--version", "1.2", "--url-linux", "file:///etc/passwd", "--data-dir", str(tmp_path))
    assert bad.returncode == 2 and "not an http:// or https:// URL" in bad.stderr
    good = run(
        "--version", "1.2", "--url-windows", "https://x.example/a.msi", "--data-dir", str(tmp_path)
    )
    assert good.returncode == 0, good.stderr
    with running_server(tmp_path) as server:
        server.add_user("ann@acme.example", Role.CUSTOMER, "Acme")
        body = server.signed_in("ann@acme.example").get("/client-release").json()
        assert body["version"] == "1.2" and list(body["downloads"]) == ["windows"]


def test_versions_compare_as_pep_440() -> None:
    assert is_newer("1.10.0", "1.9.3") and not is_newer("1.9.3", "1.10.0")
    assert is_newer("2.0", "2.0rc1") and not is_newer("2.0rc1", "2.0")
    assert not is_newer("1.0", "1.0.0")  # equal, however written
    assert not is_newer("not-a-version", "0.1.0") and not is_newer("9.0", "garbage")
    assert check_version(" V1.02 ") == "1.2"
