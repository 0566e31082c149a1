"""The .deb: the bundle under /opt/casedesktop, `casedesktop` on PATH, desktop integration.

Built with dpkg-deb from a staged tree, so no Debian source package or debhelper is needed. The
bundle is self-contained except for the libraries Qt's xcb platform loads from the system, which
`Depends` declares (the same list `./dev` installs for the tests).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
from pathlib import Path

from casedesktop import APP_ID, __version__

PACKAGE = "casedesktop"
MAINTAINER = "CaseDesktop team <packaging@casedesktop.org>"
# glibc 2.35 is the floor of a bundle built on Ubuntu 22.04 (the release workflow's Linux leg).
DEPENDS = (
    "libc6 (>= 2.35), libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0, libx11-6, "
    "libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, "
    "libxcb-render-util0, libxcb-render0, libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-xfixes0, "
    "libxcb-xinerama0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libxext6, libxfixes3, libxrandr2, "
    "libxrender1"
)
RECOMMENDS = "gnome-keyring | kwalletmanager"
DESCRIPTION = """\
Description: desktop client for customer support cases
 Open support cases with a software vendor, follow them, talk with the
 vendor's support staff, attach files and record the screen to show a
 problem as it happens. Works offline: everything is kept in a local cache
 and sent to the vendor's server when the network is back.
"""
# A self-contained third-party bundle breaks Debian archive policy on purpose; each override says why.
LINTIAN_OVERRIDES = """\
# A self-contained application bundle from the vendor, installed where third-party software goes.
dir-or-file-in-opt *
# The bundle carries its own Python, Qt and FFmpeg, built as their wheels ship them and tested together.
embedded-library *
custom-library-search-path *
shared-library-lacks-prerequisites *
library-not-linked-against-libc *
binary-has-unneeded-section *
unstripped-binary-or-object *
hardening-no-fortify-functions *
hardening-no-pie *
spelling-error-in-binary *
# The wheels' own licence files and metadata, kept beside the code they describe.
extra-license-file *
package-contains-documentation-outside-usr-share-doc *
# `casedesktop --help` documents every verb.
no-manual-page *
"""
CHANGELOG = f"""\
casedesktop ({__version__}) unstable; urgency=medium

  * Release {__version__}.

 -- {MAINTAINER}  Sat, 05 Dec 2026 00:00:00 +0000
"""
COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: CaseDesktop
Source: https://casedesktop.org

Files: *
Copyright: 2026 The CaseDesktop team
License: GPL-3+
 On Debian systems, the complete text of the GNU General Public License
 version 3 can be found in "/usr/share/common-licenses/GPL-3". The licences
 of the bundled third-party software are in
 /opt/casedesktop/_internal/THIRD_PARTY_NOTICES.txt.
"""


def _gzip(text: str, target: Path) -> None:
    target.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def build_deb(bundle: Path, icons: Path, resources: Path, dist: Path, staging: Path) -> Path:
    """Stage the tree in `staging` and build dist/casedesktop_VERSION_ARCH.deb."""
    if staging.exists():
        shutil.rmtree(staging)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
    shutil.copytree(bundle, staging / "opt" / PACKAGE, symlinks=True)
    usr = staging / "usr"
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / PACKAGE).symlink_to(f"/opt/{PACKAGE}/{PACKAGE}")
    share = usr / "share"
    for folder in (icons / "hicolor").iterdir():
        target = share / "icons" / "hicolor" / folder.name / "apps"
        target.mkdir(parents=True)
        shutil.copy2(folder / "apps" / f"{APP_ID}.png", target)
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(resources / f"{APP_ID}.svg", scalable)
    (share / "applications").mkdir()
    shutil.copy2(resources / f"{APP_ID}.desktop", share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy2(resources / f"{APP_ID}.metainfo.xml", share / "metainfo")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    _gzip(CHANGELOG, doc / "changelog.gz")
    overrides = share / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    (overrides / PACKAGE).write_text(LINTIAN_OVERRIDES, encoding="utf-8")
    program = staging / "opt" / PACKAGE / PACKAGE
    for path in staging.rglob("*"):  # 0755 folders and the program, 0644 the rest (libraries too)
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or path == program else 0o644)
    (staging / "DEBIAN").mkdir()
    sums = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file() and not p.is_symlink() and "DEBIAN" not in p.parts):
        sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {path.relative_to(staging).as_posix()}\n")
    (staging / "DEBIAN" / "md5sums").write_text("".join(sums), encoding="utf-8")
    installed_kb = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
    control = staging / "DEBIAN"
    (control / "control").write_text(
        f"Package: {PACKAGE}\nVersion: {__version__}\nArchitecture: {arch}\nMaintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kb}\nDepends: {DEPENDS}\nRecommends: {RECOMMENDS}\nSection: utils\n"
        f"Priority: optional\nHomepage: https://casedesktop.org\n{DESCRIPTION}",
        encoding="utf-8",
    )
    deb = dist / f"{PACKAGE}_{__version__}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(staging), str(deb)],
                   check=True, stdout=subprocess.DEVNULL)
    return deb
