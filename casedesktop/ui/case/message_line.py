"""Message lines in the case pane (a refusal, a download's state) wrap inside their width.

A long message must not widen the case pane: the splitter would move and the list lose columns.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy


def wrap_message(label: QLabel) -> QLabel:
    """Let `label` wrap in the width it is given and never ask for more."""
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(0)
    return label
