"""The demo's server is supervised: killed, it comes back on the same address; stopped, it is gone."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests

from casedesktop.demo import DemoServer


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health", timeout=1).ok
    except requests.RequestException:
        return False


def test_a_killed_demo_server_comes_back_on_its_address(tmp_path: Path) -> None:
    server = DemoServer(tmp_path / "server", restart_delay=0.2)
    url = server.start()
    try:
        first = server.process
        assert healthy(url)
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (server.restarts == 1 and healthy(url)):
            time.sleep(0.2)
        assert server.restarts == 1 and healthy(url), "the demo server did not come back"
        assert server.process is not first and first.returncode == -signal.SIGKILL  # reaped, no zombie
    finally:
        server.stop()
    assert server.process.poll() is not None and not healthy(url)
    time.sleep(1.5)
    assert server.restarts == 1  # a stop is not a death: nothing restarts it
