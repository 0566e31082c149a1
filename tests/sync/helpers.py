"""What the sync tests share: `wait_until`, and, from testkit.syncworld (the kill soak
benchmark uses them too), the client device, the mixed queue of changes and the checks of what
the server holds."""

from __future__ import annotations

import time
from collections.abc import Callable

from testkit.syncworld import Device, Queued, check_server, duplicates, make_device, queue_mixed

__all__ = [
    "Device",
    "Queued",
    "check_server",
    "duplicates",
    "make_device",
    "queue_mixed",
    "wait_until",
]


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> float:
    """Seconds it took for `condition` to hold (polled every 20 ms); AssertionError after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError("timed out waiting")
