"""A real headless Wayland desktop for tests and benchmarks: sway, the desktop portal, PipeWire.

`WaylandSession` runs `session.sh` inside `dbus-run-session` (a D-Bus session bus of its own)
and hands back the environment a client needs to use it: WAYLAND_DISPLAY, the bus address,
XDG_RUNTIME_DIR. `moving_pattern()` starts a Wayland window that repaints all the time, since
PipeWire sends frames only when the screen changes.

What it needs is installed by `./dev test` (Debian packages, and the portal's wlroots back end
built by `build-portal-wlr.sh` into build/wayland/, whose path is in CASEDESKTOP_PORTAL_WLR).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_PORTAL_WLR = ROOT / "build" / "wayland" / "xdg-desktop-portal-wlr"
NEEDED = ("sway", "pipewire", "wireplumber", "dbus-run-session", "gst-launch-1.0", "grim")


def missing_parts() -> list[str]:
    """What this machine lacks to run the session (empty when it can)."""
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if not Path("/usr/libexec/xdg-desktop-portal").exists():
        missing.append("xdg-desktop-portal")
    if not portal_wlr().exists():
        missing.append(f"{portal_wlr()} (testkit/wayland/build-portal-wlr.sh builds it)")
    return missing


def portal_wlr() -> Path:
    return Path(os.environ.get("CASEDESKTOP_PORTAL_WLR") or DEFAULT_PORTAL_WLR)


class WaylandSession:
    """A running headless Wayland desktop; `env` holds what a client adds to its environment."""

    def __init__(self, size: str = "1920x1080", start_timeout: float = 20.0) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="casedesktop-wl-"))
        env_file = self._folder / "session.env"
        self._process = subprocess.Popen(
            ["dbus-run-session", "--", str(HERE / "session.sh"), str(env_file), str(portal_wlr()), size],
            stdout=subprocess.DEVNULL, stderr=open(self._folder / "stderr.log", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + start_timeout
        while not env_file.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (self._folder / "stderr.log").read_text(errors="replace")[-3000:]
                self.stop()
                raise RuntimeError(f"the headless Wayland session did not start:\n{log}")
            time.sleep(0.05)
        self.env: dict[str, str] = dict(
            line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
        )
        self.log = Path(self.env["CASEDESKTOP_WAYLAND_LOG"])
        self._clients: list[subprocess.Popen] = []

    def environ(self, **extra: str) -> dict[str, str]:
        """This process's environment, pointed at the session (no X display, so nothing falls back to X)."""
        env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "XAUTHORITY")}
        env.update(self.env)
        env.update(extra)
        return env

    def log_tail(self, size: int = 3000) -> str:
        """The end of the session's log (PipeWire, sway, the portals), for a failing test's message."""
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError as exc:
            return f"(no session log: {exc})"

    def moving_pattern(self) -> subprocess.Popen:
        """Start a full-screen window that repaints 30 times a second; wait until it is on screen."""
        client = subprocess.Popen(
            [sys.executable, str(HERE / "pattern.py")],
            env=self.environ(QT_QPA_PLATFORM="wayland"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._clients.append(client)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            tree = subprocess.run(["swaymsg", "-t", "get_tree"], env=self.environ(), capture_output=True,
                                  text=True, check=False)
            if '"moving pattern"' in tree.stdout:
                time.sleep(0.3)  # its first frames painted
                return client
            time.sleep(0.1)
        raise RuntimeError("the moving-pattern window did not appear")

    def stop(self) -> None:
        for client in self._clients:
            client.kill()
            client.wait()
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> WaylandSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
