"""Files attached offline reach the server byte for byte, and come back verified on another device."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.support import CUSTOMER, Cli, ServerProcess, Staff


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_three_files_attached_offline_arrive_identical(server_process: ServerProcess, customer_cli: Cli, tmp_path: Path) -> None:
    customer_cli.login(server_process.url, CUSTOMER)
    server_process.stop()
    files = [tmp_path / "screen recording.mp4", tmp_path / "Fehlerprotokoll ü.log", tmp_path / "empty.txt"]
    files[0].write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    files[1].write_text("ERROR 0x80 at payroll step 4\n" * 500, encoding="utf-8")
    files[2].write_bytes(b"")
    made = customer_cli.run("cases", "new", "--subject", "Payroll stops with three files", "--description", "See files",
                        *[arg for f in files for arg in ("--attach", str(f))])
    assert "with 3 files" in made.stdout
    expected = {f.name: sha(f) for f in files}
    for f in files:
        f.unlink()  # the originals may vanish: copies are in the profile's blob store
    assert customer_cli.json("status")["waiting"] == 4  # the case and three uploads

    server_process.start()
    customer_cli.run("sync")
    assert customer_cli.json("status")["waiting"] == 0
    staff = Staff(server_process.url)
    case = staff.case_by_subject("Payroll stops with three files")
    on_server = staff.session.get(f"{staff.url}/cases/{case['id']}/attachments").json()
    assert {a["filename"]: a["sha256"] for a in on_server} == expected
    for attachment in on_server:
        body = staff.session.get(f"{staff.url}/attachments/{attachment['id']}/content").content
        assert hashlib.sha256(body).hexdigest() == attachment["sha256"]

    laptop = Cli(tmp_path / "second-device")
    laptop.login(server_process.url, CUSTOMER)
    laptop.run("sync")
    out = tmp_path / "downloaded"
    laptop.run("cases", "download", case["number"], "--out", str(out))
    assert {p.name: sha(p) for p in out.iterdir()} == expected


def test_an_over_size_file_is_refused_by_the_cli_with_its_name(server_process: ServerProcess, customer_cli: Cli, tmp_path: Path) -> None:
    customer_cli.login(server_process.url, CUSTOMER)
    big = tmp_path / "core.dump"
    with open(big, "wb") as handle:
        handle.truncate(41 * 1024 * 1024)
    refused = customer_cli.run("cases", "new", "--subject", "Crash", "--description", "dump", "--attach", str(big), check=False)
    assert refused.returncode == 2
    assert "core.dump is 41 MB; files can be at most 40 MB" in refused.stderr
    assert customer_cli.json("cases", "list") == [] or all(c["subject"] != "Crash" for c in customer_cli.json("cases", "list"))
