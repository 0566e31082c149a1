"""THIRD_PARTY_NOTICES.txt: every Python distribution in the bundle with its licence texts, read
from the installed distributions' own metadata, and the native libraries their wheels carry."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT_DISTRIBUTION = "casedesktop"
BUNDLED_EXTRAS = {"server"}  # the bundle carries the server for the demo
# Left out of the bundle by the spec (packaging/bundle_contents.py).
NOT_BUNDLED = {"psycopg", "psycopg-binary", "psycopg-pool", "watchfiles", "websockets"}

NATIVE_LIBRARIES = """\
Native libraries inside the bundled wheels
==========================================

Qt 6 (through PySide6 and shiboken6) -- LGPL-3.0-only (text below). Qt's libraries are shipped
as separate shared libraries in the bundle and may be replaced by the user. Source:
https://download.qt.io/official_releases/qt/

FFmpeg (libavcodec, libavformat, libavutil, libswscale, libswresample, inside PyAV) --
LGPL-2.1-or-later (text below). The PyAV wheel's FFmpeg is built with GPL parts
(libx264; libx265, which the Linux bundle replaces with a stand-in because it never encodes HEVC),
which makes it GPL-2.0-or-later (text below); CaseDesktop as a whole is
distributed under GPL-3.0-or-later (LICENSE). Sources: https://ffmpeg.org/download.html,
https://code.videolan.org/videolan/x264, https://bitbucket.org/multicoreware/x265_git, and the
PyAV build scripts at https://github.com/PyAV-Org/pyav-ffmpeg

libvpx (BSD-3-Clause), SVT-AV1 (BSD-3-Clause-Clear), libopus, libmp3lame, libvorbis and other
codec libraries inside the PyAV wheel: each under its own permissive or LGPL licence, listed by
the PyAV project. OpenBLAS inside NumPy: BSD-3-Clause. The Python interpreter: PSF-2.0.

Complete corresponding source code of every GPL and LGPL component is available from the
addresses above; on request the CaseDesktop team provides it for three years from distribution.
"""

# Artwork CaseDesktop ships in casedesktop/resources (only the pieces the app uses): name, licence,
# where it comes from, the licence text in packaging/licenses, and what it is used for.
ARTWORK = (
    ("Tabler Icons 3.52.0", "MIT", "https://tabler.io/icons (npm package @tabler/icons)", "Tabler-Icons-MIT.txt",
     "the interface icons in casedesktop/resources/icons (casedesktop/ui/icons.py)"),
)


def artwork_section(licence_dir: Path) -> str:
    """The artwork's notice and each licence text in full."""
    parts = ["Artwork\n=======\n\n"]
    parts += [f"{name} -- {licence}: {use}. Source: {source}\n" for name, licence, source, _text, use in ARTWORK]
    for name, licence, _source, text, _use in ARTWORK:
        parts.append(f"\n--- {name} ({licence}) ---\n\n{(licence_dir / text).read_text(encoding='utf-8').rstrip()}\n")
    return "".join(parts)


def bundled_distributions() -> list[metadata.Distribution]:
    """The closure of casedesktop's runtime requirements (with the bundled extras), by name."""
    seen: dict[str, metadata.Distribution] = {}
    visited: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[str, frozenset[str]]] = [(ROOT_DISTRIBUTION, frozenset(BUNDLED_EXTRAS))]
    environment = default_environment()
    while queue:
        name, extras = queue.pop()
        key = canonicalize_name(name)
        if key in NOT_BUNDLED or (key, extras) in visited:
            continue
        visited.add((key, extras))
        try:
            seen[key] = dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # an optional dependency for another platform
            continue
        for line in dist.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({**environment, "extra": e}) for e in extras or {""}):
                queue.append((requirement.name, frozenset(requirement.extras)))
    seen.pop(canonicalize_name(ROOT_DISTRIBUTION), None)
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def licence_name(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 100:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or (text.splitlines()[0] if text else "see the licence text below")


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """(file name, text) of the licence files the distribution ships."""
    declared = set(dist.metadata.get_all("License-File") or [])
    pattern = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)
    texts = []
    for file in dist.files or []:
        path = str(file)
        if ".dist-info/" not in path or not (pattern.search(path) or Path(path).name in declared):
            continue
        if "__pycache__" in path or path.endswith((".pyc", ".pyo")):  # compiled copies, not texts
            continue
        try:
            texts.append((path.split(".dist-info/", 1)[1], Path(file.locate()).read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return texts


def write_notices(target: Path, licence_dir: Path) -> Path:
    parts = [
        "CaseDesktop third-party notices\n===============================\n\n"
        "CaseDesktop is free software under GPL-3.0-or-later (see LICENSE). This bundle contains\n"
        "the following software by others, each under its own licence.\n\n",
    ]
    dists = bundled_distributions()
    parts.append("".join(f"- {d.metadata['Name']} {d.version}: {licence_name(d)}\n" for d in dists) + "\n")
    parts.append(NATIVE_LIBRARIES + "\n")
    parts.append(artwork_section(licence_dir) + "\n")
    for dist in dists:
        header = f"{dist.metadata['Name']} {dist.version} -- {licence_name(dist)}"
        home = dist.metadata.get("Home-page") or next(
            (u.split(",", 1)[1].strip() for u in dist.metadata.get_all("Project-URL") or []), "")
        parts.append(f"\n{'=' * 78}\n{header}\n{home}\n{'=' * 78}\n")
        texts = licence_texts(dist)
        if not texts:
            parts.append(f"(No licence file in the distribution; its metadata says: {licence_name(dist)})\n")
        for name, text in texts:
            parts.append(f"\n--- {name} ---\n\n{text.rstrip()}\n")
    for name in ("LGPL-3.0", "LGPL-2.1", "GPL-2.0"):
        parts.append(f"\n{'=' * 78}\n{name} (Qt, FFmpeg, x264/x265)\n{'=' * 78}\n\n")
        parts.append((licence_dir / f"{name}.txt").read_text(encoding="utf-8"))
    target.write_text("".join(parts), encoding="utf-8")
    return target
