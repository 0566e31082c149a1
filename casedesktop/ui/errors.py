"""A crash is reported, not lost: unexpected exceptions become one dialog and a log entry.

Without a hook, an exception raised in a slot or a worker thread reaches stderr, which a desktop
user never sees, and the app carries on as if nothing happened. `install()` sets `sys.excepthook`
and `threading.excepthook`: each exception is logged with its traceback (the profile's log file,
set up by `casedesktop.app`) and shown in an `ErrorDialog` on the GUI thread. An exception on
another thread is relayed there through a queued signal; widgets are never touched off the GUI
thread. One dialog at a time: exceptions while it is open are added to it, not stacked as a storm
of windows.

The dialog says what happened in plain words and offers "Copy details" (version, platform, Qt and
PySide versions, tracebacks) and "Report this to support…", which opens the New Case dialog filled
in (the subject, a description with the details, a cleaned copy of the log attached) for the user
to review, change or cancel: nothing is sent by itself. Details and log copies pass through
`scrub`, which removes anything that looks like a token or password.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import shiboken6
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casedesktop import APP_NAME, __version__
from casedesktop.i18n import _, ngettext
from casedesktop.ui import icons

log = logging.getLogger(__name__)

LOG_TAIL_BYTES = 512 * 1024  # the end of the log is what tells what led to the error
MAX_SHOWN = 20  # exceptions kept in one dialog; a loop raising on every tick must not eat memory

# --- keeping secrets out ------------------------------------------------------------------------

_REMOVED = "[removed]"
_SECRETS = (
    # An Authorization header's credentials.
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{_REMOVED}"),
    # key=value, key: value, "key": "value" for names that hold secrets (query strings, dicts, JSON).
    (re.compile(r"""(?i)\b([\w-]*(?:password|passwd|secret|token|api[_-]?key|authorization|cookie)[\w-]*)"""
                r"""(["']?\s*[:=]\s*["']?)(?!\[removed\]|(?:bearer|basic|token)\s+\[removed\])([^\s"',;&}]+)"""), rf"\1\2{_REMOVED}"),
    # A long run of URL-safe characters mixing upper case, lower case and digits: a random token
    # (the server's are 43 characters of base64url). Hex digests and identifiers do not mix cases.
    (re.compile(r"(?<![\w-])(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{32,}(?![\w-])"), _REMOVED),
)


def scrub(text: str) -> str:
    """`text` without anything that looks like a token, password or other secret."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


