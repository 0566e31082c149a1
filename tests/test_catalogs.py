"""The committed catalogs: every language's .po translates the whole template, keeps what the code
fills in ({placeholders}, the one `&` of a mnemonic), and the template holds exactly the strings the
code marks. A string added or changed without `./dev strings` fails here, and so does a language
left behind by it; then `casedesktop` run in that language shows the translation, from the window's
commands to the CLI's lines and the domain's labels, with the language's own dates and numbers.

The languages are the folders of casedesktop/locale that hold a casedesktop.po; each is compiled
here from its .po (the .mo files are build outputs, not in git)."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_datetime as cldr_datetime
from babel.dates import format_time as cldr_time
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from casedesktop import cli, i18n
from casedesktop.domain import Role, Status, status_phrase
from testkit.pseudo_locale import KEYWORDS, PACKAGE, PLACEHOLDER, ROOT, extract

LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "casedesktop.pot"
LANGUAGES = sorted(po.parent.parent.name for po in LOCALE.glob("*/LC_MESSAGES/casedesktop.po"))
# A mnemonic: `&` before the letter it underlines ("&Retry"); "Privacy & Security" holds none.
MNEMONIC = re.compile(r"&(?=[^\s&])")
RUN_STRINGS = "run `./dev strings` to extract the marked strings into the template and merge it into every .po"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "casedesktop.po"


def forms(text: str | tuple | list) -> list[str]:
    return list(text) if isinstance(text, tuple | list) else [text]


def names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def where(message: Message) -> str:
    places = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
    context = f" (context {message.context!r})" if message.context else ""
    return f"{forms(message.id)[0]!r}{context}" + (f" [{places}]" if places else "")


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_catalog(TEMPLATE)


@pytest.fixture(scope="module")
def localedir(tmp_path_factory) -> Path:
    """Every language's .po compiled, as `./dev setup` compiles them."""
    directory = tmp_path_factory.mktemp("locale")
    for language in LANGUAGES:
        target = directory / language / "LC_MESSAGES" / "casedesktop.mo"
        target.parent.mkdir(parents=True)
        with target.open("wb") as out:
            write_mo(out, read_catalog(po_path(language), language))
    return directory


@pytest.fixture
def english():
    """Whatever a test installs, the next one starts in English (the source strings)."""
    i18n.install("C")
    yield
    i18n.install("C")


# --- the catalogs ------------------------------------------------------------------------------


def test_there_is_a_language_besides_english() -> None:
    assert LANGUAGES, f"no catalog: {LOCALE}/<language>/LC_MESSAGES/casedesktop.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_template_is_translated(language: str, template: Catalog) -> None:
    catalog = read_catalog(po_path(language), language)
    assert catalog.locale is not None and str(catalog.locale) == language, "the header's Language"
    plurals = catalog.num_plurals  # from the header's Plural-Forms
    missing, fuzzy, wrong_forms = [], [], []
    for source in template:
        if not source.id:
            continue
        translated = catalog.get(forms(source.id)[0], source.context)
        if translated is None or not all(forms(translated.string or "")):
            missing.append(where(source))
            continue
        if translated.fuzzy:
            fuzzy.append(where(source))
        if source.pluralizable and (not translated.pluralizable or len(forms(translated.string)) != plurals):
            wrong_forms.append(f"{where(source)}: {len(forms(translated.string))} forms, Plural-Forms says {plurals}")
    assert not missing, f"{language}: untranslated strings ({len(missing)}); {RUN_STRINGS}, then translate " \
                        "them:\n" + "\n".join(missing)
    assert not fuzzy, f"{language}: fuzzy translations (check each, then remove the flag):\n" + "\n".join(fuzzy)
    assert not wrong_forms, f"{language}: plural forms:\n" + "\n".join(wrong_forms)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_mnemonics(language: str) -> None:
    catalog = read_catalog(po_path(language), language)
    form_for = gettext.c2py(catalog.plural_expr)
    # The form for one alone may say "a" instead of {count}; not one that also serves 21 or 101.
    one_only = {form_for(1)} - {form_for(n) for n in range(2, 1001)}
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        sources, translations = forms(message.id), forms(message.string)
        for index, text in enumerate(translations):
            source = sources[-1] if message.pluralizable else sources[0]
            expected = names(source)
            if message.pluralizable and index in one_only and "count" not in names(sources[0]):
                allowed = (expected, expected - {"count"})  # "Something went wrong." for one
            else:
                allowed = (expected,)
            if names(text) not in allowed:
                wrong.append(f"{where(message)}: {text!r} has {sorted(names(text))}, the source {sorted(expected)}")
            mnemonics = len(MNEMONIC.findall(text))
            if mnemonics != len(MNEMONIC.findall(source)) or mnemonics > 1 or "&&" in text:
                wrong.append(f"{where(message)}: {text!r} must have a mnemonic (`&` before a letter) where "
                             "the source has one, and one at most; never `&&`")
    assert not wrong, f"{language}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_left_over_as_obsolete(language: str) -> None:
    """`#~` entries are strings the code no longer has: their translations only mislead."""
    catalog = read_catalog(po_path(language), language)
    obsolete = [where(message) for message in catalog.obsolete.values()]
    assert not obsolete, f"{language}: delete these obsolete (#~) entries:\n" + "\n".join(obsolete)


