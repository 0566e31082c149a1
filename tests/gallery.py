"""The screenshot gallery: the window and its dialogs in the states a customer meets, on a whole
virtual screen with a window manager, at each screen size, colour scheme and language asked for.

    python -m tests.gallery OUT [--sizes 1366x768,1920x1080] [--schemes light,dark] [--languages en,de]

(`./dev gallery` runs it for every combination.) Each combination runs in its own process on its
own Xvfb display (with openbox when installed, so title bars and off-screen parts show as a person
sees them) and saves OUT/<size>-<scheme>-<language>/<state>.png, full-screen grabs. The window is
sized and placed by its own first-start rules, as on a fresh install on that screen.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = {"sizes": "1366x768,1920x1080", "schemes": "light,dark", "languages": "en,de"}


# --- the parent: one display and one child per combination ---------------------------------------

def free_display() -> int:
    for number in range(140, 240):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :140 and :239")


def run_combination(out: Path, size: str, scheme: str, language: str, timeout: float = 240) -> Path:
    """One child on a fresh display of `size`; returns the folder of its screenshots."""
    folder = out / f"{size}-{scheme}-{language}"
    folder.mkdir(parents=True, exist_ok=True)
    display = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manager = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{display}").exists():
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise RuntimeError(f"Xvfb :{display} did not start")
            time.sleep(0.05)
        env = {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb",
               "LANGUAGE": language, "LC_ALL": "C.UTF-8"}
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("CASEDESKTOP_COLOR_SCHEME", None)  # the scheme as a user picks it, in Settings
        if shutil.which("openbox"):
            manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3)
        done = subprocess.run([sys.executable, "-m", "tests.gallery", "--child", str(folder), "--schemes", scheme], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{folder.name} failed:\n{done.stdout}\n{done.stderr}")
        return folder
    finally:
        for process in (manager, xvfb):
            if process is not None:
                process.terminate()
                process.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.gallery", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name, default in DEFAULTS.items():
        parser.add_argument(f"--{name}", default=default)
    args = parser.parse_args(argv)
    if args.child:
        return shoot(args.out, args.schemes)
    for size in args.sizes.split(","):
        for scheme in args.schemes.split(","):
            for language in args.languages.split(","):
                folder = run_combination(args.out, size, scheme, language)
                print(f"{folder}: {len(list(folder.glob('*.png')))} screenshots")
    return 0


# --- the child: the app's own start-up, sample data, then each state -----------------------------

T0 = datetime.now(UTC) - timedelta(days=1)
DANA = ("dana@northwind.example", "Dana Whitfield")


def shoot(folder: Path, scheme: str) -> int:
    from casedesktop.i18n import install

    install()  # the language of LANGUAGE, as the app's entry point does
    from PySide6.QtCore import QSettings

    from casedesktop.ui import preferences
    from casedesktop.ui.main import application

    profile_dir = Path(tempfile.mkdtemp(prefix="casedesktop-gallery-"))
    settings = QSettings(str(profile_dir / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue(preferences.THEME_KEY, scheme)
    app = application(settings)
    try:
        for name, grab in states(profile_dir, settings):
            app.processEvents()
            grab(folder / f"{name}.png")
    finally:
        shutil.rmtree(profile_dir, ignore_errors=True)
    return 0


def states(profile_dir: Path, settings) -> Iterator[tuple[str, Callable[[Path], None]]]:  # noqa: ANN001, C901
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QWidget

    from casedesktop.domain import Action, Role
    from casedesktop.store.database import open_cache
    from casedesktop.store.meta import Identity
    from casedesktop.ui.mainwindow.window import MainWindow
    from casedesktop.ui.session import ProfileSession
    from casedesktop.ui.tasks import settle

    db = open_cache(profile_dir)
    me = Identity("https://support.example.com", str(uuid.uuid4()), *DANA, Role.CUSTOMER)
    cases = seed(db, me)
    window = MainWindow(ProfileSession.offline(db, me))
    window.show()

    def wait(ms: int = 300) -> None:
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)
        settle()
        QApplication.processEvents()

    def screen(path: Path) -> None:
        wait()
        whole = QGuiApplication.primaryScreen().geometry()
        for top in QApplication.topLevelWidgets():
            if top.isVisible() and top.isWindow() and not whole.contains(top.frameGeometry()):
                raise AssertionError(f"{path.stem}: {type(top).__name__} {top.windowTitle()!r} at "
                                     f"{top.frameGeometry().getRect()} is partly off the {whole.size().toTuple()} screen")
        assert QGuiApplication.primaryScreen().grabWindow(0).save(str(path)), path

    def with_dialog(make: Callable[[], QWidget], prepare: Callable[[QWidget], None] | None = None):  # noqa: ANN202
        def grab(path: Path) -> None:
            dialog = make()
            dialog.show()
            wait(200)
            if prepare:
                prepare(dialog)
            screen(path)
            dialog.close()
            dialog.deleteLater()
        return grab

    wait(600)
    window.select_case(cases["open"])
    window.detail.tabs.setCurrentIndex(1)
    yield "conversation", screen
    window.detail.tabs.setCurrentIndex(0)
    yield "details", screen
    window.select_case(cases["resolved"])
    window.detail.tabs.setCurrentIndex(1)
    yield "resolved-accept-reject", screen
    window.select_case(cases["close-requested"])
    yield "close-requested", screen
    window.detail.tabs.setCurrentIndex(2)
    yield "no-attachments", screen
    window.select_case(cases["unsent"])
    window.detail.tabs.setCurrentIndex(1)
    yield "not-sent-yet", screen
    window.filters.search.setText("xyzzy")
    wait(700)
    yield "no-match", screen
    window.filters.search.clear()
    wait(700)

    from casedesktop.ui.dialogs.new_case import NewCaseDialog

    def errors(dialog: QWidget) -> None:
        dialog.create_button.click()

    yield "new-case-errors", with_dialog(lambda: NewCaseDialog(window.session, parent=window), errors)
    from casedesktop.ui.dialogs.reason import ReasonDialog

    yield "request-close", with_dialog(lambda: ReasonDialog(Action.REQUEST_CLOSE, required=False, parent=window))
    from casedesktop.ui.dialogs.settings import SettingsDialog

    yield "settings", with_dialog(lambda: SettingsDialog(None, window, settings=settings, profile_dir=profile_dir))
    from casedesktop.ui.dialogs.sign_in import SignInDialog

    yield "sign-in", with_dialog(lambda: SignInDialog(db, None, "https://support.example.com", DANA[0]))
    window.showNormal()
    window.resize(window.minimumSize())
    window.select_case(cases["open"])
    window.detail.tabs.setCurrentIndex(1)
    yield "minimum-size", screen
    QTimer.singleShot(0, window.close)
    wait(100)
    db.close()


def seed(db, me) -> dict[str, str]:  # noqa: ANN001 - a CacheDB and the signed-in Identity
    """A customer's cache: a dozen cases, one of each state the gallery shows."""
    from casedesktop.store.models import ActivityRow, CaseRow, CommentRow

    subjects = [
        ("open", "Bank feed stopped importing transactions since Monday", "critical", "Ledger Cloud"),
        ("resolved", "Payroll export fails with error 0x80070005", "urgent", "Payroll"),
        ("open", "Invoice PDF shows the wrong VAT number", "standard", "Ledger Cloud"),
        ("pending_customer", "Stock counts differ between warehouses", "standard", "Inventory"),
        ("open", "Cannot add a second administrator", "low", "Ledger Desktop"),
        ("closed", "Year-end close took four hours", "standard", "Ledger Cloud"),
        ("new", "Report designer crashes on save", "urgent", "Ledger Desktop"),
        ("on_hold", "Request: export to DATEV format", "low", "Ledger Cloud"),
    ]
    ids: dict[str, str] = {}
    with db.transaction() as session:
        for n, (status, subject, severity, product) in enumerate(subjects):
            case_id = str(uuid.uuid4())
            session.add(CaseRow(
                id=case_id, number=f"CS-{1040 + n}", subject=subject, status=status, severity=severity,
                product=product, account_name="Northwind Traders", reported_by_name=DANA[1],
                owner_name="Alex Moreno" if status != "new" else "", unread=n in (2, 3),
                description=f"{subject}. It started after Monday's update; see https://status.example.com.",
                created_at=T0 + timedelta(minutes=10 * n), updated_at=T0 + timedelta(minutes=60 + 10 * n)))
            ids.setdefault(status, case_id)
        session.flush()  # the cases before the rows that point at them
        open_id, resolved_id = ids["open"], ids["resolved"]
        for i, (who, role, body) in enumerate([
            (DANA[1], "customer", "It still says 'Connected' but nothing arrives."),
            ("Alex Moreno", "agent", "Thanks Dana. Could you record the bank connection page for me?"),
            (DANA[1], "customer", "Recording attached. The sync button spins forever."),
        ]):
            session.add(CommentRow(id=str(uuid.uuid4()), case_id=open_id, author_name=who, author_role=role,
                                   kind="reply", body=body, created_at=T0 + timedelta(minutes=30 * (i + 1))))
        session.add(ActivityRow(id=str(uuid.uuid4()), case_id=open_id, actor_name=DANA[1], action="escalate",
                                from_status="open", to_status="open", reason="Payroll runs on Friday",
                                created_at=T0 + timedelta(minutes=100)))
        resolved = session.get_one(CaseRow, resolved_id)
        resolved.resolution_summary = "Granted the export folder's write permission to the payroll service."
        resolved.resolved_at = T0 + timedelta(hours=3)
        session.add(ActivityRow(id=str(uuid.uuid4()), case_id=resolved_id, actor_name="Alex Moreno",
                                action="resolve", from_status="open", to_status="resolved",
                                reason=resolved.resolution_summary, created_at=T0 + timedelta(hours=3)))
    ids["close-requested"] = close_requested(db, subjects)
    ids["unsent"] = unsent(db, me)
    return ids


def close_requested(db, subjects) -> str:  # noqa: ANN001
    from casedesktop.store.models import CaseRow

    with db.transaction() as session:
        row = session.query(CaseRow).filter_by(subject=subjects[2][1]).one()
        row.close_requested = True
        return row.id


def unsent(db, me) -> str:  # noqa: ANN001
    """A case made offline: in the cache and the outbox, not yet numbered by the server."""
    from casedesktop.store import local_changes

    case_id, _changes = local_changes.create_case(
        db, me, subject="Printer mapping lost after the update",
        description="Since this morning nothing prints from the invoice screen.")
    return case_id


if __name__ == "__main__":
    raise SystemExit(main())
