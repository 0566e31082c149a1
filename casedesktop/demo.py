"""`casedesktop demo`: a local server with sample data, a demo agent who answers, and the window.

The server runs as its own process through its public entry point (`python -m casedesktop.server`,
or in a frozen bundle the bundle's own executable with FROZEN_SERVER_ARG); the client never imports
server code.
"""

from __future__ import annotations

import importlib.util
import logging
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

from casedesktop import FROZEN_SERVER_ARG
from casedesktop.api import ActionRequest, CommentCreate
from casedesktop.app import open_profile
from casedesktop.domain import Action, Status
from casedesktop.i18n import _
from casedesktop.sync.api_client import ApiClient, SyncError
from casedesktop.sync.sign_in import sign_in

log = logging.getLogger(__name__)
DEMO_CUSTOMER = ("demo@northwind.example", "demo")
DEMO_AGENT = ("agent@vendor.example", "agent")
LISTENING = "listening on "


class DemoServer:
    """A `casedesktop-server` child process on a free loopback port, restarted on the same port if
    it dies while the demo runs (the window reconnects by itself), and reaped: never a zombie."""

    def __init__(self, data_dir: Path, restart_delay: float = 1.0):
        self.data_dir = data_dir
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.restarts = 0
        self.restart_delay = restart_delay
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    def start(self, timeout: float = 60.0) -> str:
        seeded = subprocess.run([*server_command(), "seed-demo", *self._where()], capture_output=True, text=True)
        if seeded.returncode != 0:
            raise RuntimeError(_("The demo server could not be set up: {error}").format(
                error=seeded.stderr.strip() or seeded.stdout.strip()))
        self.url = self._launch(0, timeout)
        self._watch = threading.Thread(target=self._supervise, name="demo-server-watch", daemon=True)
        self._watch.start()
        return self.url

    def _where(self) -> list[str]:
        return ["--data-dir", str(self.data_dir)]

    def _launch(self, port: int, timeout: float) -> str:
        """Start the server on `port` (0: any free one); its URL once it listens."""
        self.process = subprocess.Popen(
            [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *self._where()],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process, lines), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=timeout)
                if LISTENING in line:
                    return line.split(LISTENING, 1)[1].strip()
        except queue.Empty:
            self._end(self.process)
            raise RuntimeError(_("The demo server did not start within a minute.")) from None

    def _supervise(self) -> None:
        """Wait on the server (which reaps it); if it ended on its own, start it again on its port."""
        port = int(self.url.rsplit(":", 1)[1])
        while not self._stopping.is_set():
            process = self.process
            code = process.wait() if process is not None else None
            if self._stopping.is_set():
                return
            log.warning("The demo server stopped (exit %s); starting it again on port %s.", code, port)
            while not self._stopping.wait(self.restart_delay):
                try:
                    self._launch(port, 60.0)
                    self.restarts += 1
                    break
                except (RuntimeError, OSError) as exc:  # the port may take a moment to free
                    log.warning("The demo server did not come back yet: %s", exc)

    @staticmethod
    def _pump(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
            log.debug("server: %s", line.rstrip())

    def stop(self) -> None:
        self._stopping.set()
        if self.process is not None:
            self._end(self.process)
        if self._watch is not None:
            self._watch.join(5)

    @staticmethod
    def _end(process: subprocess.Popen[str]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def server_command() -> list[str]:
    """How to run the server CLI: the bundle's own executable when frozen, else this Python."""
    if not getattr(sys, "frozen", False):
        return [sys.executable, "-m", "casedesktop.server"]
    executable = Path(sys.executable)
    console = executable.with_name("casedesktop-cli.exe")  # Windows: the twin that has stdout
    return [str(console if console.is_file() else executable), FROZEN_SERVER_ARG]


def server_available() -> bool:
    """Whether the server part is installed (the `server` extra, or inside a bundle)."""
    if getattr(sys, "frozen", False):
        return True
    return importlib.util.find_spec("fastapi") is not None and importlib.util.find_spec("uvicorn") is not None


def _die_with_parent() -> None:
    """Linux: the kernel stops the demo server if the app dies, even by kill -9 (no orphans)."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class DemoAgent:
    """A support agent who picks up each new case and answers it, so a newcomer sees the full loop."""

    def __init__(self, server_url: str, delay: float = 4.0):
        self.client = ApiClient(server_url)
        self.delay = delay
        self._stop = threading.Event()
        self._answered: set[uuid.UUID] = set()
        self._thread = threading.Thread(target=self._run, name="demo-agent", daemon=True)

    def start(self) -> None:
        self.client.login(*DEMO_AGENT)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.client.close()

    def _run(self) -> None:
        cursor = 0
        while not self._stop.wait(self.delay):
            try:
                page = self.client.changes(cursor)
                cursor = page.cursor
                for item in page.changes:
                    case = item.case
                    if case is not None and case.status is Status.NEW and case.id not in self._answered:
                        self._answered.add(case.id)
                        self._answer(case.id, case.reported_by_name)
            except SyncError as exc:
                log.info("demo agent: %s", exc)

    def _answer(self, case_id: uuid.UUID, customer: str) -> None:
        self.client.take_action(case_id, ActionRequest(id=uuid.uuid4(), action=Action.PICK_UP))
        first_name = customer.split()[0] if customer.strip() else ""
        # Translators: the demo's support agent answering a new case; {name} is the customer's first name.
        body = _("Hi {name}, thanks for the details. I'm looking into this now and will get back to you shortly. "
                 "If you can, attach a screen recording of the problem.") if first_name else _(
            "Hi there, thanks for the details. I'm looking into this now and will get back to you shortly. "
            "If you can, attach a screen recording of the problem.")
        self.client.add_comment(case_id, CommentCreate(id=uuid.uuid4(), body=body.format(name=first_name)))


def run_demo(profile_dir: Path | None = None, keep: bool = False, as_agent: bool = False) -> int:
    """The window signed in to a local demo server: as its customer, who gets an answer from the
    demo's agent within seconds, or (`as_agent`) as that support agent, to try the staff side."""
    if not server_available():
        print(_("The demo needs the server part: pip install 'casedesktop[server]'"), file=sys.stderr)
        return 1
    root = Path(profile_dir) if profile_dir else Path(tempfile.mkdtemp(prefix="casedesktop-demo-"))
    server = DemoServer(root / "server")
    agent: DemoAgent | None = None
    try:
        url = server.start()
        user = DEMO_AGENT if as_agent else DEMO_CUSTOMER
        print(_("Demo server on {url} (data in {folder}); signed in as {email}.").format(
            url=url, folder=root, email=user[0]), file=sys.stderr)
        profile = open_profile(root / "client")
        sign_in(profile.db, profile.tokens, url, *user, remember=False)
        if not as_agent:  # the agent answers the customer's new cases; signed in as the agent, that is you
            agent = DemoAgent(url)
            agent.start()
        from casedesktop.ui.main import run_gui

        return run_gui(profile=profile, sync_interval=5.0)  # the demo agent answers within seconds
    finally:
        if agent is not None:
            agent.stop()
        server.stop()
        if not keep and not profile_dir:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(_("The demo's folder is kept: {folder} (the window's profile is {profile}).").format(
                folder=root, profile=root / "client"), file=sys.stderr)