# --- the template ------------------------------------------------------------------------------


def test_the_extraction_here_is_the_one_dev_strings_runs() -> None:
    """The next test's extraction stands for `./dev strings`: the same keywords."""
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert "--no-default-keywords" in dev
    assert parse_keywords(re.findall(r"--keyword=(\S+)", dev)) == KEYWORDS


def test_the_template_holds_exactly_the_strings_the_code_marks(template: Catalog) -> None:
    def ids(catalog: Catalog) -> set[tuple[str | None, tuple[str, ...]]]:
        return {(message.context, tuple(forms(message.id))) for message in catalog if message.id}

    def shown(id_: tuple[str | None, tuple[str, ...]]) -> str:
        context, texts = id_
        return " | ".join(map(repr, texts)) + (f" (context {context!r})" if context else "")

    in_code, in_template = ids(extract()), ids(template)
    new = sorted(map(shown, in_code - in_template))
    gone = sorted(map(shown, in_template - in_code))
    assert not new and not gone, (
        f"casedesktop/locale/casedesktop.pot is out of date: {RUN_STRINGS}.\n"
        f"Marked in the code, not in the template ({len(new)}):\n" + "\n".join(new)
        + f"\nIn the template, no longer in the code ({len(gone)}):\n" + "\n".join(gone))


# --- each language installed -------------------------------------------------------------------


def translation(language: str, message: str, context: str | None = None) -> str:
    found = read_catalog(po_path(language), language).get(message, context)
    assert found is not None and found.string, f"{language} has no translation of {message!r}"
    return found.string


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_window_commands_come_out_translated(language: str, english, localedir, qtbot) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMainWindow, QMenu

    from casedesktop.ui.mainwindow.actions import create_actions

    def texts() -> list[str]:
        window = QMainWindow()
        qtbot.addWidget(window)
        create_actions(window)
        return ([action.text() for action in window.findChildren(QAction) if action.text()]
                + [menu.title() for menu in window.findChildren(QMenu)])

    source = texts()
    assert i18n.install(language, localedir) == language
    shown = texts()
    assert len(shown) == len(source) > 5
    assert shown == [translation(language, text) for text in source]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cli_speaks_the_language_of_the_environment(language: str, english, localedir, monkeypatch, capsys,
                                                        profile_dir) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", localedir)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGUAGE", f"{language}:en")
    assert cli.main(["--profile", str(profile_dir), "cases", "list"]) == 0
    assert capsys.readouterr().out.strip() == translation(language, "No cases in this profile yet.")
    assert i18n.language() == language
    assert cli.main(["--profile", str(profile_dir), "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(translation(language, "Not signed in")) and "Not signed in" not in out, out


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_domain_labels_come_out_translated(language: str, english, localedir) -> None:
    """Status labels are made when read, so a table built at import time follows the language."""
    source = {status: status.label for status in Status}
    i18n.install(language, localedir)
    assert {status: status.label for status in Status} == {
        status: translation(language, label) for status, label in source.items()}
    assert Status.PENDING_CUSTOMER.label_for(Role.CUSTOMER) == translation(language, "Waiting on you")
    assert status_phrase(Status.CLOSED) == translation(language, "closed", "the case is …")


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_sizes_and_numbers_follow_the_language(language: str, english, localedir) -> None:
    moment = datetime(2026, 3, 4, 17, 6, tzinfo=UTC)
    builtin = (i18n.format_datetime(moment), i18n.format_time(moment), i18n.format_number(1234.5, 1))
    assert builtin == (moment.astimezone().strftime("%Y-%m-%d %H:%M"), moment.astimezone().strftime("%H:%M"),
                       "1,234.5")
    i18n.install(language, localedir)
    locale = Locale.parse(language)
    shown = (i18n.format_datetime(moment), i18n.format_time(moment), i18n.format_number(1234.5, 1))
    assert shown == (cldr_datetime(moment.astimezone(), "short", locale=locale),
                     cldr_time(moment.astimezone(), "short", locale=locale),
                     format_decimal(1234.5, "#,##0.0", locale=locale))
    assert shown[0] != builtin[0]
    assert i18n.format_datetime(None) == "—"
    # A size keeps its unit's words from the catalog and writes its number as the language does.
    assert i18n.format_size(1536) == i18n._("{size} KB").format(size=format_decimal(1.5, "0.0", locale=locale))
