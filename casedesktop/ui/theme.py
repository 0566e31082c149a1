"""Every colour the UI paints, derived from the application palette.

A fixed colour is right for one palette only: dark text on a pale tint is unreadable once the
desktop switches to a dark or high-contrast theme. So no widget names a colour; it asks for a role
(`colour("error_text")`, `css("internal_note_background")`), and the roles are computed here from
the `QPalette` in force:

- tinted backgrounds blend the palette's Base with a hue (a little more on a dark Base, where a
  faint tint does not show);
- coloured text starts from the hue and moves its lightness away from the background until the WCAG
  contrast ratio reaches 4.5, so it stays readable whatever the palette;
- text on a tinted background is the palette's Text when that is readable there, else black or
  white, whichever contrasts more.

The roles are recomputed when the application's palette or colour scheme changes, and `changed`
tells whoever painted with them (`follow`, `set_text_role`). `CASEDESKTOP_COLOR_SCHEME=dark`
(or `light`) sets a palette of that scheme at start (`apply_scheme_from_environment`), for looking
at the window in dark mode where the platform has no dark theme of its own; otherwise the scheme
chosen in Settings (`apply_scheme`, at start and at once when it is changed).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

SCHEME_ENV = "CASEDESKTOP_COLOR_SCHEME"
MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA for body text
MIN_MARK_CONTRAST = 3.0  # WCAG 2 AA for graphics (the unread dot)

# Hues in degrees: the meaning of a colour, not the colour itself (the palette decides that).
RED, AMBER, GREEN, BLUE = 4, 38, 140, 216

Role = QPalette.ColorRole


@dataclass(frozen=True)
class Colours:
    """The named colours of one palette; see the module docstring for how each is derived."""

    text: QColor
    base: QColor
    window: QColor
    window_text: QColor
    muted_text: QColor  # hints and secondary lines: quieter than text, still readable on base
    link: QColor
    error_text: QColor
    warning_text: QColor
    success_text: QColor
    error_background: QColor
    warning_background: QColor
    internal_note_background: QColor  # staff-only notes: amber, as a sticky note
    support_message_background: QColor  # replies by support staff
    customer_message_background: QColor  # replies by the customer's side
    message_text: QColor  # readable on every message background
    unread_marker: QColor  # the dot beside a case with news
    critical_text: QColor  # the Critical card, on a button
    recording_cue: QColor  # the blinking REC on the recording bar (on window)
    recording_cue_dim: QColor  # the cue's off phase of the blink
    paused_cue: QColor
    overlay_background: QColor  # the countdown's box over whatever the screen shows
    overlay_text: QColor
    screen_dim: QColor  # the veil over the screen while a region is drawn
    video_background: QColor  # behind the recording preview's picture (letterbox)
    video_text: QColor


ROLE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Colours))


# --- colour arithmetic --------------------------------------------------------------------------

def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance (0 black .. 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1 (none) .. 21 (black on white)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def blend(a: QColor, b: QColor, amount: float) -> QColor:
    """`a` moved `amount` (0..1) of the way towards `b`, channel by channel."""
    return QColor.fromRgbF(*(x + (y - x) * amount for x, y in zip(
        (a.redF(), a.greenF(), a.blueF(), a.alphaF()), (b.redF(), b.greenF(), b.blueF(), b.alphaF()), strict=True)))


def is_dark(palette: QPalette) -> bool:
    """A dark palette is one whose Base is darker than its Text."""
    return luminance(palette.color(Role.Base)) < luminance(palette.color(Role.Text))


def black_or_white(background: QColor) -> QColor:
    """Whichever of black and white reads better on `background`."""
    black, white = QColor(Qt.GlobalColor.black), QColor(Qt.GlobalColor.white)
    return black if contrast(black, background) >= contrast(white, background) else white


def readable(colour: QColor, *backgrounds: QColor, minimum: float = MIN_TEXT_CONTRAST) -> QColor:
    """`colour`, made lighter on dark backgrounds or darker on light ones until its contrast with
    every one of `backgrounds` reaches `minimum` (keeping its hue); black or white if none does."""

    def enough(candidate: QColor) -> bool:
        return all(contrast(candidate, b) >= minimum for b in backgrounds)

    if enough(colour):
        return colour
    white, black = QColor(Qt.GlobalColor.white), QColor(Qt.GlobalColor.black)
    lighter = min(contrast(white, b) for b in backgrounds) > min(contrast(black, b) for b in backgrounds)
    hue, saturation, lightness = colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF()
    for step in range(1, 41):
        value = min(1.0, lightness + step * 0.025) if lighter else max(0.0, lightness - step * 0.025)
        candidate = QColor.fromHslF(max(hue, 0.0), saturation, value)
        if enough(candidate):
            return candidate
    return white if lighter else black


def text_on(background: QColor, preferred: QColor) -> QColor:
    """`preferred` when it reads well on `background`, else black or white."""
    return preferred if contrast(preferred, background) >= MIN_TEXT_CONTRAST else black_or_white(background)


def _hue(degrees: int, dark: bool, saturation: float = 0.75) -> QColor:
    """A mid-tone of the hue, lighter for a dark palette; `readable` then fits it to its background."""
    return QColor.fromHslF(degrees / 360, saturation, 0.62 if dark else 0.42)


def _tint(base: QColor, degrees: int, dark: bool) -> QColor:
    return blend(base, QColor.fromHslF(degrees / 360, 0.7, 0.5), 0.18 if dark else 0.14)


def derive(palette: QPalette) -> Colours:
    """The named colours of `palette`."""
    dark = is_dark(palette)
    text, base = palette.color(Role.Text), palette.color(Role.Base)
    window, window_text = palette.color(Role.Window), palette.color(Role.WindowText)
    button = palette.color(Role.Button)
    note = _tint(base, AMBER, dark)
    support = _tint(base, BLUE, dark)
    customer = _tint(base, GREEN, dark)
    # One text colour for all three, so a conversation reads evenly: the palette's Text if it is
    # readable on each, else black or white chosen against the least favourable of them.
    message_text = text if all(contrast(text, b) >= MIN_TEXT_CONTRAST for b in (note, support, customer)) \
        else black_or_white(min((note, support, customer), key=lambda b: contrast(text, b)))
    recording = readable(_hue(RED, dark, 0.9), window)
    # The darkest colour the palette has (black in most): behind video, and the veil over the screen.
    darkest = min((palette.color(r) for r in (Role.Shadow, Role.Dark, Role.Text, Role.Base)), key=luminance)
    veil = QColor(darkest)
    veil.setAlpha(90)
    overlay = QColor(window)
    overlay.setAlpha(230)
    return Colours(
        text=text,
        base=base,
        window=window,
        window_text=window_text,
        muted_text=readable(blend(text, base, 0.4), base, window),
        link=readable(palette.color(Role.Link), base, window),
        error_text=readable(_hue(RED, dark), base, window),
        warning_text=readable(_hue(AMBER, dark, 0.9), base, window),
        success_text=readable(_hue(GREEN, dark, 0.6), base, window),
        error_background=_tint(base, RED, dark),
        warning_background=note,
        internal_note_background=note,
        support_message_background=support,
        customer_message_background=customer,
        message_text=message_text,
        unread_marker=readable(_hue(BLUE, dark, 0.9), base, minimum=MIN_MARK_CONTRAST),
        critical_text=readable(_hue(RED, dark), button),
        recording_cue=recording,
        recording_cue_dim=blend(recording, window, 0.65),
        paused_cue=readable(_hue(AMBER, dark, 0.9), window),
        overlay_background=overlay,
        overlay_text=text_on(window, window_text),
        screen_dim=veil,
        video_background=darkest,
        video_text=text_on(darkest, window_text if dark else window),
    )


def css_colour(colour: QColor) -> str:
    """A colour as style sheets and Qt's rich text take it."""
    if colour.alpha() == 255:
        return colour.name(QColor.NameFormat.HexRgb)
    return f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})"


