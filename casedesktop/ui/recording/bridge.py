"""Relays the recorder's events (from its capture and encoder threads) as a Qt signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from casedesktop.recording import RecorderEvent


class RecorderBridge(QObject):
    event = Signal(object)  # RecorderEvent, delivered on the GUI thread

    def publish(self, event: RecorderEvent) -> None:
        self.event.emit(event)