# --- what happened ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErrorReport:
    """One unexpected exception, as text (the exception object itself is not kept alive)."""

    type_name: str
    message: str
    traceback: str
    thread: str
    when: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def capture(cls, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
                thread: str | None = None) -> ErrorReport:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        return cls(exc_type.__name__, scrub(str(exc) if exc is not None else ""), scrub(text),
                   thread or threading.current_thread().name)

    @property
    def summary(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


def environment_text() -> str:
    """Version, platform and toolkit lines that head the details."""
    import platform  # here, not at import: the hooks are installed on the cold start's path

    return "\n".join((
        f"{APP_NAME} {__version__}",
        f"Platform: {platform.platform()} ({platform.machine()})",
        f"Python {platform.python_version()} ({sys.implementation.name})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
    ))


def details_text(reports: list[ErrorReport]) -> str:
    """Everything support needs, scrubbed: the environment, then each traceback."""
    parts = [environment_text(), ""]
    for number, report in enumerate(reports, 1):
        parts.append(f"Error {number} of {len(reports)} at {report.when:%Y-%m-%d %H:%M:%S} UTC "
                     f"on thread {report.thread}:")
        parts.append(report.traceback.rstrip())
        parts.append("")
    return scrub("\n".join(parts))


def log_tail(source: Path | None = None, lines: int = 50) -> list[str]:
    """The last `lines` lines of the log, scrubbed (empty when there is no log)."""
    source = source or log_file()
    if source is None or not source.is_file():
        return []
    for handler in logging.getLogger("casedesktop").handlers:
        handler.flush()
    with source.open("rb") as f:
        f.seek(max(0, source.stat().st_size - max(16_384, 400 * lines)))  # enough for `lines` lines
        tail = f.read().decode("utf-8", errors="replace").splitlines()
    return [scrub(line) for line in tail[-lines:]]


def diagnostics_text(profile_dir: Path, server_url: str = "", log: Path | None = None, lines: int = 50) -> str:
    """What support asks for first, for Settings' "Copy diagnostics": versions, platform, where the
    profile and its log are, and the log's last lines. Scrubbed: never a token or a password."""
    log = log or log_file()
    parts = [environment_text(), f"Profile: {profile_dir}", f"Log: {log or '-'}"]
    if server_url:
        parts.append(f"Server: {server_url}")
    tail = log_tail(log, lines)
    parts += ["", f"Last {len(tail)} log lines:", *tail] if tail else ["", "No log yet."]
    return scrub("\n".join(parts))


def log_file() -> Path | None:
    """The profile's log file, if `casedesktop.app` set one up (it does when a profile opens)."""
    for handler in logging.getLogger("casedesktop").handlers:
        name = getattr(handler, "baseFilename", None)
        if name:
            return Path(name)
    return None


def scrubbed_log_copy(source: Path | None = None, folder: Path | None = None) -> Path | None:
    """A scrubbed copy of the log's end, to attach to a report (the user can remove it); None if
    there is no log. The copy is the caller's to delete once attached."""
    source = source or log_file()
    if source is None or not source.is_file():
        return None
    for handler in logging.getLogger("casedesktop").handlers:
        handler.flush()  # the traceback just logged belongs in the copy
    with source.open("rb") as f:
        f.seek(max(0, source.stat().st_size - LOG_TAIL_BYTES))
        tail = f.read().decode("utf-8", errors="replace")
    import tempfile

    folder = folder or Path(tempfile.mkdtemp(prefix="casedesktop-report-"))
    target = folder / "casedesktop-log.txt"
    target.write_text(scrub(tail), encoding="utf-8")
    return target


@dataclass(frozen=True)
class SupportRequest:
    """What "Report this to support…" fills into the New Case dialog."""

    subject: str
    description: str
    log_copy: Path | None  # a scrubbed copy of the log, to attach; None when there is no log


def support_request(reports: list[ErrorReport]) -> SupportRequest:
    first = reports[0]
    intro = _("CaseDesktop stopped what it was doing with an unexpected error:\n{summary}\n\n"
              "What I was doing when it happened:\n\n\n"
              "Technical details (added by CaseDesktop):\n").format(summary=first.summary)
    return SupportRequest(_("CaseDesktop error: {name}").format(name=first.type_name)[:255],
                          (intro + details_text(reports))[:32_000], scrubbed_log_copy())


# --- the dialog ---------------------------------------------------------------------------------

class ErrorDialog(QDialog):
    """Says that something went wrong, collects every error until closed, and offers to copy the
    details or to report them to support."""

    reportRequested = Signal()

    def __init__(self, report: ErrorReport, can_report: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("{app} ran into a problem").format(app=APP_NAME))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.reports: list[ErrorReport] = []
        self.dropped = 0
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setPixmap(icons.pixmap("dialog-error", 48))
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        self.headline = QLabel()
        headline_font = self.headline.font()
        headline_font.setBold(True)
        headline_font.setPointSizeF(headline_font.pointSizeF() * 1.2)
        self.headline.setFont(headline_font)
        self.headline.setWordWrap(True)
        text.addWidget(self.headline)
        self.explanation = QLabel(_(
            "Your cases, drafts and waiting changes are safe: they are saved as you work. What you did "
            "last may not have finished, so check it and try again.\n\n"
            "If this keeps happening, report it to support: the report opens as a new case for you to "
            "read and send."))
        self.explanation.setWordWrap(True)
        text.addWidget(self.explanation)
        self.what = QLabel()
        self.what.setWordWrap(True)
        self.what.setTextFormat(Qt.TextFormat.PlainText)  # an exception's message is never markup
        self.what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.what.setAccessibleName(_("What went wrong"))
        text.addWidget(self.what)
        top.addLayout(text, 1)
        layout.addLayout(top)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(_("Technical details"))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMinimumHeight(160)
        self.details.hide()
        layout.addWidget(self.details, 1)

        buttons = QDialogButtonBox()
        self.details_button = QPushButton(_("Show &details"))
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._show_details)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button = QPushButton(icons.icon("edit-copy"), _("&Copy details"))
        self.copy_button.setToolTip(_("Copy the version, the platform and what went wrong, to paste "
                                      "into an email or a case"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.report_button = QPushButton(icons.icon("document-new"), _("&Report this to support…"))
        self.report_button.setToolTip(_("Open a new case with the details filled in; you review it "
                                        "before it is sent") if can_report
                                      else _("Sign in first; meanwhile copy the details"))
        self.report_button.setEnabled(can_report)
        self.report_button.clicked.connect(self.reportRequested.emit)
        buttons.addButton(self.report_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 260)
        self.add(report)

    def add(self, report: ErrorReport) -> None:
        """Another error while the dialog is open: listed here, not in a dialog of its own."""
        if len(self.reports) >= MAX_SHOWN:
            self.dropped += 1
        else:
            self.reports.append(report)
        count = len(self.reports) + self.dropped
        self.headline.setText(ngettext("Something went wrong in {app}.",
                                       "Something went wrong in {app}, {count} times.", count)
                              .format(app=APP_NAME, count=count))
        shown = [r.summary for r in self.reports[-3:]]
        earlier = count - len(shown)
        lines = ([ngettext("…and {count} earlier error.", "…and {count} earlier errors.", earlier)
                  .format(count=earlier)] if earlier else []) + shown
        self.what.setText("\n".join(lines))
        self.details.setPlainText(self.details_text())

    def details_text(self) -> str:
        return details_text(self.reports)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.copy_button.setText(_("Copied"))
        QTimer.singleShot(2000, self, lambda: self.copy_button.setText(_("&Copy details")))

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(_("Hide &details") if shown else _("Show &details"))
        self.adjustSize()


# --- the hooks ----------------------------------------------------------------------------------

ReportHandler = Callable[[SupportRequest], object]


class ErrorReporter(QObject):
    """The installed hooks and the one dialog they show.

    `report_handler` opens the New Case dialog filled from a `SupportRequest`; the window sets it
    once a profile is open (until then "Report this to support…" is disabled). A bound method is
    held weakly, so the reporter, which lives as long as the application, never keeps a closed
    window alive.
    """

    _relayed = Signal(object)  # an ErrorReport from another thread, delivered on the GUI thread

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dialog: ErrorDialog | None = None
        self._handler: Callable[[], ReportHandler | None] = lambda: None
        self._previous_hook: Callable | None = None
        self._previous_thread_hook: Callable | None = None
        self._handling = False
        self._relayed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @property
    def report_handler(self) -> ReportHandler | None:
        return self._handler()

    @report_handler.setter
    def report_handler(self, handler: ReportHandler | None) -> None:
        if inspect.ismethod(handler):
            self._handler = weakref.WeakMethod(handler)
        else:
            self._handler = lambda: handler

    def install(self) -> ErrorReporter:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    @property
    def installed(self) -> bool:
        return sys.excepthook == self.excepthook

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook and self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self.thread_excepthook and self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook

    def excepthook(self, exc_type: type[BaseException], exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        """sys.excepthook: what PySide calls for an exception escaping a slot or a Qt virtual."""
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            (self._previous_hook or sys.__excepthook__)(exc_type, exc, tb)
            return
        self.handle(ErrorReport.capture(exc_type, exc, tb))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """threading.excepthook: an exception that ended a Python thread."""
        if issubclass(args.exc_type, SystemExit):
            return
        thread = args.thread.name if args.thread is not None else None
        self.handle(ErrorReport.capture(args.exc_type, args.exc_value, args.exc_traceback, thread))

    def handle(self, report: ErrorReport) -> None:
        """Log `report` (its scrubbed traceback), then show it on the GUI thread (from any thread)."""
        try:
            log.error("Unexpected error on thread %s:\n%s", report.thread, report.traceback.rstrip())
        except Exception:  # noqa: BLE001 - a broken log must not hide the error itself
            traceback.print_exc()
        # Without any handler, logging's last resort has printed it; else print it, so that a
        # developer at a terminal still sees it (a windowed Windows app has no stderr).
        if logging.getLogger("casedesktop").hasHandlers() and sys.stderr is not None:
            sys.stderr.write(report.traceback)
        app = QCoreApplication.instance()
        if app is None or QCoreApplication.closingDown():
            return
        if QThread.currentThread() is app.thread():
            self._show(report)
        else:
            self._relayed.emit(report)  # queued: the dialog is made on the GUI thread

    def _show(self, report: ErrorReport) -> None:
        if self._handling:  # the dialog itself failed: the log has it, do not loop
            return
        if not isinstance(QCoreApplication.instance(), QApplication):
            return
        self._handling = True
        try:
            if self.open_dialog() is not None:
                self.dialog.add(report)
                return
            self.dialog = ErrorDialog(report, can_report=self.report_handler is not None,
                                      parent=QApplication.activeWindow())
            self.dialog.reportRequested.connect(self.report)
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        finally:
            self._handling = False

    def open_dialog(self) -> ErrorDialog | None:
        """The error dialog if it is open (closed, it deletes itself)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible():
            return self.dialog
        return None

    def report(self) -> object:
        """Open the New Case dialog filled with the errors of the dialog (never sends anything)."""
        handler = self.report_handler
        if self.open_dialog() is None or handler is None:
            return None
        request = support_request(self.dialog.reports)
        self.dialog.close()
        return handler(request)


_reporter: ErrorReporter | None = None


def install(app: QCoreApplication | None = None) -> ErrorReporter:
    """Install the hooks for the application: one reporter, which a second call returns (with its
    hooks put back if something had taken them out)."""
    global _reporter
    app = app or QCoreApplication.instance()
    if _reporter is None or not shiboken6.isValid(_reporter):
        _reporter = ErrorReporter(app)
    if not _reporter.installed:
        _reporter.install()
    return _reporter


def reporter() -> ErrorReporter | None:
    """The installed reporter, if any (the window gives it its report handler)."""
    return _reporter
