"""Colours come from the palette: readable text in light, dark and high-contrast palettes, roles
recomputed when the palette changes, and no colour written into a ui/ module."""

from __future__ import annotations

import io
import re
import tokenize
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QStyleOptionFocusRect, QStyleOptionTab

from casedesktop.store.queries import AttachmentView
from casedesktop.ui import theme
from casedesktop.ui.case.thread import Message, ThreadFile
from casedesktop.ui.case.thread_widgets import MessageCard

UI = Path(theme.__file__).resolve().parent
TEXT_ROLES = ("text", "muted_text", "link", "error_text", "warning_text", "success_text", "overlay_text")


def _palette(window: str, text: str, base: str | None = None) -> QPalette:
    palette = QPalette(QColor(window))  # derives every role from the window colour, as Qt does
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(role, QColor(text))
    palette.setColor(QPalette.ColorRole.Base, QColor(base or window))
    return palette


# The default light palette comes from the running style; these stand for the desktops' others.
PALETTES = {
    "dark": theme.dark_palette,
    "high-contrast-dark": lambda: _palette("black", "white"),
    "high-contrast-light": lambda: _palette("white", "black"),
    "high-contrast-yellow": lambda: _palette("black", "yellow"),
    "solarized-like": lambda: _palette("darkslategray", "lightgray", "darkslategrey"),
    "mid-grey": lambda: _palette("gray", "black", "silver"),
}


