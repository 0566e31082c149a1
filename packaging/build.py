"""`./dev package`: build CaseDesktop for the OS this runs on, into dist/.

Steps: render the icon from its SVG (PNG sizes, .ico, .icns, with Qt's own SVG renderer), write
LICENSE and the third-party notices, run PyInstaller (packaging/casedesktop.spec), then the
OS's own artifacts: a .tar.gz and a .deb on Linux, an Inno Setup installer and a .zip on Windows,
a DMG of the .app on macOS. Ends with dist/SHA256SUMS over the artifacts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from icons import render_icons  # noqa: E402
from notices import write_notices  # noqa: E402

from casedesktop import APP_ID, APP_NAME, __version__  # noqa: E402

DIST = ROOT / "dist"
BUILD = ROOT / "build"
GENERATED = BUILD / "generated"
RESOURCES = ROOT / "casedesktop" / "resources"
BUNDLE = DIST / "casedesktop"


def log(message: str) -> None:
    print(f"[package] {message}", flush=True)


def run(*command: str | Path, **kwargs) -> None:  # noqa: ANN003
    subprocess.run([str(part) for part in command], check=True, **kwargs)


def compile_catalogs(locale_dir: Path = ROOT / "casedesktop" / "locale") -> list[Path]:
    """Each language's .po compiled to the .mo beside it (build outputs, not in git), as
    `./dev strings` does: the bundle and the wheel ship the compiled catalogs."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/casedesktop.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as out:
            write_mo(out, catalog)
        compiled.append(mo)
    return compiled


def generate() -> None:
    """Everything the spec reads: icons, LICENSE, notices, the Windows version resource, and the
    compiled translations."""
    log(f"compiled {len(compile_catalogs())} translation catalogs")
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    (GENERATED / "icons").mkdir(parents=True)
    render_icons(RESOURCES / f"{APP_ID}.svg", GENERATED / "icons", APP_ID)
    shutil.copyfile(ROOT / "LICENSE", GENERATED / "LICENSE")
    write_notices(GENERATED / "THIRD_PARTY_NOTICES.txt", HERE / "licenses")
    (GENERATED / "version_info.txt").write_text(windows_version_info(), encoding="utf-8")


def windows_version_info() -> str:
    """The file version resource Windows shows in Properties → Details (PyInstaller's format)."""
    numbers = tuple(int(part) for part in (__version__.split(".") + ["0"] * 4)[:4])
    strings = {
        "CompanyName": APP_NAME, "FileDescription": f"{APP_NAME} support cases", "FileVersion": __version__,
        "InternalName": "casedesktop", "LegalCopyright": "GPL-3.0-or-later", "OriginalFilename": "casedesktop.exe",
        "ProductName": APP_NAME, "ProductVersion": __version__,
    }
    items = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
{items}
    ])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def pyinstaller() -> None:
    for old in (BUNDLE, DIST / f"{APP_NAME}.app"):
        if old.exists():
            shutil.rmtree(old)
    run(sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", DIST,
        "--workpath", BUILD / "pyinstaller", HERE / "casedesktop.spec")


def strip_binaries(bundle: Path) -> None:
    """Linux: drop symbol tables PyInstaller's own strip would, except in wheels' `*.libs` folders.

    auditwheel renames those libraries with patchelf, and strip then breaks them ("ELF load command
    address/offset not page-aligned"); they come stripped anyway. The rest (the interpreter, its
    extension modules, some wheels' modules) carry ~70 MB of symbols.
    """
    strip = shutil.which("strip")
    if strip is None:
        log("strip not found: the bundle keeps its symbols")
        return
    candidates = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()
                  and not any(part.endswith(".libs") for part in p.relative_to(bundle).parts)
                  and p.open("rb").read(4) == b"\x7fELF"]
    for chunk in range(0, len(candidates), 200):
        run(strip, "--strip-unneeded", *candidates[chunk:chunk + 200])


def machine() -> str:
    return {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64", "aarch64": "aarch64"}.get(
        platform.machine().lower(), platform.machine().lower())


