"""Translatable strings: the catalog machinery, the template's hygiene, and the CLI in a pseudo
language (every message it prints must come through the catalog)."""

from __future__ import annotations

import ast
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casedesktop import cli, i18n
from casedesktop.domain import Role, Status
from casedesktop.store import queries
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity, save_identity
from testkit.pseudo_locale import (
    CLOSE,
    OPEN,
    PACKAGE,
    PLACEHOLDER,
    PSEUDO,
    compile_pseudo,
    extract,
    leftover,
    pseudo,
)


@pytest.fixture(scope="module")
def catalog():
    return extract()


@pytest.fixture(scope="module")
def localedir(tmp_path_factory, catalog) -> Path:
    return compile_pseudo(tmp_path_factory.mktemp("locale"), catalog)


@pytest.fixture
def english():
    """Whatever a test installs, the next one starts in English (the source strings)."""
    i18n.install("C")
    yield
    i18n.install("C")


def _ids(message) -> list[str]:  # noqa: ANN001 - a babel Message
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


# --- the machinery -----------------------------------------------------------------------------


def test_without_a_catalog_everything_stays_english(english) -> None:
    assert i18n.language() is None
    assert i18n._("Open") == "Open" and i18n.N_("Open") == "Open"
    assert i18n.ngettext("{count} file", "{count} files", 2) == "{count} files"
    moment = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    assert i18n.format_datetime(moment) == moment.astimezone().strftime("%Y-%m-%d %H:%M")
    assert i18n.format_time(moment) == moment.astimezone().strftime("%H:%M")
    assert i18n.format_datetime(None) == "—" and i18n.format_datetime(None, empty="-") == "-"
    assert i18n.format_number(1234567) == "1,234,567" and i18n.format_number(1234.56, 1, grouping=False) == "1234.6"
    assert i18n.format_size(5 * 1024 * 1024) == "5.0 MB"


