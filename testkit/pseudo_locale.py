"""A pseudo-translation of every string the client marks, made at test time from the sources.

Each msgstr is its msgid with the letters accented and the whole wrapped in ⟦…⟧, keeping what a
real translation must keep: `{placeholders}`, `%` conversions (`%s`, `%p%`), `&` mnemonics and
surrounding white space. Installed, every text that went through `_` shows its brackets, and one
that did not stands out as plain English (tests/test_i18n.py, tests/gui/test_pseudo_locale.py).
Babel is imported where it is used (this package's modules load only the standard library).
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "casedesktop"
PSEUDO = "en_XA"  # the conventional name of an accented pseudo-locale
OPEN, CLOSE = "⟦", "⟧"
# The same keywords as `./dev strings` gives pybabel extract.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}

_ACCENTED = str.maketrans("aeiouyAEIOUYcnCN", "áéíóúýÁÉÍÓÚÝçñÇÑ")
# What must come through a translation unchanged: placeholders, % conversions, a mnemonic's letter.
KEPT = re.compile(r"\{[^{}]*\}|%\([A-Za-z_]+\)[sd]|%p%|%[sd%]|&.")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def extract() -> Catalog:
    """Every marked string of the client, extracted as `./dev strings` does (babel.cfg)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    method_map = []
    config = configparser.RawConfigParser()
    config.read(ROOT / "babel.cfg", encoding="utf-8")
    for section in config.sections():
        method, pattern = (part.strip() for part in section.split(":", 1))
        method_map.append((pattern, method))
    catalog = Catalog(project="CaseDesktop", locale="en")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def pseudo(text: str) -> str:
    """`text` accented and bracketed, its placeholders, conversions and mnemonics intact."""
    stripped = text.strip()
    if not stripped:
        return text
    start = text.index(stripped[0])
    pieces, last = [], 0
    for match in KEPT.finditer(stripped):
        pieces.append(stripped[last:match.start()].translate(_ACCENTED))
        pieces.append(match.group())
        last = match.end()
    pieces.append(stripped[last:].translate(_ACCENTED))
    return f"{text[:start]}{OPEN}{''.join(pieces)}{CLOSE}{text[start + len(stripped):]}"


def compile_pseudo(localedir: Path, catalog: Catalog | None = None) -> Path:
    """The pseudo catalog compiled to `localedir`/en_XA/LC_MESSAGES/casedesktop.mo; `localedir`."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    source = catalog or extract()
    translated = Catalog(project="CaseDesktop", locale="en")
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            string = tuple(pseudo(form) for form in message.id)
        else:
            string = pseudo(message.id)
        translated.add(message.id, string, context=message.context)
    target = localedir / PSEUDO / "LC_MESSAGES" / "casedesktop.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        write_mo(out, translated)
    return localedir


def leftover(text: str) -> str:
    """`text` without its pseudo-translated parts (nested brackets too): what escaped `_`."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    return text
