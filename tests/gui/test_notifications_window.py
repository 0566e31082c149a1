"""Notifications in the window: news from others shown once per burst (through the tray where
there is one, else a banner above the list), a click opens the case, the setting switches them
off, the tray's badge counts unread cases, the status bar's message never draws over the sync
indicator, and screen readers hear notices and the sync state."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QAccessible, QImage
from PySide6.QtWidgets import QStatusBar, QSystemTrayIcon

from casedesktop.domain import Role
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import CaseRow, CommentRow
from casedesktop.sync.worker import SyncStatus
from casedesktop.ui import speech, theme
from casedesktop.ui.mainwindow.window import MainWindow, app_icon
from casedesktop.ui.preferences import NOTIFICATIONS_KEY
from casedesktop.ui.session import ProfileSession
from casedesktop.ui.syncstatus.news import Announcement
from casedesktop.ui.syncstatus.notifier import GATHER_MS, Notifier
from casedesktop.ui.syncstatus.tray import badge_icon, badge_pixmap, unread_tooltip
from casedesktop.ui.tasks import settle
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana Whitfield", Role.CUSTOMER)
T0 = datetime.now(UTC) - timedelta(hours=1)


def case_id(n: int) -> str:
    return str(uuid.UUID(int=n))


def staff_reply(db: CacheDB, n: int, body: str, minutes: int = 0) -> None:
    """A reply from support as a feed page stores it: the case marked unread."""
    with db.transaction() as session:
        session.add(CommentRow(id=str(uuid.uuid4()), case_id=case_id(n), author_name="Alex Moreno",
                               author_role="agent", kind="reply", body=body,
                               created_at=T0 + timedelta(minutes=minutes)))
        session.get(CaseRow, case_id(n)).unread = True


@pytest.fixture
def db(profile_dir) -> Iterator[CacheDB]:  # noqa: ANN001
    db = open_cache(profile_dir)
    seed_cases(db, 12)
    yield db
    db.close()


@pytest.fixture
def window(qtbot, db: CacheDB) -> Iterator[MainWindow]:  # noqa: ANN001
    main = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(main)
    main.resize(1366, 720)
    main.show()
    qtbot.waitExposed(main)
    main.sync_indicator.show_status(SyncStatus(True, None, 0, 0, datetime.now(UTC), "", False, False))
    yield main
    main.close()


@pytest.fixture
def spoken(monkeypatch) -> list[tuple[QAccessible.Event, object, str]]:  # noqa: ANN001
    """What the window hands to screen readers: (event type, widget, message or accessible name)."""
    heard: list[tuple[QAccessible.Event, object, str]] = []

    def record(event) -> None:  # noqa: ANN001
        text = event.message() if event.type() == QAccessible.Event.Announcement else event.object().accessibleName()
        heard.append((event.type(), event.object(), text))

    monkeypatch.setattr(speech, "send", record)
    return heard


def wait_for_notices(qtbot, notifier: Notifier, count: int) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: len(notifier.history) == count, timeout=5_000)


def test_a_reply_is_shown_above_the_list_and_opens_its_case(qtbot, window: MainWindow, db: CacheDB,
                                                           spoken, screenshot) -> None:  # noqa: ANN001
    staff_reply(db, 1004, "A fix ships in 5.3.\nMeanwhile use the landscape template.")
    window._notify(case_id(1004))  # what apply_changes does for a case with news from others
    wait_for_notices(qtbot, window.notifier, 1)
    banner = window.notifier.banner  # no system tray under Xvfb
    assert not QSystemTrayIcon.isSystemTrayAvailable() and window.notifier.tray is None
    assert banner.isVisible()
    assert banner.title.text() == "Support replied on CS-1004"
    assert banner.body.text() == "A fix ships in 5.3."
    assert (QAccessible.Event.Announcement, banner, "Support replied on CS-1004: A fix ships in 5.3.") in spoken
    # Above the list, clear of the status bar and its indicator.
    indicator = window.sync_indicator
    assert banner.mapTo(window, QPoint(0, 0)).y() < window.table.mapTo(window, QPoint(0, 0)).y()
    banner_box = QRect(banner.mapTo(window, QPoint(0, 0)), banner.size())
    assert not banner_box.intersects(QRect(indicator.mapTo(window, QPoint(0, 0)), indicator.size()))
    screenshot(window, "notice-in-window")

    qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)
    assert window.detail.case_id == case_id(1004)
    assert window.detail.tabs.currentIndex() == 1  # the conversation, where the reply is
    assert not banner.isVisible()


def test_opening_the_case_from_the_list_clears_its_notice(qtbot, window: MainWindow, db: CacheDB) -> None:  # noqa: ANN001
    staff_reply(db, 1001, "Fixed in 5.3.")
    window._notify(case_id(1001))
    wait_for_notices(qtbot, window.notifier, 1)
    banner = window.notifier.banner
    assert banner.isVisible() and banner.title.text() == "Support replied on CS-1001"
    window.select_case(case_id(1002))  # another case: the notice stays
    assert banner.isVisible()
    qtbot.waitUntil(lambda: window.model.row_of(case_id(1001)) >= 0)
    window.select_case(case_id(1001))  # the user opened it from the list
    assert window.detail.case_id == case_id(1001)
    assert not banner.isVisible()


def test_news_arriving_together_is_one_notice(qtbot, window: MainWindow, db: CacheDB) -> None:  # noqa: ANN001
    for minutes, n in enumerate((1002, 1005, 1009)):
        staff_reply(db, n, f"Reply on {n}", minutes)
    for n in (1002, 1005, 1009):
        window._notify(case_id(n))
    wait_for_notices(qtbot, window.notifier, 1)
    qtbot.wait(GATHER_MS + 200)
    settle()
    assert len(window.notifier.history) == 1  # one notice, not three
    note = window.notifier.history[0]
    assert note.title == "3 cases were updated"
    assert note.message == "CS-1009, CS-1005, CS-1002"
    banner = window.notifier.banner
    assert banner.open_button.text() == "&Show"
    qtbot.mouseClick(banner.open_button, Qt.MouseButton.LeftButton)
    assert window.detail.case_id == case_id(1009)  # the newest


def test_notifications_switched_off_show_nothing(qtbot, window: MainWindow, db: CacheDB) -> None:  # noqa: ANN001
    settings: QSettings = window.session.settings
    settings.setValue(NOTIFICATIONS_KEY, False)  # what the Settings dialog writes
    staff_reply(db, 1003, "Please send the log.")
    window._notify(case_id(1003))
    qtbot.wait(GATHER_MS + 300)
    settle()
    assert window.notifier.history == [] and not window.notifier.banner.isVisible()
    window.notifier.notify(case_id(1003), "Support replied on CS-1003", "Please send the log.")
    assert window.notifier.history == [] and not window.notifier.banner.isVisible()

    settings.setValue(NOTIFICATIONS_KEY, "true")  # read each time: on again at once
    window._notify(case_id(1003))
    wait_for_notices(qtbot, window.notifier, 1)
    assert window.notifier.banner.isVisible()


def test_the_tray_shows_the_notice_and_a_click_opens_the_case(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    notifier = Notifier(app_icon(), window.statusBar(), window, session=window.session, use_tray=True)
    shown: list[tuple[str, str]] = []
    notifier.tray.showMessage = lambda title, body, *_rest: shown.append((title, body))
    notifier.announce(Announcement("CS-1006 was resolved", "Rounding rule fixed", (case_id(1006),)))
    assert shown == [("CS-1006 was resolved", "Rounding rule fixed")]
    assert not notifier.banner.isVisible()  # the tray said it
    with qtbot.waitSignal(notifier.caseClicked) as clicked:
        notifier.tray.messageClicked.emit()
    assert clicked.args == [case_id(1006)]
    with qtbot.waitSignal(notifier.caseClicked) as clicked:
        notifier.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert clicked.args == [case_id(1006)]

    notifier.show_unread(3)
    assert notifier.tray.toolTip() == "CaseDesktop: 3 unread cases"
    badged = notifier.tray.icon().pixmap(64, 64).toImage()
    assert badged != app_icon().pixmap(64, 64).toImage()


def test_the_badge_is_painted_in_the_unread_colour() -> None:
    icon = app_icon()
    plain = badge_pixmap(icon, 64, 0).toImage()
    assert plain == icon.pixmap(64, 64).toImage()
    assert badge_icon(icon, 0) is icon
    image = badge_pixmap(icon, 64, 7).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    marker = theme.colour("unread_marker")
    near = [image.pixelColor(x, y) for x in range(40, 64) for y in range(0, 30)]
    assert any(abs(c.red() - marker.red()) + abs(c.green() - marker.green()) + abs(c.blue() - marker.blue()) < 12
               for c in near), "no badge in the unread colour at the top right"
    assert image.pixelColor(10, 54) == plain.convertToFormat(QImage.Format.Format_ARGB32).pixelColor(10, 54)
    assert badge_pixmap(icon, 64, 7).toImage() != badge_pixmap(icon, 64, 8).toImage()  # the number shows
    assert unread_tooltip(1) == "CaseDesktop: 1 unread case"
    assert unread_tooltip(0) == "CaseDesktop: no unread cases"


def test_the_unread_count_follows_the_list(qtbot, window: MainWindow, db: CacheDB) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.notifier.unread == 0)
    staff_reply(db, 1001, "One")
    staff_reply(db, 1007, "Two")
    window.controller.refresh()  # the list learns of the change (apply_changes does this)
    qtbot.waitUntil(lambda: window.notifier.unread == 2, timeout=5_000)
    assert window.notifier.tooltip == "CaseDesktop: 2 unread cases"
    window.select_case(case_id(1007))  # opening a case marks it read, on the write lane
    qtbot.waitUntil(lambda: window.notifier.unread == 1, timeout=5_000)


def test_a_long_status_message_never_draws_over_the_indicator(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    bar: QStatusBar = window.statusBar()
    indicator = window.sync_indicator
    bar.clearMessage()
    qtbot.wait(50)
    box = QRect(indicator.mapTo(bar, QPoint(0, 0)), indicator.size())
    left_of_it = QRect(box.left() - 200, box.top(), 200, box.height())
    before, before_left = bar.grab(box).toImage(), bar.grab(left_of_it).toImage()
    bar.showMessage("Case saved; sending it to support and then some more words " * 12)
    qtbot.wait(50)
    after = bar.grab(box).toImage()
    assert bar.grab(left_of_it).toImage() != before_left  # the message runs up to the indicator's slot...
    assert before == after  # ...and not one pixel of it inside
    assert box.left() > 0 and box.right() <= bar.width()


def test_screen_readers_hear_notices_and_the_sync_state(qtbot, window: MainWindow, spoken) -> None:  # noqa: ANN001
    window.statusBar().showMessage("Your case CS-1012 reached support.", 5000)
    assert (QAccessible.Event.Announcement, window.statusBar(), "Your case CS-1012 reached support.") in spoken

    indicator = window.sync_indicator
    assert indicator.accessibleName() == "Sync status"
    spoken.clear()
    offline = SyncStatus(False, None, 2, 0, None, "Cannot reach the server.", False, False,
                         next_attempt_at=time.monotonic() + 5.5)
    indicator.show_status(offline)
    assert indicator.accessibleDescription() == "Offline, trying again in 6 s, 2 changes waiting"
    assert "·" not in indicator.accessibleDescription()
    assert indicator.dot.accessibleName() == "Connection: Offline"
    assert (QAccessible.Event.NameChanged, indicator.dot, "Connection: Offline") in spoken
    assert any(kind == QAccessible.Event.DescriptionChanged and widget is indicator for kind, widget, _ in spoken)
    spoken.clear()
    qtbot.waitUntil(lambda: "in 5 s" in indicator.label.text(), timeout=2_000)  # a countdown tick
    assert spoken == []  # the same state: nothing to announce each second


def test_own_changes_and_the_first_sync_notify_nothing(qtbot, start_session, server_process) -> None:  # noqa: ANN001
    from casedesktop.store import local_changes
    from tests.support import Staff

    session = start_session()  # a new profile's first download: every case is history, not news
    window = session.window
    qtbot.wait(GATHER_MS + 300)
    settle()
    assert window.notifier.history == [] and not window.notifier.banner.isVisible()

    staff = Staff(server_process.url)
    mine = staff.case_by_subject("VAT return totals differ from the VAT report")
    _comment, changes = local_changes.add_comment(session.profile.db, session.profile.identity, mine["id"],
                                                  "Attached the VAT report as asked.")
    window.local_change(changes)  # the user's own reply, sent by the sync worker
    qtbot.waitUntil(lambda: window.sync_indicator.status.waiting == 0 and not window.sync_indicator.status.syncing,
                    timeout=15_000)
    window.sync_action.trigger()  # the feed brings the reply back: it is the user's own
    qtbot.wait(1_500)
    settle()
    assert window.notifier.history == []

    other = staff.case_by_subject("Invoice PDF export cuts off the last line item")
    staff.reply(other["id"], "Fixed in 5.3.")
    window.sync_action.trigger()
    wait_for_notices(qtbot, window.notifier, 1)
    assert window.notifier.history[0].case_ids == (other["id"],)  # only the reply from support
    session.stop()
    session.profile.close()
