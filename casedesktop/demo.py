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
from casedesktop.sync.api_client import ApiClient, SyncError
from casedesktop.sync.sign_in import sign_in

log = logging.getLogger(__name__)
DEMO_CUSTOMER = ("demo@northwind.example", "demo")
DEMO_AGENT = ("agent@vendor.example", "agent")
LISTENING = "listening on "


class DemoServer:
    """A `casedesktop-server` child process on a free loopback port."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, timeout: float = 60.0) -> str:
        base = server_command()
        where = ["--data-dir", str(self.data_dir)]
        seeded = subprocess.run([*base, "seed-demo", *where], capture_output=True, text=True)
        if seeded.returncode != 0:
            raise RuntimeError(f"The demo server could not be set up: {seeded.stderr.strip() or seeded.stdout.strip()}")
        self.process = subprocess.Popen(
            [*base, "serve", "--host", "127.0.0.1", "--port", "0", *where],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=timeout)
                if LISTENING in line:
                    self.url = line.split(LISTENING, 1)[1].strip()
                    return self.url
        except queue.Empty:
            self.stop()
            raise RuntimeError("The demo server did not start within a minute.") from None

    def _pump(self, lines: queue.Queue[str]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            lines.put(line)
            log.debug("server: %s", line.rstrip())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


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
        first_name = (customer or "there").split()[0]
        self.client.add_comment(
            case_id,
            CommentCreate(
                id=uuid.uuid4(),
                body=f"Hi {first_name}, thanks for the details. I'm looking into this now and will "
                "get back to you shortly. If you can, attach a screen recording of the problem.",
            ),
        )


def run_demo(profile_dir: Path | None = None, keep: bool = False) -> int:
    if not server_available():
        print("The demo needs the server part: pip install 'casedesktop[server]'", file=sys.stderr)
        return 1
    root = Path(profile_dir) if profile_dir else Path(tempfile.mkdtemp(prefix="casedesktop-demo-"))
    server = DemoServer(root / "server")
    agent: DemoAgent | None = None
    try:
        url = server.start()
        print(f"Demo server on {url} (data in {root}); signed in as {DEMO_CUSTOMER[0]}.", file=sys.stderr)
        profile = open_profile(root / "client")
        sign_in(profile.db, profile.tokens, url, *DEMO_CUSTOMER, remember=False)
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
