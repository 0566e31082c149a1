"""The words the domain gives the client and the CLI: the attachment limits in the one size format,
and severities that say what they are for."""

from __future__ import annotations

from casedesktop.domain import (
    MAX_ATTACHMENT_BYTES,
    MAX_TOTAL_ATTACHMENT_BYTES,
    Severity,
    validate_attachments,
)


def test_an_over_size_file_is_refused_with_the_limit_as_everywhere_else() -> None:
    [error] = validate_attachments([("memory.dmp", 45 * 2**20)])
    assert error.field == "attachments"
    assert error.message == "memory.dmp is 45 MB; files can be at most 40 MB. Compress it or share a smaller part."


def test_a_file_just_over_the_limit_says_by_how_much() -> None:
    """40 MB and one byte reads "40 MB" like the limit: "40 MB; at most 40 MB" would be nonsense."""
    [error] = validate_attachments([("trace.har", MAX_ATTACHMENT_BYTES + 1)])
    assert error.message == ("trace.har is 1 byte over the limit of 40 MB for a file. "
                             "Compress it or share a smaller part.")
    [error] = validate_attachments([("trace.har", MAX_ATTACHMENT_BYTES + 3000)])
    assert "is 2.9 KB over the limit of 40 MB" in error.message
    assert validate_attachments([("trace.har", MAX_ATTACHMENT_BYTES)]) == []


def test_the_total_limit_is_written_the_same_way() -> None:
    files = [(f"part{i}.bin", 30 * 2**20) for i in range(7)]
    [error] = validate_attachments(files)
    assert error.message.startswith("Together the files are 210 MB; at most 200 MB can be attached at once")
    assert MAX_TOTAL_ATTACHMENT_BYTES == 200 * 2**20


def test_each_severity_says_what_it_is_for() -> None:
    assert Severity.CRITICAL.label_with_meaning == "Critical — production down, no workaround"
    choices = [s.label_with_meaning for s in Severity]
    assert all(s.label in text and s.meaning in text for s, text in zip(Severity, choices, strict=True))
    assert len({s.meaning for s in Severity}) == len(Severity)  # no two read alike
