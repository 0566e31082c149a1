"""Translatable strings and locale-aware numbers and dates: one gettext catalog for the client.

Marking, everywhere in the client (domain included; see docs/ARCHITECTURE.md, "Strings and
languages"):

- `_("Your case {number} reached support.").format(number=...)` where a text is made, at call
  time: a whole sentence with named placeholders, never a sentence glued from pieces;
- `ngettext("{count} file", "{count} files", n).format(count=...)` for anything counted;
- `N_("Waiting on customer")` in tables built at import time (labels of statuses, actions, tabs):
  it only marks the string for extraction, and the code that shows it calls `_` on it then.

Until `install` runs, every function here returns the English source and the formatting helpers
keep the app's built-in formats. Only the client's entry points call it (`cli.main`), so the
server, which shares `domain/` with the client, keeps answering in English whatever its
environment says.

This module is a leaf like `domain`: plain Python, nothing of the project, no Qt. It costs nothing
on the window's cold start (`gettext` is loaded there anyway); Babel (about 15 ms to import, more
to load a locale's data) loads only when a date or number is first formatted for a language that
has a catalog.
"""

from __future__ import annotations

import gettext as _gettext
import os
from datetime import datetime
from pathlib import Path

DOMAIN = "casedesktop"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"  # <lang>/LC_MESSAGES/casedesktop.mo
SOURCE_LANGUAGE = "en"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_locale: str | None = None  # the language of the catalog in use; None: the English source


def _(message: str) -> str:
    """`message` in the installed language (itself while none is installed)."""
    return _translations.gettext(message)


def N_(message: str) -> str:
    """Marks `message` for extraction only: for tables built at import time, translated with `_`
    where they are shown, once the language is known."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or one of the plural forms for `n`, as the installed language counts."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` translated in `context`: one English word that other languages tell apart."""
    return _translations.pgettext(context, message)


def language() -> str | None:
    """The language of the catalog in use (e.g. "de", "pt_BR"), None for the English source."""
    return _locale


def install(language: str | None = None, localedir: Path | None = None) -> str | None:
    """Choose the catalog for this process: `language` ("de", "de_AT.UTF-8"), else the first of
    LANGUAGE (a colon-separated list), LC_ALL, LC_MESSAGES and LANG that names a language with a
    compiled catalog, as gettext looks them up ("C" and "POSIX" end the search). English, the
    language of the source strings, needs no catalog. Returns the language in use (None: English).
    """
    global _translations, _locale
    directory = Path(localedir) if localedir is not None else LOCALE_DIR
    _translations, _locale = _gettext.NullTranslations(), None
    for wanted in [language] if language else _environment_languages():
        if wanted in ("C", "POSIX"):
            break
        found = _gettext.find(DOMAIN, str(directory), [wanted])
        if found is None:
            if _base(wanted) == SOURCE_LANGUAGE:
                break  # English was asked for: the source strings, not a later language
            continue
        with open(found, "rb") as catalog:
            _translations = _gettext.GNUTranslations(catalog)
        _locale = _base(wanted, keep_territory=True)
        break
    return _locale


def _environment_languages() -> list[str]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return [part for part in value.split(":") if part]
    return []


def _base(locale_name: str, keep_territory: bool = False) -> str:
    """"de_AT.UTF-8@euro" → "de" (or "de_AT" with `keep_territory`)."""
    name = locale_name.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    return name if keep_territory else name.split("_", 1)[0]


# --- formatting ----------------------------------------------------------------------------------
# With no catalog installed (English) these give exactly the formats the app always had, which
# scripts may parse; with one, the CLDR formats of that language, through Babel.

_babel_locale: object = None  # babel.Locale, parsed once per installed language


def _babel():  # noqa: ANN202 - babel.Locale, or None when the language uses the built-in formats
    global _babel_locale
    if _locale is None:
        return None
    if _babel_locale is None or str(_babel_locale) not in (_locale, _base(_locale)):
        from babel import Locale, UnknownLocaleError

        for name in (_locale, _base(_locale), SOURCE_LANGUAGE):
            try:
                _babel_locale = Locale.parse(name)
                break
            except (ValueError, UnknownLocaleError):
                continue
    return _babel_locale


def format_datetime(value: datetime | None, empty: str = "—") -> str:
    """A moment in the user's local time, to the minute ("2026-12-05 04:06" in English); `empty`
    when there is none."""
    if value is None:
        return empty
    local = value.astimezone()
    locale = _babel()
    if locale is None:
        return local.strftime("%Y-%m-%d %H:%M")
    from babel.dates import format_datetime as babel_format

    return babel_format(local, "short", locale=locale)


def format_time(value: datetime | None, empty: str = "") -> str:
    """The local time of day, to the minute ("04:06" in English); `empty` when there is none."""
    if value is None:
        return empty
    local = value.astimezone()
    locale = _babel()
    if locale is None:
        return local.strftime("%H:%M")
    from babel.dates import format_time as babel_format

    return babel_format(local, "short", locale=locale)


def format_number(value: float, decimals: int = 0, grouping: bool = True) -> str:
    """`value` with `decimals` digits after the point, the thousands grouped unless `grouping` is
    False ("12,345" and "1.5" in English; "12.345" and "1,5" in German)."""
    locale = _babel()
    if locale is None:
        return f"{value:{',' if grouping else ''}.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale=locale)


# Binary multiples under the names Windows Explorer and most support portals give them: a 40 MiB
# limit reads "40 MB" wherever it is shown, and a file of that limit reads the same.
# Translators: sizes in kilobytes, megabytes, gigabytes and terabytes (of 1,024 each), as a file
# manager writes them.
_SIZE_UNITS = (N_("{size} KB"), N_("{size} MB"), N_("{size} GB"), N_("{size} TB"))


def format_size(n_bytes: int) -> str:
    """A size as every text of the app writes it: "512 bytes", "1.2 MB" (one decimal under 10),
    "42 MB" (none from 10 up), with 1 KB = 1,024 bytes and 1 MB = 1,048,576 bytes."""
    if abs(n_bytes) < 1024:
        return ngettext("{count} byte", "{count} bytes", n_bytes).format(count=format_number(n_bytes))
    unit, value = 0, n_bytes / 1024
    # The next unit as soon as the rounded number would reach 1,024 (1,048,575 bytes: "1.0 MB").
    while abs(round(value)) >= 1024 and unit < len(_SIZE_UNITS) - 1:
        unit, value = unit + 1, value / 1024
    decimals = 1 if abs(round(value, 1)) < 10 else 0
    return _(_SIZE_UNITS[unit]).format(size=format_number(value, decimals))