# --- the palette in force -----------------------------------------------------------------------

class _PaletteWatcher(QWidget):
    """Never shown: Qt tells every widget when the application's palette changes, so one widget
    hears it without an event filter on the whole application (which would see every event)."""

    def __init__(self, changed: Callable[[], None]):
        super().__init__()
        self.setObjectName("casedesktop-palette-watcher")
        self._changed = changed

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self._changed()
        return super().event(event)


class ThemeManager(QObject):
    """Holds the colours of the application's palette and says when they change.

    A lookup is always of the palette in force (a changed palette has a new cache key, so it is
    derived again at once); `changed` follows when Qt announces the change to widgets, which it
    does a moment later, with the event loop.
    """

    changed = Signal()

    def __init__(self, app: QGuiApplication):
        super().__init__(app)
        self._app = app
        self._key = app.palette().cacheKey()
        self._colours = self._announced = derive(app.palette())
        self._watcher = _PaletteWatcher(self.refresh)
        app.styleHints().colorSchemeChanged.connect(self._scheme_changed)

    @property
    def colours(self) -> Colours:
        palette = self._app.palette()
        if palette.cacheKey() != self._key:
            self._key, self._colours = palette.cacheKey(), derive(palette)
        return self._colours

    def _scheme_changed(self) -> None:
        # The platform switches its colour scheme first and its palette a moment later.
        QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        """The palette changed: `changed` if any colour differs from those last announced."""
        colours = self.colours
        if colours != self._announced:
            self._announced = colours
            self.changed.emit()