def test_the_language_comes_from_the_environment_as_gettext_looks_it_up(english, localedir, monkeypatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", f"{PSEUDO}.UTF-8")
    assert i18n.install(localedir=localedir) == PSEUDO
    assert i18n._("Open") == pseudo("Open") == "⟦Ópéñ⟧"
    monkeypatch.setenv("LANGUAGE", f"xx:{PSEUDO}")  # LANGUAGE first; a language without a catalog is skipped
    assert i18n.install(localedir=localedir) == PSEUDO
    monkeypatch.setenv("LANGUAGE", f"en_GB:{PSEUDO}")  # English asked for first: the source strings
    assert i18n.install(localedir=localedir) is None and i18n._("Open") == "Open"
    monkeypatch.setenv("LANGUAGE", "C")
    assert i18n.install(localedir=localedir) is None
    assert i18n.install(PSEUDO, localedir) == PSEUDO  # an explicit language wins over the environment
    assert i18n.install("de_DE.UTF-8", localedir) is None  # no German catalog yet: English


def test_a_language_formats_dates_and_numbers_its_own_way(english, localedir) -> None:
    i18n.install(PSEUDO, localedir)  # Babel knows no en_XA: its language, English, as CLDR writes it
    moment = datetime(2026, 3, 4, 17, 6, tzinfo=UTC)
    assert i18n.format_datetime(moment) != moment.astimezone().strftime("%Y-%m-%d %H:%M")
    assert i18n.format_number(1234.5, 1) == "1,234.5"
    assert i18n.format_size(5 * 1024 * 1024) == pseudo("{size} MB").format(size="5.0")
    assert i18n.format_size(1) == pseudo("{count} byte").format(count="1")


@pytest.mark.parametrize(("n_bytes", "text"), [
    (0, "0 bytes"),
    (1, "1 byte"),
    (1023, "1,023 bytes"),
    (1024, "1.0 KB"),
    (65_044, "64 KB"),  # 63.5 KB: no decimal from 10 up
    (1_048_575, "1.0 MB"),  # rounds to 1,024 KB: the next unit
    (1_048_576, "1.0 MB"),
    (40 * 2**20, "40 MB"),  # the attachment limit, as every text says it
    (41_943_041, "40 MB"),
    (int(9.96 * 2**20), "10 MB"),  # rounds to 10: written as 10, not 10.0
    (5 * 2**30, "5.0 GB"),
])
def test_one_way_to_write_a_size(english, n_bytes: int, text: str) -> None:
    assert i18n.format_size(n_bytes) == text


def test_a_size_is_written_with_the_language_s_numbers(english, localedir, tmp_path) -> None:
    import shutil

    shutil.copytree(localedir / PSEUDO, tmp_path / "de")  # any catalog will do: the numbers are Babel's
    assert i18n.install("de", tmp_path) == "de"
    assert i18n.format_size(1023) == pseudo("{count} bytes").format(count="1.023")
    assert i18n.format_size(int(1.25 * 2**20)) == pseudo("{size} MB").format(size="1,2")


def test_the_server_gets_english_whatever_the_client_installed(english, localedir) -> None:
    """The domain's texts are made when asked for: nothing is translated at import time."""
    i18n.install(PSEUDO, localedir)
    assert Status.OPEN.label == pseudo("Open")
    i18n.install("C")
    assert Status.OPEN.label == "Open" and Status.PENDING_CUSTOMER.label_for(Role.CUSTOMER) == "Waiting on you"


# --- the template ------------------------------------------------------------------------------


def test_the_template_holds_the_client_strings_only(catalog) -> None:
    ids = {message_id for message in catalog if message.id for message_id in _ids(message)}
    assert len(ids) > 400
    assert {"Waiting on customer", "Escalate", "Create case", "Sign in"} <= ids
    assert not any("server/" in filename for message in catalog for filename, _line in message.locations)


def test_placeholders_are_named_and_survive_the_translation(catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        forms = _ids(message)
        names = [sorted(PLACEHOLDER.findall(form)) for form in forms]
        for form, found in zip(forms, names, strict=True):
            assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", name) for name in found), f"unnamed placeholder in {form!r}"
            assert sorted(PLACEHOLDER.findall(pseudo(form))) == found
            assert form.count("&") == pseudo(form).count("&")
        # The singular may leave the count out ("Something went wrong."), nothing else.
        assert all(set(found) - set(names[-1]) == set() for found in names), f"forms differ: {forms!r}"
        assert set(names[-1]) - set(names[0]) <= {"count"}, f"forms differ: {forms!r}"


def test_no_sentence_is_glued_from_pieces(catalog) -> None:
    """A piece that starts or ends with a space, or with the glue of a sentence, was cut out of a
    longer text; whole sentences with placeholders translate, pieces do not."""
    for message in catalog:
        if not message.id or message.context == "between items of a list":
            continue
        for form in _ids(message):
            assert form == form.strip(" "), f"leading or trailing space: {form!r}"
            assert not form.startswith(("and ", ", ", ". ")), f"a sentence's tail: {form!r}"
            assert not form.endswith((" and", " or", " the", " a", ",")), f"a sentence's head: {form!r}"


def _literal_calls_in_fstrings(tree: ast.AST) -> list[int]:
    names = {"_", "ngettext", "pgettext", "N_"}
    return [node.lineno for fstring in ast.walk(tree) if isinstance(fstring, ast.JoinedStr)
            for node in ast.walk(fstring) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in names and node.args and isinstance(node.args[0], ast.Constant)]


def test_no_marked_literal_hides_inside_an_fstring() -> None:
    """Before Python 3.12 an f-string is one token: `f"{_('Open')}"` is never extracted."""
    hidden = {}
    for path in PACKAGE.rglob("*.py"):
        if "server" in path.relative_to(PACKAGE).parts:
            continue
        lines = _literal_calls_in_fstrings(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            hidden[str(path.relative_to(PACKAGE))] = lines
    assert not hidden


# --- the CLI in the pseudo language ------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def untranslated(text: str, data: tuple[str, ...] = ()) -> list[str]:
    """The words of `text` outside the pseudo brackets that are not data the test put in."""
    rest = leftover(text)
    for value in sorted(data, key=len, reverse=True):
        rest = rest.replace(value, " ")
    return re.findall(r"[A-Za-z]{2,}", rest)


@pytest.fixture
def pseudo_cli(english, localedir, monkeypatch):
    """The CLI installs its language from the environment, as a user's shell gives it."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", localedir)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGUAGE", PSEUDO)


def test_cli_messages_come_out_in_the_pseudo_language(pseudo_cli, capsys, profile_dir) -> None:
    profile = ["--profile", str(profile_dir)]
    code, out, err = run_cli(capsys, *profile, "status")
    assert code == 0 and OPEN in out and untranslated(out) == [], out

    code, out, err = run_cli(capsys, *profile, "cases", "list")
    assert out.startswith(OPEN) and untranslated(out) == [], out

    # An error: no such case. The program's name is all that stays as it is.
    code, out, err = run_cli(capsys, *profile, "cases", "show", "CS-4242")
    assert code == 2 and err.startswith("casedesktop: " + OPEN), err
    assert untranslated(err, ("casedesktop", "CS", "cases list")) == [], err

    # Signed in (no server needed): a case saved offline, then listed and shown.
    db = open_cache(profile_dir)
    with db.transaction() as session:
        save_identity(session, Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@example.com", "Dana",
                                        Role.CUSTOMER))
    db.close()
    subject, description = "Payroll stops", "Steps 1 2 3"
    code, out, err = run_cli(capsys, *profile, "cases", "new", "--subject", subject, "--description", description)
    assert code == 0 and untranslated(out, ("casedesktop sync",)) == [], out
    case_id = re.search(r"[0-9a-f-]{36}", out).group()

    db = open_cache(profile_dir)
    case = queries.case_detail(db, case_id).case
    db.close()
    when = (i18n.format_datetime(case.created_at), i18n.format_datetime(case.updated_at))  # as the pseudo locale writes them

    code, out, err = run_cli(capsys, *profile, "cases", "list")
    data = (subject, "standard", *when)  # the severity column shows the value `--severity` takes
    assert code == 0 and untranslated(out, data) == [], out

    code, out, err = run_cli(capsys, *profile, "cases", "show", case_id[:8])
    data = (subject, description, "Dana", "customer", "waiting", *when)  # the role's and sync state's names
    assert code == 0 and untranslated(out, data) == [], out

    code, out, err = run_cli(capsys, *profile, "cases", "reply", case_id[:8], "--text", "")
    assert code == 2 and untranslated(err, ("casedesktop",)) == [], err
    code, out, err = run_cli(capsys, *profile, "cases", "action", case_id[:8], "pick-up")
    assert code == 2 and untranslated(err, ("casedesktop",)) == [], err

    code, out, err = run_cli(capsys, *profile, "outbox")
    assert code == 0 and untranslated(out, ("casedesktop outbox",)) == [], out
    code, out, err = run_cli(capsys, *profile, "status")
    assert code == 0 and untranslated(out, ("dana@example.com", "http", "127.0.0.1")) == [], out
    assert CLOSE in out