def linux_artifacts() -> list[Path]:
    from debian_package import build_deb

    tarball = DIST / f"casedesktop-{__version__}-linux-{machine()}.tar.gz"
    log(f"writing {tarball.name}")
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(BUNDLE, arcname=f"casedesktop-{__version__}")
    log("writing the .deb")
    deb = build_deb(BUNDLE, GENERATED / "icons", RESOURCES, DIST, BUILD / "deb")
    return [tarball, deb]


def windows_artifacts() -> list[Path]:
    """The installer first (with CASEDESKTOP_SIGNTOOL set, iscc signs the executables in place and
    the installer), then the .zip of the same, possibly signed, folder."""
    artifacts = []
    iscc = shutil.which("iscc") or next(
        (str(p) for p in (Path(os.environ.get(v, "")) / f"Inno Setup {n}" / "ISCC.exe"
                          for v in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA") for n in (6, 7)) if p.is_file()),
        None)
    if iscc is None:
        log("Inno Setup (iscc) not found: no installer built; install it from https://jrsoftware.org/isinfo.php")
    else:
        name = f"CaseDesktop-{__version__}-windows-x64-setup"
        signing = os.environ.get("CASEDESKTOP_SIGNTOOL")
        sign = [f"/Scasedesktop={signing}", "/DSignTool=casedesktop"] if signing else []
        run(iscc, "/Q", f"/DAppVersion={__version__}", f"/DSourceDir={BUNDLE}", f"/DOutputDir={DIST}",
            f"/DOutputBaseFilename={name}", f"/DIconFile={GENERATED / 'icons' / (APP_ID + '.ico')}",
            f"/DLicenseFile={ROOT / 'LICENSE'}", *sign, HERE / "windows" / "casedesktop.iss")
        artifacts.append(DIST / f"{name}.exe")
    archive = shutil.make_archive(str(DIST / f"casedesktop-{__version__}-windows-x64"), "zip", DIST, "casedesktop")
    return [*artifacts, Path(archive)]


def macos_artifacts() -> list[Path]:
    app = DIST / f"{APP_NAME}.app"
    dmg = DIST / f"CaseDesktop-{__version__}-macos-{machine()}.dmg"
    dmg.unlink(missing_ok=True)
    staging = BUILD / "dmg"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    run("ditto", app, staging / app.name)
    (staging / "Applications").symlink_to("/Applications")
    run("hdiutil", "create", "-volname", APP_NAME, "-srcfolder", staging, "-ov", "-format", "UDZO", dmg)
    return [dmg]


def write_checksums(artifacts: list[Path]) -> Path:
    sums = DIST / "SHA256SUMS"
    lines = []
    for artifact in artifacts:
        digest = hashlib.sha256()
        with artifact.open("rb") as f:
            for block in iter(lambda f=f: f.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {artifact.name}\n")
    sums.write_text("".join(lines), encoding="utf-8", newline="\n")
    return sums


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle-only", action="store_true", help="stop after the one-folder bundle")
    args = parser.parse_args(argv)
    started = time.monotonic()
    log(f"CaseDesktop {__version__} for {sys.platform} ({machine()})")
    generate()
    log("running PyInstaller")
    pyinstaller()
    bundle = BUNDLE if sys.platform != "darwin" else DIST / f"{APP_NAME}.app"
    if sys.platform.startswith("linux"):
        strip_binaries(bundle)
    log(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB, {sum(1 for _ in bundle.rglob('*'))} files)")
    artifacts: list[Path] = []
    if not args.bundle_only:
        if sys.platform.startswith("linux"):
            artifacts = linux_artifacts()
        elif sys.platform == "win32":
            artifacts = windows_artifacts()
        elif sys.platform == "darwin":
            artifacts = macos_artifacts()
        sums = write_checksums(artifacts)
        for artifact in artifacts:
            log(f"{artifact.name}: {artifact.stat().st_size / 1e6:.1f} MB")
        log(f"checksums in {sums}")
    log(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
