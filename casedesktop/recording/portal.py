"""The XDG desktop portal over D-Bus: how a Wayland session lets a program see the screen.

A Wayland compositor shows no program the screen by itself; the desktop portal
(`org.freedesktop.portal.Desktop`) asks the user, in the desktop's own dialog, which monitor or
window to share, and hands back a PipeWire stream (ScreenCast) or a PNG file (Screenshot). Every
portal call answers with a request object whose `Response` signal carries the result; the
signal is subscribed to before the call, so a fast answer cannot be missed.

The ScreenCast session asks for `persist_mode` 2 and keeps the portal's restore token in a
small file, so the user approves once, not at every recording. jeepney (pure Python, already
what keyring speaks D-Bus with on Linux) carries the calls and the PipeWire file descriptor.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from casedesktop.i18n import _
from casedesktop.recording.events import RecordingError

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT_PATH = "/org/freedesktop/portal/desktop"
SCREENCAST = "org.freedesktop.portal.ScreenCast"
SCREENSHOT = "org.freedesktop.portal.Screenshot"
REQUEST = "org.freedesktop.portal.Request"

SOURCE_MONITOR = 1
SOURCE_WINDOW = 2
CURSOR_HIDDEN, CURSOR_EMBEDDED = 1, 2
PERSIST_UNTIL_REVOKED = 2
_CANCELLED = 1  # Response codes: 0 success, 1 the user cancelled, 2 anything else


def session_is_wayland() -> bool:
    """A Wayland session on Linux: the screen is seen through the portal (XWayland's X display,
    if any, shows only the windows of X11 programs)."""
    if not sys.platform.startswith("linux"):
        return False
    return os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(os.environ.get("WAYLAND_DISPLAY"))


@dataclass(frozen=True)
class Stream:
    """One PipeWire stream the portal opened: its node, and where it sits on the screen."""

    node_id: int
    position: tuple[int, int]  # the monitor's top-left in the compositor's (logical) coordinates
    size: tuple[int, int]  # its size in logical pixels


@dataclass
class ScreenCast:
    """A started ScreenCast session: the PipeWire connection (`fd`) and its streams.

    Close it to end the session; the compositor stops sharing (and drops its indicator) then.
    """

    connection: Any
    session_handle: str
    fd: int
    streams: list[Stream]
    restore_token: str | None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(Exception):
            self.connection.send(_call(self.session_handle, "org.freedesktop.portal.Session", "Close", "", ()))
        with contextlib.suppress(Exception):
            self.connection.close()


class Portal:
    """One D-Bus connection to the portal, for a series of requests."""

    def __init__(self, timeout: float = 120.0) -> None:
        from jeepney.io.blocking import open_dbus_connection

        self.timeout = timeout  # the user may take a while in the portal's own dialog
        try:
            self.connection = open_dbus_connection(bus="SESSION", enable_fds=True)
        except Exception as exc:
            raise RecordingError(
                _("Cannot reach the desktop's session bus to ask for the screen ({error}).").format(error=exc)
            ) from exc
        self._sender = self.connection.unique_name.lstrip(":").replace(".", "_")

    def close(self) -> None:
        self.connection.close()

    def version(self, interface: str) -> int:
        """The portal's version of `interface`; 0 when the desktop has no such portal."""
        from jeepney import DBusErrorResponse, Properties

        try:
            reply = self.connection.send_and_get_reply(
                Properties(_address(OBJECT_PATH, interface)).get("version"), timeout=5
            )
        except (DBusErrorResponse, TimeoutError):
            return 0
        return int(reply.body[0][1])

    def property(self, interface: str, name: str) -> Any:
        from jeepney import Properties

        return self.connection.send_and_get_reply(
            Properties(_address(OBJECT_PATH, interface)).get(name), timeout=5
        ).body[0][1]

    def request(self, interface: str, method: str, signature: str, args: tuple, options: dict[str, Any]) -> dict[str, Any]:
        """Call a portal method that answers through a Request object; its results on success."""
        from jeepney import DBusErrorResponse, MatchRule, message_bus

        token = "casedesktop_" + secrets.token_hex(8)
        path = f"{OBJECT_PATH}/request/{self._sender}/{token}"
        rule = MatchRule(type="signal", interface=REQUEST, member="Response", path=path)
        self.connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        options = {**options, "handle_token": ("s", token)}
        try:
            with self.connection.filter(rule) as responses:
                reply = self.connection.send_and_get_reply(
                    _call(OBJECT_PATH, interface, method, signature + "a{sv}", (*args, options)), timeout=10
                )
                if reply.body and reply.body[0] != path:  # an old portal picks its own path
                    raise RecordingError(_("The desktop portal answered in a way CaseDesktop does not understand."))
                try:
                    response = self.connection.recv_until_filtered(responses, timeout=self.timeout)
                except TimeoutError:
                    raise RecordingError(
                        _("The desktop did not answer the request to share the screen within {seconds} seconds.")
                        .format(seconds=int(self.timeout))
                    ) from None
        except DBusErrorResponse as exc:
            raise RecordingError(_("The desktop portal refused: {error}").format(error=exc)) from exc
        finally:
            with contextlib.suppress(Exception):
                self.connection.send(message_bus.RemoveMatch(rule))
        code, results = response.body
        if code == _CANCELLED:
            raise RecordingError(_("Sharing the screen was cancelled in the desktop's dialog."))
        if code != 0:
            raise RecordingError(_("The desktop did not allow sharing the screen."))
        return {key: value for key, (_signature, value) in results.items()}


