"""File names as every desktop can store and show them, and which ones are programs.

A name comes from another person's machine: it may hide its real extension behind a right-to-left
override (`invoice\\u202egpj.exe` shows as "invoiceexe.jpg"), carry zero-width characters, name a
Windows device (`CON.txt`), end in dots or spaces that Windows drops, or contain separators. One
rule cleans them, for the server that stores them and the client that shows and saves them.
"""

from __future__ import annotations

import unicodedata

# Windows opens these as devices whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"])}
_FORBIDDEN = set('<>:"/\\|?*')
# Unicode categories never kept: format (bidi overrides, zero-width), control, surrogate, private
# use, unassigned.
_DROPPED_CATEGORIES = {"Cf", "Cc", "Cs", "Co", "Cn"}
MAX_NAME_BYTES = 200  # well under every file system's 255-byte limit, room for a " (2)"

# Opened directly, these would run code; mail clients refuse to open them too.
EXECUTABLE_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "msi", "msp", "mst", "scr", "pif", "cpl", "vbs", "vbe", "js", "jse",
    "wsf", "wsh", "ps1", "psm1", "psd1", "hta", "jar", "lnk", "url", "reg", "inf", "dll", "sys", "appx",
    "msix", "application", "gadget", "chm", "app", "command", "tool", "pkg", "mpkg", "dmg", "sh", "bash",
    "zsh", "csh", "run", "bin", "appimage", "desktop", "deb", "rpm", "apk", "py", "pyw", "pl", "rb",
    "so", "dylib", "elf", "out",
})


def safe_filename(name: str, fallback: str = "file") -> str:
    """`name` (its last path part) without hidden or unsafe characters, never a device name, never
    ending in a dot or space, at most MAX_NAME_BYTES long (the extension kept); `fallback` if empty."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(" " if ch.isspace() else "_" if ch in _FORBIDDEN else ch for ch in name
                   if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = " ".join(name.split()).rstrip(". ").lstrip()  # one space between words, none at the end
    if not name.strip("."):
        return fallback
    if name.split(".", 1)[0].rstrip().upper() in _RESERVED:
        name = f"_{name}"
    return _shortened(name)


def _shortened(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, extension = name, ""
    room = MAX_NAME_BYTES - len(extension.encode("utf-8")) - (1 if extension else 0)
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(". ")
    return f"{stem}.{extension}" if extension else stem


def is_program(name: str) -> bool:
    """Whether opening `name` would run it (by its extension, after cleaning)."""
    cleaned = safe_filename(name)
    return "." in cleaned and cleaned.rsplit(".", 1)[1].lower() in EXECUTABLE_EXTENSIONS