_manager: ThemeManager | None = None


def manager() -> ThemeManager:
    """The application's theme manager (made on first use; a QApplication must exist)."""
    global _manager
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeError("the theme needs a QApplication")
    if _manager is None or not shiboken6.isValid(_manager):
        _manager = ThemeManager(app)
    return _manager


def current() -> Colours:
    return manager().colours


def colour(role: str) -> QColor:
    """The colour of `role` (a field name of `Colours`) in the palette now in force."""
    return QColor(getattr(current(), role))


def css(role: str) -> str:
    """The colour of `role` for a style sheet or rich text."""
    return css_colour(getattr(current(), role))


# Whatever re-applies colours is a child QObject of the widget it paints and holds no strong
# reference back to it: a child whose Python side kept its parent alive would make a reference
# cycle, which Python's garbage collector may break at any moment, deleting a widget in the middle
# of one of its own events (a crash seen with the recording countdown).

class _Follower(QObject):
    """Calls a method of its parent after every theme change, for as long as the parent lives."""

    def __init__(self, parent: QObject, method: Callable[[], None]):
        super().__init__(parent)
        self._method = weakref.WeakMethod(method)
        manager().changed.connect(self.apply)

    def apply(self) -> None:
        method = self._method()
        if method is not None:
            method()


def follow(method: Callable[[], None]) -> None:
    """Call `method` (a bound method of a QObject) now and after every theme change, until its
    object is destroyed: for colours a widget paints itself (style sheets, pixmaps)."""
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, QObject):
        raise TypeError("follow() takes a bound method of a QObject (a closure would keep it alive)")
    method()
    _Follower(owner, method)


class _TextRole(QObject):
    """Keeps its parent widget's text in a theme role."""

    def __init__(self, widget: QWidget, role: str):
        super().__init__(widget)
        self._role = role
        manager().changed.connect(self.apply)
        self.apply()

    def apply(self) -> None:
        widget = self.parent()
        if isinstance(widget, QWidget):
            palette = widget.palette()
            for palette_role in (Role.WindowText, Role.Text, Role.ButtonText):
                palette.setColor(palette_role, colour(self._role))
            widget.setPalette(palette)


def set_text_role(widget: QWidget, role: str) -> None:
    """Paint `widget`'s text in `role` through its palette (not a style sheet, which would cut it
    off from the palette), and keep it so when the theme changes."""
    for old in widget.findChildren(_TextRole, options=Qt.FindChildOption.FindDirectChildrenOnly):
        old.setParent(None)
        old.deleteLater()
    _TextRole(widget, role)


# --- a palette for a scheme the platform does not offer ------------------------------------------

def dark_palette() -> QPalette:
    """A dark palette built from a few greys and the system's highlight hue (Fusion draws it well).
    Text fields (Base) are clearly darker than the dialog around them (Window), as a light palette
    has them clearly lighter: with only a few per cent between the two an empty field vanishes."""
    grey = [QColor.fromHslF(0, 0, lightness) for lightness in (0.07, 0.11, 0.21, 0.26, 0.45, 0.60, 0.92)]
    darkest, base, window, button, mid, disabled, light_text = grey
    palette = QPalette()
    for role, value in ((Role.Window, window), (Role.WindowText, light_text), (Role.Base, base),
                        (Role.AlternateBase, blend(base, window, 0.5)), (Role.ToolTipBase, button),
                        (Role.ToolTipText, light_text), (Role.PlaceholderText, disabled), (Role.Text, light_text),
                        (Role.Button, button), (Role.ButtonText, light_text), (Role.BrightText, light_text),
                        (Role.Light, mid), (Role.Midlight, blend(button, mid, 0.5)), (Role.Mid, blend(button, darkest, 0.5)),
                        (Role.Dark, darkest), (Role.Shadow, QColor(Qt.GlobalColor.black)),
                        (Role.Highlight, QColor.fromHslF(BLUE / 360, 0.6, 0.45)),
                        (Role.HighlightedText, light_text), (Role.Link, QColor.fromHslF(BLUE / 360, 0.9, 0.7)),
                        (Role.LinkVisited, QColor.fromHslF(280 / 360, 0.6, 0.75))):
        palette.setColor(role, value)
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def focus_colour(palette: QPalette) -> QColor:
    """The keyboard focus ring: the Highlight hue, lightened or darkened until it stands out from
    the Window and Button behind it (WCAG's 3:1 for something that must be seen)."""
    return readable(palette.color(Role.Highlight), palette.color(Role.Window), palette.color(Role.Button),
                    minimum=MIN_MARK_CONTRAST)


