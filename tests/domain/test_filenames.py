"""File names from other machines, cleaned by one rule; programs recognised by their extension."""

from __future__ import annotations

import pytest

from casedesktop.domain import is_program, safe_filename
from casedesktop.domain.filenames import MAX_NAME_BYTES


@pytest.mark.parametrize(("given", "kept"), [
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # the right-to-left override that hid ".exe"
    ("zero\u200bwidth\u2060.png", "zerowidth.png"),
    ("CON.txt", "_CON.txt"),
    ("lpt1", "_lpt1"),
    ("COM¹.txt", "_COM¹.txt"),
    ("file.exe. .", "file.exe"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\report.pdf", "report.pdf"),
    ('what?<now>|"x".txt', "what__now___x_.txt"),
    ("  spaced   out  .log", "spaced out .log"),
    ("tab\there\nnewline.txt", "tab here newline.txt"),
    ("", "file"),
    ("...", "file"),
    ("report.pdf", "report.pdf"),
    ("Résumé.docx", "Résumé.docx"),
])
def test_names_are_cleaned(given: str, kept: str) -> None:
    assert safe_filename(given) == kept


def test_long_names_keep_their_extension_within_the_limit() -> None:
    name = safe_filename("ä" * 300 + ".png")
    assert name.endswith(".png") and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe_filename(safe_filename("x" * 500)) == safe_filename("x" * 500)  # stable


@pytest.mark.parametrize(("name", "program"), [
    ("setup.exe", True), ("invoice\u202egpj.exe", True), ("run.SH", True), ("tool.ps1", True),
    ("report.pdf", False), ("photo.jpg", False), ("noextension", False), ("archive.tar.gz", False),
    ("file.exe. .", True),
])
def test_programs_are_recognised(name: str, program: bool) -> None:
    assert is_program(name) is program
