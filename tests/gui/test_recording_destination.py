"""Record from the toolbar: the window asks where the video goes (the open case, or a new case),
offers the open case only when it takes replies, and the answer decides where Attach puts it."""

from __future__ import annotations

import uuid
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from casedesktop.domain import Role
from casedesktop.recording import RecordingResult
from casedesktop.store.database import open_cache
from casedesktop.store.meta import Identity
from casedesktop.ui.dialogs.new_case import NewCaseDialog
from casedesktop.ui.mainwindow.window import MainWindow
from casedesktop.ui.recording.flow import RecordingFlow
from casedesktop.ui.session import ProfileSession
from tests.support import seed_cases

ME = Identity("http://127.0.0.1:9", str(uuid.uuid4()), "dana@northwind.example", "Dana", Role.CUSTOMER)
OPEN, OTHER, CLOSED = (str(uuid.UUID(int=n)) for n in (1002, 1003, 1006))  # seed_cases' statuses


@pytest.fixture
def window(qtbot, profile_dir: Path, monkeypatch):  # noqa: ANN001
    db = open_cache(profile_dir)
    seed_cases(db, 6)
    main = MainWindow(ProfileSession.offline(db, ME))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.started = []  # flows the Record action started; the capture itself is tested elsewhere
    monkeypatch.setattr(RecordingFlow, "begin", lambda flow, target=None: main.started.append(flow))
    yield main
    main.close()
    db.close()


def recorded_video(folder: Path) -> RecordingResult:
    """A real recording-sized file, as the flow hands it to the preview."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"recording-{uuid.uuid4().hex[:8]}.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.time_base = Fraction(1, 10)
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 50 * i, np.uint8), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return RecordingResult(path=path, duration_s=0.5, frames_encoded=5, frames_dropped=0,
                           bytes=path.stat().st_size, stop_reason="user", width=160, height=120)


def show_case(qtbot, window: MainWindow, case_id: str) -> None:  # noqa: ANN001
    window.select_case(case_id)
    qtbot.waitUntil(lambda: window.detail.case_id == case_id, timeout=5000)


def attach_in_preview(qtbot, window: MainWindow) -> Path:  # noqa: ANN001
    """Finish the started flow as the user would: a recording comes to the preview, then Attach."""
    flow = window.started[-1]
    result = recorded_video(window.profile_dir / "recordings")
    flow.review(result)
    qtbot.waitExposed(flow.preview)
    with qtbot.waitSignal(flow.ended, timeout=5000):
        flow.preview.attach_button.click()
    return Path(result.path)


def test_the_open_case_or_a_new_case_is_asked_and_the_video_goes_there(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    show_case(qtbot, window, OPEN)
    window.record_action.trigger()
    question = window.recording_question
    assert question is not None and question.isVisible()
    assert question.case_button.text() == "Attach to CS-1002 (the open case)"
    assert question.new_case_button.text() == "Start a new case with it"
    question.case_button.click()
    flow = window.started[-1]
    assert flow.destination.startswith("CS-1002: Case 1002")

    show_case(qtbot, window, OTHER)  # the user looks at another case while recording
    video = attach_in_preview(qtbot, window)
    assert "Will be attached to CS-1002: Case 1002" in window.started[-1].preview.destination.text()
    assert window.detail.case_id == OPEN  # it went to the case chosen, opened again
    assert [f.filename for f in window.detail.reply.files.files()] == [video.name]
    assert window.recording is None

    window.record_action.trigger()
    window.recording_question.new_case_button.click()
    assert window.started[-1].destination == ""
    video = attach_in_preview(qtbot, window)
    assert window.started[-1].preview.destination.text() == "Will be attached to your new case"
    dialog = window.findChild(NewCaseDialog)
    assert dialog is not None and dialog.isVisible()
    assert [f.filename for f in dialog.attachments.files()] == [video.name]
    dialog.reject()


def test_cancel_records_nothing(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    show_case(qtbot, window, OPEN)
    window.record_action.trigger()
    window.recording_question.cancel_button.click()
    qtbot.waitUntil(lambda: window.recording_question is None, timeout=2000)
    assert window.started == [] and window.recording is None


def test_a_closed_case_is_not_offered_and_the_question_says_why(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    show_case(qtbot, window, CLOSED)
    window.record_action.trigger()
    question = window.recording_question
    assert question is not None and question.isVisible()
    assert not question.case_button.isEnabled()
    assert question.case_label.text() == "CS-1006 is closed, so the recording will start a new case."
    question.new_case_button.click()
    assert len(window.started) == 1 and window.started[0].destination == ""
