"""Capture availability: explain Wayland, missing displays, macOS permission, black grabs."""

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


def test_wayland_without_x11_is_explained(x11) -> None:
    x11.setenv("XDG_SESSION_TYPE", "wayland")
    x11.delenv("DISPLAY")
    availability = check_capture_available()
    assert not availability.ok
    assert "Wayland" in availability.reason and "X11" in availability.advice


def test_no_display_at_all(x11) -> None:
    x11.delenv("DISPLAY")
    availability = check_capture_available()
    assert not availability.ok and "No graphical display" in availability.reason


def test_wayland_with_xwayland_warns_but_allows(x11, paint) -> None:
    paint("box", (0, 0, 1920, 1080))
    x11.setenv("XDG_SESSION_TYPE", "wayland")
    availability = check_capture_available()
    assert availability.ok and "only windows of X11 programs" in availability.reason


def test_black_grab_is_reported_not_recorded(x11) -> None:
    x11.setattr(platform_check, "_test_grab", lambda: np.zeros((10, 10, 4), np.uint8))
    availability = check_capture_available()
    assert not availability.ok and "entirely black" in availability.reason
    x11.setenv("XDG_SESSION_TYPE", "wayland")
    assert "Wayland" in check_capture_available().reason


def test_macos_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_check.sys, "platform", "darwin")
    monkeypatch.setattr(platform_check, "_mac_permission", lambda: False)
    availability = check_capture_available()
    assert not availability.ok and "Screen Recording" in availability.advice
    # permission unknown (older macOS) but the grab is black: the same advice
    monkeypatch.setattr(platform_check, "_mac_permission", lambda: None)
    monkeypatch.setattr(platform_check, "_test_grab", lambda: np.zeros((10, 10, 4), np.uint8))
    availability = check_capture_available()
    assert not availability.ok and "macOS" in availability.reason
    assert "Screen Recording" in availability.advice


def test_unreachable_display_fails_start_with_the_reason(x11, tmp_path: Path) -> None:
    x11.setenv("DISPLAY", ":987")
    availability = check_capture_available()
    assert not availability.ok and "test screen capture failed" in availability.reason
    with pytest.raises(RecordingError, match="test screen capture failed"):
        Recorder(RecordingSettings(), tmp_path / "x.mp4").start()
