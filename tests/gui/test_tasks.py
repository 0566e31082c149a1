"""The one way off the GUI thread: results and errors come back on it, in order, and never to a
widget that has gone."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget

from casedesktop.ui.tasks import Lane, on_gui_thread, settle, writes


def _on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_work_runs_off_the_gui_thread_and_its_result_comes_back_on_it(qtbot) -> None:
    lane = Lane("test-lane")
    seen: dict[str, object] = {}

    def work(a: int, b: int) -> int:
        seen["worker_is_gui"] = _on_gui_thread()
        return a + b

    def done(result: int) -> None:
        seen["result"], seen["done_is_gui"] = result, _on_gui_thread()

    lane.run(work, 2, 3, done=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen == {"worker_is_gui": False, "result": 5, "done_is_gui": True}
    lane.shutdown()


def test_an_error_comes_back_to_failed_on_the_gui_thread(qtbot) -> None:
    lane = Lane("test-lane")
    seen: list[object] = []

    def boom() -> None:
        raise ValueError("no such case")

    lane.run(boom, done=lambda _: seen.append("done"), failed=lambda error: seen.append((error, _on_gui_thread())))
    qtbot.waitUntil(lambda: bool(seen))
    [(error, on_gui)] = seen
    assert isinstance(error, ValueError) and str(error) == "no such case" and on_gui
    lane.shutdown()


def test_an_error_without_a_handler_is_raised_on_the_gui_thread(qtbot) -> None:
    lane = Lane("test-lane")

    def boom() -> None:
        raise KeyError("lost")

    with qtbot.captureExceptions() as raised:
        lane.run(boom)
        qtbot.waitUntil(lambda: bool(raised))
    assert raised[0][0] is KeyError
    lane.shutdown()


def test_a_result_for_a_deleted_owner_or_a_cancelled_task_is_dropped(qtbot) -> None:
    lane = Lane("test-lane")
    gate = threading.Event()
    delivered: list[str] = []
    owner = QWidget()
    lane.run(gate.wait, done=lambda _: delivered.append("owner gone"), owner=owner)
    cancelled = lane.run(lambda: None, done=lambda _: delivered.append("cancelled"))
    cancelled.cancel()
    lane.run(lambda: None, done=lambda _: delivered.append("kept"))
    owner.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(owner))
    gate.set()
    qtbot.waitUntil(lambda: delivered == ["kept"])
    qtbot.wait(50)
    assert delivered == ["kept"]
    lane.shutdown()


def test_writes_keep_the_order_they_were_given(qtbot) -> None:
    order: list[int] = []
    delivered: list[int] = []
    for i in range(20):
        writes().run(order.append, i, done=lambda _, i=i: delivered.append(i))
    settle()
    assert order == list(range(20)) and delivered == list(range(20))


def test_a_callback_from_a_foreign_thread_runs_on_the_gui_thread_in_order(qtbot) -> None:
    seen: list[tuple[int, bool]] = []
    relay = on_gui_thread(lambda i: seen.append((i, _on_gui_thread())))
    thread = threading.Thread(target=lambda: [relay(i) for i in range(5)])
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(seen) == 5)
    assert seen == [(i, True) for i in range(5)]


def test_the_relay_is_made_on_the_gui_thread_only(qtbot) -> None:
    import casedesktop.ui.tasks as tasks

    errors: list[BaseException] = []
    saved, tasks._relay = tasks._relay, None
    try:
        def make() -> None:
            try:
                on_gui_thread(print)
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=make)
        thread.start()
        thread.join()
    finally:
        tasks._relay = saved
    assert errors and "GUI thread" in str(errors[0])


@pytest.fixture(autouse=True)
def _app(qapp) -> None:  # noqa: ANN001 - every test needs the QApplication the relay lives with
    return None