def start_screencast(restore_token: str | None = None, cursor: bool = True, timeout: float = 120.0) -> ScreenCast:
    """Ask the portal for one monitor (its own dialog picks which) and open its PipeWire stream."""
    portal = Portal(timeout)
    try:
        if portal.version(SCREENCAST) == 0:
            raise RecordingError(
                _("This desktop has no screen-sharing portal; install xdg-desktop-portal and the portal of your "
                  "desktop (xdg-desktop-portal-gnome, -kde or -wlr).")
            )
        session = portal.request(SCREENCAST, "CreateSession", "", (), {"session_handle_token": ("s", "casedesktop")})
        handle = str(session["session_handle"])
        options: dict[str, Any] = {"types": ("u", SOURCE_MONITOR), "multiple": ("b", False)}
        cursor_modes = int(portal.property(SCREENCAST, "AvailableCursorModes") or 0)
        wanted = CURSOR_EMBEDDED if cursor else CURSOR_HIDDEN
        if cursor_modes & wanted:
            options["cursor_mode"] = ("u", wanted)
        if portal.version(SCREENCAST) >= 4:
            options["persist_mode"] = ("u", PERSIST_UNTIL_REVOKED)
            if restore_token:
                options["restore_token"] = ("s", restore_token)
        portal.request(SCREENCAST, "SelectSources", "o", (handle,), options)
        started = portal.request(SCREENCAST, "Start", "os", (handle, ""), {})
        streams = [
            Stream(int(node), tuple(props.get("position", ("(ii)", (0, 0)))[1]), tuple(props.get("size", ("(ii)", (0, 0)))[1]))
            for node, props in started.get("streams", [])
        ]
        if not streams:
            raise RecordingError(_("The desktop shared no screen."))
        reply = portal.connection.send_and_get_reply(
            _call(OBJECT_PATH, SCREENCAST, "OpenPipeWireRemote", "oa{sv}", (handle, {})), timeout=10
        )
        fd = reply.body[0].to_raw_fd()
    except BaseException:
        portal.close()
        raise
    token = started.get("restore_token")
    return ScreenCast(portal.connection, handle, fd, streams, str(token) if token else None)


def screenshot(timeout: float = 30.0) -> Path:
    """A PNG of the whole screen taken by the desktop portal (the desktop may ask the user first)."""
    portal = Portal(timeout)
    try:
        if portal.version(SCREENSHOT) == 0:
            raise RecordingError(_("This desktop has no screenshot portal; install its xdg-desktop-portal back end."))
        results = portal.request(SCREENSHOT, "Screenshot", "s", ("",), {"interactive": ("b", False)})
    finally:
        portal.close()
    uri = urlparse(str(results.get("uri", "")))
    if uri.scheme != "file" or not uri.path:
        raise RecordingError(_("The desktop took the screenshot but gave no file for it."))
    return Path(unquote(uri.path))


class RestoreTokens:
    """The portal's restore token, kept in one small file so the user approves sharing once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> str | None:
        try:
            token = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token or None

    def save(self, token: str | None) -> None:
        if not token:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_suffix(".tmp")
            temp.write_text(token, encoding="utf-8")
            temp.replace(self.path)
        except OSError:
            pass  # the user is asked again next time: nothing worse


def default_restore_tokens() -> RestoreTokens:
    import platformdirs

    return RestoreTokens(Path(platformdirs.user_state_dir("CaseDesktop", appauthor=False)) / "screencast-restore-token")


def _address(path: str, interface: str):  # noqa: ANN202 - a jeepney DBusAddress
    from jeepney import DBusAddress

    return DBusAddress(path, bus_name=BUS_NAME, interface=interface)


def _call(path: str, interface: str, method: str, signature: str, body: tuple):  # noqa: ANN202 - a jeepney Message
    from jeepney import new_method_call

    return new_method_call(_address(path, interface), method, signature or None, body)
