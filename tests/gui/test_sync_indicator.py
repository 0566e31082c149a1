"""The sync indicator counts down to the worker's next try on its own timer, from the status alone:
"Offline · trying again in 3 s", 2 s, 1 s, now; and shows no countdown when it is not news."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from casedesktop.sync.worker import SyncStatus
from casedesktop.ui.syncstatus.indicator import SyncIndicator, describe


def _offline(next_in: float | None, **fields) -> SyncStatus:  # noqa: ANN003
    fields = {"online": False, "offline_since": None, "waiting": 1, "failed": 0, "last_sync": None,
              "last_error": "Cannot reach the server.", "needs_sign_in": False, "syncing": False, **fields}
    at = None if next_in is None else time.monotonic() + next_in
    return SyncStatus(**fields, next_attempt_at=at)


def test_the_indicator_counts_down_to_the_next_try(qtbot) -> None:  # noqa: ANN001
    indicator = SyncIndicator()
    qtbot.addWidget(indicator)
    indicator.show()
    indicator.show_status(_offline(2.6))  # one status: every later text comes from the timer
    assert indicator.label.text() == "Offline · trying again in 3 s · 1 change waiting"
    shown: dict[str, float] = {}
    pattern = re.compile(r"^Offline · trying again (in \d+ s|now) · 1 change waiting$")

    def saw(text: str) -> bool:
        assert pattern.match(indicator.label.text()), indicator.label.text()
        shown.setdefault(indicator.label.text(), time.monotonic())
        return indicator.label.text() == text

    qtbot.waitUntil(lambda: saw("Offline · trying again in 2 s · 1 change waiting"), timeout=2_000)
    qtbot.waitUntil(lambda: saw("Offline · trying again in 1 s · 1 change waiting"), timeout=2_000)
    qtbot.waitUntil(lambda: saw("Offline · trying again now · 1 change waiting"), timeout=2_000)
    numbers = [int(m.group(1)) for text in shown if (m := re.search(r"in (\d+) s", text))]
    assert numbers == [3, 2, 1]  # one a second, none skipped
    seconds = list(shown.values())
    assert all(0.8 < later - earlier < 1.3 for earlier, later in zip(seconds[1:], seconds[2:], strict=False))
    assert indicator.dot.toolTip() == indicator.label.text()

    # A new status (the next probe failed) restarts the countdown; going online ends it.
    indicator.show_status(_offline(6.4))
    assert indicator.label.text() == "Offline · trying again in 7 s · 1 change waiting"
    indicator.show_status(_offline(30.0, online=True, last_error="", waiting=0))
    assert indicator.label.text() == "Online"
    qtbot.wait(1_100)
    assert indicator.label.text() == "Online"  # the regular poll is no news: no countdown


def test_the_countdown_is_shown_only_when_it_is_news() -> None:
    now = 1000.0
    since = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    offline = SyncStatus(False, since, 2, 0, None, "Cannot reach the server.", False, False,
                         next_attempt_at=now + 5.2)
    local = since.astimezone().strftime("%H:%M")
    assert describe(offline, now) == f"Offline since {local} · trying again in 6 s · 2 changes waiting"
    assert describe(offline, now + 5.2) == f"Offline since {local} · trying again now · 2 changes waiting"
    busy = SyncStatus(True, None, 1, 0, None, "The server is busy or failing (HTTP 503); will retry.", False,
                      False, next_attempt_at=now + 120.0)
    assert describe(busy, now) == "Online · trying again in 2 min · 1 change waiting"
    polling = SyncStatus(True, None, 0, 0, None, "", False, False, next_attempt_at=now + 30.0)
    assert describe(polling, now) == "Online"
    syncing = SyncStatus(False, since, 2, 0, None, "x", False, True, next_attempt_at=now + 3.0)
    assert "trying again" not in describe(syncing, now)
    signed_out = SyncStatus(True, None, 2, 0, None, "Sign in", True, False, next_attempt_at=now + 3.0)
    assert "trying again" not in describe(signed_out, now)


def test_a_sign_in_kept_only_in_memory_stays_said_in_the_indicator(qtbot) -> None:  # noqa: ANN001
    note = "No keychain is available to keep your sign-in, so it lasts only while this program runs."
    indicator = SyncIndicator()
    qtbot.addWidget(indicator)
    indicator.set_sign_in_note(note)
    for status in (SyncStatus(True, None, 0, 0, datetime.now(UTC), "", False, False),
                   SyncStatus(False, datetime.now(UTC), 1, 0, None, "Cannot reach the server.", False, False)):
        indicator.show_status(status)  # every pass keeps it: it holds as long as the program runs
        assert note in indicator.label.toolTip() and note in indicator.dot.toolTip()
        assert note in indicator.accessibleDescription()
    assert "Cannot reach the server." in indicator.label.toolTip()
    assert note not in indicator.label.text()  # quiet: not in the status line itself
