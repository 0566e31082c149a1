"""What screen readers (Orca, NVDA, VoiceOver) hear without the user moving focus: a notice is
announced, and a status that changed says so, through Qt's accessibility events.

A label's text change alone is read only when the label has focus, which a status bar never has;
an announcement event is spoken wherever focus is (AT-SPI's Announcement, Qt 6.8 and later).
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QWidget


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Have screen readers say `text` now, on behalf of `widget` (a notice, the status bar)."""
    if not text:
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if assertive
                        else QAccessible.AnnouncementPoliteness.Polite)
    send(event)


def name_changed(widget: QWidget) -> None:
    """`widget`'s accessible name changed (a state shown by an icon): a reader on it re-reads it."""
    send(QAccessibleEvent(widget, QAccessible.Event.NameChanged))


def description_changed(widget: QWidget) -> None:
    send(QAccessibleEvent(widget, QAccessible.Event.DescriptionChanged))


def send(event: QAccessibleEvent) -> None:
    """The one door to the platform's accessibility bridge. Only while a reader listens: the update
    makes and caches an accessible interface for the widget even when none does, and such an
    interface made for a widget on its way out has crashed the process later."""
    if QAccessible.isActive():
        QAccessible.updateAccessibility(event)