@pytest.fixture(params=["light", *PALETTES])
def palette(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """Each palette set on the application in turn (the style's own light one first)."""
    before = QPalette(qapp.palette())
    if request.param != "light":
        qapp.setPalette(PALETTES[request.param]())
    yield request.param
    qapp.setPalette(before)


def _when() -> datetime:
    return datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _messages() -> list[Message]:
    file = AttachmentView(str(uuid.uuid4()), None, "bank.png", 2048, "0" * 64, "image/png", "Dana", _when(), "synced")
    return [
        Message("1", "You", "Dana Whitfield", True, False, False, _when(), "It still says Connected.",
                (ThreadFile(file, "image", False, ""),)),
        Message("2", "Support", "Alex Moreno", False, True, False, _when(), "Could you record it?"),
        Message("3", "Alex Moreno", "Alex Moreno", False, True, True, _when(), "Bank API outage?", pending=True),
    ]


def test_every_text_role_reads_on_base_and_window(palette: str) -> None:
    colours = theme.current()
    for role in TEXT_ROLES:
        for background in ("base", "window"):
            ratio = theme.contrast(getattr(colours, role), getattr(colours, background))
            assert ratio >= 4.5, f"{palette}: {role} on {background} has contrast {ratio:.2f}"
    assert theme.contrast(colours.critical_text, QApplication.palette().color(QPalette.ColorRole.Button)) >= 4.5
    assert theme.contrast(colours.recording_cue, colours.window) >= 4.5
    assert theme.contrast(colours.paused_cue, colours.window) >= 4.5
    assert theme.contrast(colours.video_text, colours.video_background) >= 4.5
    assert theme.contrast(colours.unread_marker, colours.base) >= 3.0


def test_the_conversation_reads_in_every_palette(palette: str, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    colours = theme.current()
    backgrounds = set()
    for message in _messages():
        card = MessageCard(message, tmp_path, lambda sha256: tmp_path / sha256)
        qtbot.addWidget(card)
        background = card.palette().color(QPalette.ColorRole.Window)
        backgrounds.add(background.name())
        for label in (card.body, card.tags):
            ratio = theme.contrast(label.palette().color(QPalette.ColorRole.WindowText), background)
            assert ratio >= 4.5, f"{palette}: {label.text()[:30]} on {background.name()}: {ratio:.2f}"
    assert len(backgrounds) == 3  # note, support and customer differ
    if palette != "light":
        assert "#fff4d6" not in backgrounds  # not the old fixed tints
    assert colours.base == QApplication.palette().color(QPalette.ColorRole.Base)


def test_error_labels_read_in_every_palette(palette: str, qtbot, profile_dir: Path) -> None:  # noqa: ANN001
    from casedesktop.domain import Role
    from casedesktop.store.database import open_cache
    from casedesktop.store.meta import Identity
    from casedesktop.ui.dialogs.new_case import NewCaseDialog
    from casedesktop.ui.session import ProfileSession

    db = open_cache(profile_dir)
    try:
        me = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)
        dialog = NewCaseDialog(ProfileSession.offline(db, me))
        qtbot.addWidget(dialog)
        dialog.subject.setText("x" * 300)  # too long: the form says what it cut
        dialog.create()  # no description: the form says so beside the field
        errors, notice = dialog.messages["description"], dialog.messages["subject"]
        assert errors.text() and notice.text()
        labels: list[QLabel] = [errors, notice, dialog.attachments.hint]
        for label in labels:
            foreground = label.palette().color(QPalette.ColorRole.WindowText)
            background = dialog.palette().color(QPalette.ColorRole.Window)
            assert theme.contrast(foreground, background) >= 4.5, f"{palette}: {label.accessibleName() or label.text()}"
        assert errors.palette().color(QPalette.ColorRole.WindowText) == theme.colour("error_text")
    finally:
        db.close()


def test_roles_are_recomputed_when_the_palette_changes(qapp: QApplication, qtbot) -> None:  # noqa: ANN001
    before = QPalette(qapp.palette())
    label = QLabel("Refused")
    qtbot.addWidget(label)
    theme.set_text_role(label, "error_text")
    light_error = theme.colour("error_text")
    try:
        with qtbot.waitSignal(theme.manager().changed, timeout=2000):
            qapp.setPalette(theme.dark_palette())
        assert theme.is_dark(qapp.palette())
        assert theme.colour("error_text") != light_error
        assert label.palette().color(QPalette.ColorRole.WindowText) == theme.colour("error_text")
        assert theme.contrast(theme.colour("error_text"), theme.colour("window")) >= 4.5
    finally:
        qapp.setPalette(before)
    assert theme.colour("error_text") == light_error  # a lookup is of the palette in force at once
    qtbot.waitUntil(lambda: label.palette().color(QPalette.ColorRole.WindowText) == light_error, timeout=2000)


def test_the_environment_picks_a_dark_palette(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    before, style = QPalette(qapp.palette()), qapp.style().name()
    monkeypatch.setenv(theme.SCHEME_ENV, "dark")
    try:
        theme.apply_scheme_from_environment(qapp)
        assert theme.is_dark(qapp.palette()) and theme.is_dark(QApplication.palette())
    finally:
        qapp.setStyle(style)
        qapp.setPalette(before)


def test_dark_fields_stand_out_and_keyboard_focus_shows(qapp: QApplication) -> None:
    """In the dark palette an empty text field is seen against its dialog, and the focus ring (on a
    tab bar, say) stands out from what is behind it instead of Fusion's faint line."""
    before, style = QPalette(qapp.palette()), qapp.style().name()
    try:
        theme.apply_scheme(qapp, "dark")
        palette = qapp.palette()
        window, base = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base)
        assert theme.contrast(base, window) >= 1.35
        assert isinstance(qapp.style(), theme.FocusRingStyle) and qapp.style().name() == style
        image = QImage(40, 20, QImage.Format.Format_RGB32)
        image.fill(window)
        option = QStyleOptionFocusRect()
        option.rect, option.palette = QRect(0, 0, 40, 20), palette
        option.state = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
        painter = QPainter(image)
        qapp.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter)
        painter.end()
        ring = QColor(image.pixel(20, 1))
        assert theme.contrast(ring, window) >= 3.0, ring.name()
        tab = QStyleOptionTab()  # a tab bar's focused tab: Fusion only tints its face
        tab.rect, tab.palette, tab.state, tab.text = QRect(0, 0, 80, 24), palette, option.state, "Details"
        image = QImage(80, 24, QImage.Format.Format_RGB32)
        image.fill(window)
        painter = QPainter(image)
        qapp.style().drawControl(QStyle.ControlElement.CE_TabBarTabShape, tab, painter)
        painter.end()
        ring = QColor(image.pixel(40, 3))
        assert theme.contrast(ring, window) >= 3.0, ring.name()
    finally:
        qapp.setStyle(style)
        qapp.setPalette(before)


def test_contrast_is_the_wcag_ratio() -> None:
    assert theme.contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert theme.contrast(QColor("white"), QColor("white")) == pytest.approx(1.0)
    assert theme.contrast(QColor(118, 118, 118), QColor("white")) == pytest.approx(4.54, abs=0.01)


HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\b")
NAMED_IN_STYLE = re.compile(r"(?:color|background)\s*:\s*(?!palette|rgba|\{)([a-z]+)", re.IGNORECASE)


def _string_tokens(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            yield token.start[0], token.string


def test_no_ui_module_writes_a_colour() -> None:
    found = []
    for path in sorted(UI.rglob("*.py")):
        for line, text in _string_tokens(path):
            if HEX_COLOUR.search(text) or NAMED_IN_STYLE.search(text):
                found.append(f"{path.relative_to(UI)}:{line}: {text.strip()[:80]}")
        if path.name != "theme.py":  # only the theme turns palettes into colours
            source = path.read_text(encoding="utf-8")
            for match in re.finditer(r"QColor\(\s*[\"'\d]|Qt\.GlobalColor\.(?!transparent)", source):
                found.append(f"{path.relative_to(UI)}:{source.count(chr(10), 0, match.start()) + 1}: {match.group()}")
    assert not found, "colours belong in ui/theme.py, derived from the palette:\n" + "\n".join(found)