class FocusRingStyle(QProxyStyle):
    """The application's style with a focus ring that can be seen: Fusion draws keyboard focus (on
    tab bars, check boxes, list rows) as a faint line of Highlight at a third of its opacity,
    which on a dark palette is all but invisible. Everything else is the style's own."""

    def name(self) -> str:
        return self.baseStyle().name()  # "fusion": code that picks by the style's name sees the style

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802
                      painter: QPainter, widget: QWidget | None = None) -> None:
        if element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            if _keyboard_focus(option):  # as Fusion: no ring after a click, only when the keys moved it
                _draw_ring(painter, QRectF(option.rect).adjusted(1, 1, -1, -1), option.palette)
            return
        super().drawPrimitive(element, option, painter, widget)

    def drawControl(self, element: QStyle.ControlElement, option: QStyleOption,  # noqa: N802
                    painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawControl(element, option, painter, widget)
        if element == QStyle.ControlElement.CE_TabBarTabShape and _keyboard_focus(option):
            # Fusion marks the focused tab only by a faint tint of its face.
            _draw_ring(painter, QRectF(option.rect).adjusted(3, 3, -3, -2), option.palette)


def _keyboard_focus(option: QStyleOption) -> bool:
    wanted = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
    return option.state & wanted == wanted


def _draw_ring(painter: QPainter, rect: QRectF, palette: QPalette) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(focus_colour(palette), 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, 2, 2)
    painter.restore()


def _use_focus_ring(app: QApplication) -> None:
    if not isinstance(app.style(), FocusRingStyle):
        app.setStyle(FocusRingStyle(app.style().name()))


SCHEMES = ("system", "light", "dark")


def environment_scheme() -> str | None:
    """`CASEDESKTOP_COLOR_SCHEME` ("dark" or "light"), if set: it wins over the saved setting, so a
    screenshot or a bug report can be made in either scheme without touching the profile."""
    wanted = os.environ.get(SCHEME_ENV, "").strip().lower()
    return wanted if wanted in ("dark", "light") else None


def apply_scheme(app: QApplication, scheme: str) -> None:
    """Use the palette of `scheme` ("system", "light" or "dark") now; every widget that paints
    with theme roles follows at once (`ThemeManager.changed`)."""
    if scheme == "dark":
        _use_focus_ring(app)
        app.setPalette(dark_palette())
    elif scheme == "light":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(QPalette())  # an empty palette resolves to the platform's own again
    manager().refresh()


def apply_scheme_from_environment(app: QApplication, saved: str = "system") -> None:
    """The scheme at start: `CASEDESKTOP_COLOR_SCHEME` if set, else `saved` (the Settings choice).
    The platform's own palette ("system") is left alone."""
    wanted = environment_scheme() or saved
    if wanted in ("dark", "light"):
        apply_scheme(app, wanted)


# --- marks drawn on a screenshot -----------------------------------------------------------------
# A mark becomes part of the picture the vendor opens, so it cannot follow the sender's palette:
# these are fixed colours, the same in every theme (the editor's own chrome still uses the roles).

def markup_colours() -> dict[str, QColor]:
    """The colours offered for arrows, frames and text, by name; the first is the default."""
    return {
        "red": QColor.fromHslF(RED / 360, 0.9, 0.5),
        "blue": QColor.fromHslF(BLUE / 360, 0.9, 0.45),
        "green": QColor.fromHslF(GREEN / 360, 0.8, 0.35),
        "black": QColor(Qt.GlobalColor.black),
        "white": QColor(Qt.GlobalColor.white),
    }


def highlighter_colour() -> QColor:
    """A marker's yellow, translucent so the text under it stays readable."""
    return QColor.fromHslF(54 / 360, 1.0, 0.5, 0.45)


def redaction_colour() -> QColor:
    """What a redacted area becomes: solid black, nothing of what was there."""
    return QColor(Qt.GlobalColor.black)
