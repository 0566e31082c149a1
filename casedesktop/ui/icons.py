"""The app's icons: the desktop's icon theme where it has them all, else the bundled set.

`icon("view-refresh")` takes a freedesktop icon name. When the desktop's icon theme has every
icon the app uses, icons come from it (they then match the rest of the desktop); a theme that
lacks even one would give a mix of two styles, so then all of them come from the bundled set:
Tabler Icons (MIT, `resources/icons/`, licence beside them and in the third-party notices).

A bundled icon is a one-colour SVG drawn with `currentColor`; it is rendered with that replaced by
a colour of the palette in force when it is painted (the button text, the disabled text, or a
theme role such as `error_text`), so it follows dark mode and high-contrast palettes by itself.
Icons never need a font to have a glyph (a paperclip emoji is a box on many Linux fonts).
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)

from casedesktop.ui import theme
from casedesktop.ui.resources import resource_path

# freedesktop icon name -> the bundled Tabler icon drawn for it
ICONS: dict[str, str] = {
    "document-new": "file-plus",
    "view-refresh": "refresh",
    "media-record": "player-record-filled",
    "camera-photo": "camera",  # take a screenshot
    "media-playback-stop": "player-stop-filled",
    "media-playback-start": "player-play-filled",
    "media-playback-pause": "player-pause-filled",
    "go-previous": "arrow-left",
    "mail-attachment": "paperclip",
    "mail-send": "send",
    "edit-find": "search",
    "edit-copy": "copy",
    "insert-image": "photo-plus",
    "list-remove": "x",
    "dialog-error": "alert-circle",
    "dialog-warning": "alert-triangle",
    "network-idle": "cloud-check",  # synced and online
    "network-transmit-receive": "refresh",  # syncing, connecting
    "network-offline": "cloud-off",
    "network-error": "cloud-lock",  # signed out: sync waits for a sign-in
    "preferences-system": "settings",
    "system-log-out": "logout",
    "system-users": "users",  # switch account
    "avatar-default": "user-circle",  # the account menu
    "folder-open": "folder-open",
}
# The theme role a bundled icon is drawn in when the caller names none (else the button text).
DEFAULT_ROLES: dict[str, str] = {
    "media-record": "recording_cue",
    "dialog-error": "error_text",
    "dialog-warning": "warning_text",
}
ICON_DIR = "icons"


def svg_path(name: str) -> Path:
    """The bundled SVG drawn for the freedesktop name `name`."""
    return resource_path(f"{ICON_DIR}/{ICONS[name]}.svg")


@cache
def _svg_bytes(name: str) -> bytes:
    return svg_path(name).read_bytes()


def render(name: str, size: QSize, colour: QColor, scale: float = 1.0) -> QPixmap:
    """The bundled icon `name` drawn in `colour` on a transparent pixmap of `size` (logical pixels)."""
    from PySide6.QtSvg import QSvgRenderer  # loads Qt SVG on the first icon painted, not at import

    data = _svg_bytes(name).replace(b"currentColor", theme.css_colour(colour).encode("ascii"))
    renderer = QSvgRenderer(QByteArray(data))
    pixels = QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
    image = QImage(pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    side = min(pixels.width(), pixels.height())  # square icons, centred in a wider or taller box
    renderer.render(painter, QRectF((pixels.width() - side) / 2, (pixels.height() - side) / 2, side, side))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(scale)
    return pixmap


class _BundledIcon(QIconEngine):
    """Draws a bundled SVG in the palette's colour for the icon's mode, at any size and scale."""

    def __init__(self, name: str, role: str | None):
        super().__init__()
        self._name = name
        self._role = role
        self._cache: dict[tuple, QPixmap] = {}

    def colour(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        if self._role is not None:
            return theme.colour(self._role)
        return palette.color(QPalette.ColorRole.ButtonText)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:  # noqa: N802
        colour = self.colour(mode)
        key = (size.width(), size.height(), scale, colour.rgba())
        pixmap = self._cache.get(key)
        if pixmap is None:
            if len(self._cache) > 32:  # sizes and palettes come and go; never grow without bound
                self._cache.clear()
            pixmap = self._cache[key] = render(self._name, size, colour, scale)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # noqa: N802
        side = min(size.width(), size.height())
        return QSize(side, side)

    def clone(self) -> QIconEngine:
        return _BundledIcon(self._name, self._role)

    def key(self) -> str:
        return "casedesktop-bundled"

    def iconName(self) -> str:  # noqa: N802
        return self._name

    def isNull(self) -> bool:  # noqa: N802
        return False


def theme_has_all() -> bool:
    """Whether the desktop's icon theme has every icon the app uses (then it is used for all)."""
    return _theme_has_all(QIcon.themeName(), tuple(QIcon.themeSearchPaths()))


@lru_cache(maxsize=4)
def _theme_has_all(theme_name: str, _paths: tuple[str, ...]) -> bool:
    return bool(theme_name) and all(QIcon.hasThemeIcon(name) for name in ICONS)


def bundled(name: str, role: str | None = None) -> QIcon:
    """The bundled icon `name`, drawn in `role` (a theme role) or the button text's colour."""
    return _bundled(name, role if role is not None else DEFAULT_ROLES.get(name))


@cache
def _bundled(name: str, role: str | None) -> QIcon:
    if name not in ICONS:
        raise KeyError(f"no icon named {name!r}; add it to ICONS with a bundled SVG")
    return QIcon(_BundledIcon(name, role))


def icon(name: str, role: str | None = None) -> QIcon:
    """The icon for the freedesktop name `name`: from the desktop's theme when that has them all,
    else bundled (drawn in `role`, a theme role, when given)."""
    if name not in ICONS:
        raise KeyError(f"no icon named {name!r}; add it to ICONS with a bundled SVG")
    if theme_has_all():
        return QIcon.fromTheme(name)
    return bundled(name, role)


def from_theme(name: str) -> bool:
    """Whether `icon(name)` comes from the desktop's icon theme (else it is the bundled one)."""
    return name in ICONS and theme_has_all()


def pixmap(name: str, side: int, role: str | None = None, scale: float | None = None) -> QPixmap:
    """`icon(name)` as a side×side pixmap (for a label), sharp on a high-density screen."""
    if scale is None:
        screen = QGuiApplication.primaryScreen()
        scale = screen.devicePixelRatio() if screen is not None else 1.0
    return icon(name, role).pixmap(QSize(side, side), scale)


def png_bytes(name: str, side: int, role: str | None = None, scale: float = 2.0) -> bytes:
    """The icon as PNG bytes (rich text inlines it: the conversation's attachment mark)."""
    image = pixmap(name, side, role, scale).toImage()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def html_image(name: str, side: int = 16, role: str | None = None) -> str:
    """An `<img>` of the icon for Qt rich text, as a data URL (no resource to register or leak).
    Made once per colour: a conversation redraws it for every file, twice a second in an upload."""
    colour = theme.colour(role or DEFAULT_ROLES.get(name) or "text").rgba()
    return _html_image(name, side, role, colour, theme_has_all())


@lru_cache(maxsize=64)
def _html_image(name: str, side: int, role: str | None, _colour: int, _from_theme: bool) -> str:
    import base64

    encoded = base64.b64encode(png_bytes(name, side, role)).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" width="{side}" height="{side}" style="vertical-align: middle">'
