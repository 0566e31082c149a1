"""Capture availability: missing displays, macOS permission, black grabs, a Wayland session's portal
(tests/wayland/ checks it against a real one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from casedesktop.recording import (
    Recorder,
    RecordingError,
    RecordingSettings,
    check_capture_available,
    platform_check,
)


@pytest.fixture
def x11(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    return monkeypatch


def test_works_on_the_test_display(x11, paint) -> None:
    paint("box", (0, 0, 1920, 1080))
    availability = check_capture_available()
    assert availability.ok, availability.message


def test_wayland_without_a_session_bus_says_the_portal_cannot_be_reached(x11, tmp_path: Path) -> None:
    """On Wayland the portal is asked, never mss (which would see black): no bus, no portal."""
    x11.setenv("XDG_SESSION_TYPE", "wayland")
    x11.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    availability = check_capture_available()
    assert not availability.ok
    assert "session bus" in availability.reason and "desktop session" in availability.advice


def test_no_display_at_all(x11) -> None:
    x11.delenv("DISPLAY")
    availability = check_capture_available()
    assert not availability.ok and "No graphical display" in availability.reason


def test_black_grab_is_reported_not_recorded(x11) -> None:
    x11.setattr(platform_check, "_test_grab", lambda: np.zeros((10, 10, 4), np.uint8))
    availability = check_capture_available()
    assert not availability.ok and "entirely black" in availability.reason


class FakeMac:
    """The CoreGraphics boundary on "macOS": preflight and request answers, calls counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.preflight: bool | None = False
        self.request: bool | None = False
        self.requests = 0
        self.grabs = 0
        self.image = np.full((10, 10, 4), 200, np.uint8)
        monkeypatch.setattr(platform_check.sys, "platform", "darwin")
        monkeypatch.setattr(platform_check, "_access_requested", False)
        monkeypatch.setattr(platform_check, "_cg_preflight", lambda: self.preflight)
        monkeypatch.setattr(platform_check, "_cg_request", self._request)
        monkeypatch.setattr(platform_check, "_test_grab", self._grab)

    def _request(self) -> bool | None:
        self.requests += 1
        return self.request

    def _grab(self) -> np.ndarray:
        self.grabs += 1
        return self.image


@pytest.fixture
def mac(monkeypatch: pytest.MonkeyPatch) -> FakeMac:
    return FakeMac(monkeypatch)


def test_macos_permission_granted_asks_nothing(mac: FakeMac) -> None:
    mac.preflight = True
    availability = check_capture_available()
    assert availability.ok, availability.message
    assert mac.requests == 0 and mac.grabs == 1


def test_macos_without_permission_asks_once_and_explains(mac: FakeMac) -> None:
    for _ in range(2):
        availability = check_capture_available()
        assert not availability.ok and "permission" in availability.reason
        assert "Screen Recording" in availability.advice and "now listed" in availability.advice
        assert "switch it on" in availability.advice and "quit and reopen" in availability.advice
    assert mac.requests == 1  # once per process, however often the user presses Record
    assert mac.grabs == 0  # a grab without permission would only be black


def test_macos_permission_granted_by_the_request_records(mac: FakeMac) -> None:
    mac.request = True
    availability = check_capture_available()
    assert availability.ok, availability.message
    assert mac.requests == 1 and mac.grabs == 1


def test_macos_without_core_graphics_falls_back_to_the_test_grab(mac: FakeMac) -> None:
    mac.preflight = None  # older macOS: the permission cannot be queried
    assert check_capture_available().ok
    # the grab is black: the same advice, without claiming CaseDesktop is listed already
    mac.image = np.zeros((10, 10, 4), np.uint8)
    availability = check_capture_available()
    assert not availability.ok and "macOS" in availability.reason
    assert "Screen Recording" in availability.advice and "now listed" not in availability.advice
    assert mac.requests == 0 and mac.grabs == 2


def test_unreachable_display_fails_start_with_the_reason(x11, tmp_path: Path) -> None:
    x11.setenv("DISPLAY", ":987")
    availability = check_capture_available()
    assert not availability.ok and "test screen capture failed" in availability.reason
    with pytest.raises(RecordingError, match="test screen capture failed"):
        Recorder(RecordingSettings(), tmp_path / "x.mp4").start()
