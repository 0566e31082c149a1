"""A real headless Wayland desktop (sway, the desktop portal, PipeWire) for the tests here.

`./dev test` installs and builds what it needs and says so in CASEDESKTOP_PORTAL_WLR: then a
missing part fails the tests instead of skipping them. A bare `pytest` elsewhere skips them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from testkit.wayland import WaylandSession, missing_parts


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With several test workers, every test here runs on the same one: one desktop session."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.xdist_group("wayland"))


@pytest.fixture(scope="session")
def wayland_session() -> Iterator[WaylandSession]:
    if not sys.platform.startswith("linux"):
        pytest.skip("a Wayland session runs on Linux only")
    missing = missing_parts()
    if missing:
        message = "the headless Wayland session needs: " + ", ".join(missing)
        if os.environ.get("CASEDESKTOP_PORTAL_WLR"):
            pytest.fail(message)  # ./dev test set it up: something is broken, not absent
        pytest.skip(message + " (./dev test installs them)")
    with WaylandSession() as session:
        session.moving_pattern()
        yield session


@pytest.fixture
def on_wayland(wayland_session: WaylandSession, monkeypatch: pytest.MonkeyPatch, tmp_path) -> WaylandSession:  # noqa: ANN001
    """This test process is a client of the session: no X display, the portal on its bus, and
    its own state folder (the portal's restore token)."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("XAUTHORITY", raising=False)
    for key, value in wayland_session.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return wayland_session
