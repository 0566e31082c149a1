"""What the bundle leaves out: Qt parts and libraries the client never loads.

PyInstaller's Qt hooks collect every plugin of a module's kind, and some plugins pull in whole Qt
modules (the virtual keyboard plugin brings Qt Quick and QML, the PDF image plugin Qt PDF). The
spec filters its collected files through `keep`; tests/bundle checks the result still starts.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from pathlib import PurePath

DROPPED = (
    # Plugins that drag in Qt modules the client does not use.
    "*/plugins/platforminputcontexts/libqtvirtualkeyboardplugin*",
    "*/plugins/imageformats/*qpdf*",
    "*/plugins/platforms/*qwebgl*",
    "*/plugins/platforms/*qvnc*",
    "*/plugins/platforms/*qlinuxfb*",
    "*/plugins/platforms/*qeglfs*",
    "*/plugins/platforms/*qminimalegl*",
    "*/plugins/egldeviceintegrations/*",
    "*/plugins/wayland-graphics-integration-server/*",
    "*/plugins/qmltooling/*",
    "*/plugins/designer/*",
    "*/plugins/sqldrivers/*",
    "*/plugins/printsupport/*",
    "*/plugins/tls/*",
    "*/plugins/networkinformation/*",
    "*/plugins/generic/*",
    "*/plugins/position/*",
    "*/plugins/multimedia/*",
    # GTK's theme plugin would load the system's GTK beside the bundle's older GLib and Cairo;
    # the XDG desktop portal theme gives native file dialogs without them.
    "*/plugins/platformthemes/*qgtk3*",
    "*/plugins/platforms/*qvkkhrdisplay*",
    "*Qt6VirtualKeyboard*",
    "*Qt6Pdf*",
    "*Qt6Quick*",
    "*Qt6Qml*",
    "*Qt6EglFS*",
    "*Qt6Designer*",
    "*Qt6ShaderTools*",
    # Qt's own translations: the widgets' strings (qtbase_*) of the languages the app ships.
    "*/translations/qt_*.qm",
    "*/translations/qt_help*",
    "*/translations/qtwebengine*",
    "*/translations/designer*",
    "*/translations/linguist*",
    "*/translations/assistant*",
    "*/translations/qtdeclarative*",
    "*/translations/qtmultimedia*",
    "*/translations/qtconnectivity*",
    "*/translations/qtlocation*",
    "*/translations/qtserialport*",
    "*/translations/qtwebsockets*",
    # Linux: libraries of the desktop itself, taken from the system like AppImage's exclude list
    # does (fontconfig must read the system's own configuration; X, xcb, D-Bus and xkbcommon match
    # the running display and session bus). The .deb declares them; every X11 desktop has them.
    "libX11*.so*",
    "libX[a-z]*.so.*",
    "libxcb*.so*",
    "libxkbcommon*.so*",
    "libfontconfig.so*",
    "libfreetype.so*",
    "libdbus-1.so*",
    # The PostgreSQL driver: the bundled server is the demo's, on SQLite.
    "psycopg*",
    "*libpq*",
)


QT_LANGUAGES = ("de", "fr", "es")  # the languages the app's own catalogs (casedesktop/locale) aim at


def keep(destination: str) -> bool:
    """Whether a file at `destination` (relative to the bundle) goes into the bundle."""
    path = PurePath(destination)
    if path.parent.name == "translations" and path.name.startswith("qtbase_"):
        return path.stem.removeprefix("qtbase_").split("_")[0] in QT_LANGUAGES
    if path.parent.name == "locale-data" and path.parent.parent.name == "babel":
        # Babel's CLDR data (35 MB for 1,100 locales): the dates and numbers of those languages
        # and English, with "root", the parent every locale's data falls back to.
        return path.stem == "root" or path.stem.split("_")[0] in ("en", *QT_LANGUAGES)
    posix = "/" + path.as_posix()
    return not any(fnmatch.fnmatch(posix, pattern) or fnmatch.fnmatch(posix[1:], pattern) for pattern in DROPPED)


Entry = tuple[str, str, str]  # PyInstaller's TOC entry: destination, source, type


def select(binaries: Iterable[Entry], needs: Callable[[str], Iterable[str]]) -> list[Entry]:
    """The entries to keep: those `keep` accepts, minus the libraries only dropped files needed.

    `needs(source)` gives the file names a binary loads (transitively). Every kept file is a root,
    so a library the app loads by name at run time (ctypes) stays unless only dropped files named it.
    """
    binaries = list(binaries)
    kept = [entry for entry in binaries if keep(entry[0])]
    needed_by_dropped = {name for entry in binaries if not keep(entry[0]) for name in needs(entry[1])}
    candidates = {entry[0] for entry in kept if PurePath(entry[0]).name in needed_by_dropped}
    needed_by_roots = {name for entry in kept if entry[0] not in candidates for name in needs(entry[1])}
    return [entry for entry in kept if entry[0] not in candidates or PurePath(entry[0]).name in needed_by_roots]


# PyAV's FFmpeg links libx265 (20 MB) for HEVC, an encoder CaseDesktop never opens (it records
# H.264, VP9 or AV1). On Linux the bundle carries a stand-in with the one symbol libavcodec
# imports, so the GPL'd x265 and its size stay out; asking FFmpeg for libx265 is not possible
# from the app (the codec choices exclude it).
X265_STUB_SOURCE = """
/* Stand-in for libx265: CaseDesktop never encodes HEVC. */
const void *x265_api_get_%(build)s(int bit_depth) { (void)bit_depth; return 0; }
"""


def replace_x265(binaries: list[Entry], out_dir: str) -> list[Entry]:
    """Linux: swap PyAV's libx265 for a stand-in built with the system's C compiler."""
    import re
    import subprocess
    from pathlib import Path

    result = []
    for destination, source, kind in binaries:
        name = PurePath(destination).name
        match = re.match(r"libx265(-[0-9a-f]+)?\.so\.(\d+)$", name)
        if match is None:
            result.append((destination, source, kind))
            continue
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "x265_stub.c").write_text(X265_STUB_SOURCE % {"build": match.group(2)}, encoding="ascii")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-s", f"-Wl,-soname,{name}", "-o", str(folder / name),
                        str(folder / "x265_stub.c")], check=True)
        result.append((destination, str(folder / name), kind))
    return result
