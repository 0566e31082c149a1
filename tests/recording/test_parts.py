"""The pure parts of recording: settings, geometry, queue bounds, size budget, cursor, formats."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from casedesktop.recording.cursor import draw_arrow
from casedesktop.recording.encoder import FrameConverter
from casedesktop.recording.events import RecordingError
from casedesktop.recording.formats import CODECS, container_for
from casedesktop.recording.framequeue import CapturedFrame, FrameQueue
from casedesktop.recording.geometry import (
    CaptureArea,
    blackout_slices,
    output_size,
    resolve_area,
    screen_to_region,
)
from casedesktop.recording.limits import SizeBudget
from casedesktop.recording.settings import RecordingSettings, Rect

MONITORS = [
    {"left": 0, "top": 0, "width": 3840, "height": 1080},
    {"left": 0, "top": 0, "width": 1920, "height": 1080},
    {"left": 1920, "top": 0, "width": 1920, "height": 1080},
]


def test_defaults_fit_the_attachment_limit_and_are_valid() -> None:
    s = RecordingSettings()
    assert (s.fps, s.max_width, s.codec, s.max_seconds) == (15, 1920, "h264", 600)
    assert (s.effective_preset, s.effective_crf) == ("veryfast", 28)
    assert s.max_bytes == 40 * 1024 * 1024
    assert s.max_frames == 9000


def test_h264_is_low_latency_and_the_queue_holds_a_few_1080p_frames() -> None:
    spec = CODECS["h264"]
    options = spec.options(spec.preset, spec.crf)
    # no lookahead or B-frames: they held ~120 MB of frames inside x264 and cost CPU
    assert options == {"preset": "veryfast", "crf": "28", "tune": "zerolatency"}
    assert spec.threads == 2
    s = RecordingSettings()
    yuv_1080p, bgra_1080p = 1920 * 1080 * 3 // 2, 1920 * 1080 * 4
    assert bgra_1080p <= 4 * yuv_1080p <= s.queue_max_bytes <= 6 * yuv_1080p


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fps": 0},
        {"fps": 31},
        {"codec": "mpeg2"},
        {"crf": 60},
        {"max_seconds": 0},
        {"max_bytes": 1000},
        {"queue_max_frames": 0},
        {"monitor": -1},
        {"region": (0, 0, 0, 10)},
        {"blackouts": [(0, 0, 10, -1)]},
    ],
)
def test_settings_reject_values_that_cannot_work(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RecordingSettings(**kwargs)


def test_settings_accept_plain_tuples() -> None:
    s = RecordingSettings(region=(1, 2, 30, 40), blackouts=[(0, 0, 5, 5)])
    assert s.region == Rect(1, 2, 30, 40) and s.blackouts == (Rect(0, 0, 5, 5),)


def test_rect_parse() -> None:
    assert Rect.parse("10, 20,300,200") == Rect(10, 20, 300, 200)
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,10"):
        with pytest.raises(ValueError):
            Rect.parse(bad)


@pytest.mark.parametrize(
    ("size", "max_width", "expected"),
    [
        ((1920, 1080), 1920, (1920, 1080)),
        ((2560, 1440), 1920, (1920, 1080)),
        ((2560, 1000), 1920, (1920, 750)),
        ((3840, 1080), 1920, (1920, 540)),
        ((801, 601), 1920, (800, 600)),
        ((1000, 333), 640, (640, 212)),
    ],
)
def test_output_size_scales_down_keeping_aspect_with_even_sides(size, max_width, expected) -> None:
    assert output_size(*size, max_width) == expected


def test_area_from_monitor_number() -> None:
    assert resolve_area(MONITORS, RecordingSettings(monitor=2)).rect == Rect(1920, 0, 1920, 1080)
    assert resolve_area(MONITORS, RecordingSettings(monitor=0)).rect == Rect(0, 0, 3840, 1080)
    with pytest.raises(RecordingError, match="Monitor 3 does not exist"):
        resolve_area(MONITORS, RecordingSettings(monitor=3))


def test_area_from_region_is_clipped_to_the_screen_and_even() -> None:
    area = resolve_area(MONITORS, RecordingSettings(region=(-10, 5, 101, 51)))
    assert area.rect == Rect(0, 5, 90, 50)
    assert (area.offset_x, area.offset_y) == (10, 0)
    with pytest.raises(RecordingError, match="outside the screen"):
        resolve_area(MONITORS, RecordingSettings(region=(5000, 0, 100, 100)))
    with pytest.raises(RecordingError, match=r"too small to record: on the screen it is 10x10 pixels"):
        resolve_area(MONITORS, RecordingSettings(region=(100, 100, 10, 10)))


def test_a_still_picture_keeps_every_pixel_asked_for() -> None:
    assert resolve_area(MONITORS, RecordingSettings(region=(-10, 5, 101, 51)), video=False).rect == Rect(0, 5, 91, 51)
    assert resolve_area(MONITORS, RecordingSettings(region=(100, 100, 3, 1)), video=False).rect == Rect(100, 100, 3, 1)
    odd = [{"left": 0, "top": 0, "width": 1366, "height": 768}, {"left": 0, "top": 0, "width": 683, "height": 767}]
    assert resolve_area(odd, RecordingSettings(monitor=1), video=False).rect == Rect(0, 0, 683, 767)
    assert resolve_area(odd, RecordingSettings(monitor=1)).rect == Rect(0, 0, 682, 766)  # a video's sides are even


def test_blackouts_follow_clipping_and_pixel_scale() -> None:
    area = CaptureArea(Rect(0, 0, 100, 100), offset_x=10, offset_y=0)
    assert blackout_slices([Rect(20, 30, 10, 10)], area, 100, 100) == [
        (slice(30, 40), slice(10, 20))
    ]
    # a Retina frame has 2 pixels per screen unit; rects outside the frame vanish
    area = CaptureArea(Rect(0, 0, 100, 100))
    slices = blackout_slices([Rect(10, 10, 5, 5), Rect(500, 0, 5, 5)], area, 200, 200)
    assert slices == [(slice(20, 30), slice(20, 30))]


def test_screen_areas_to_hide_land_where_they_are_on_the_screen() -> None:
    """A window over the recorded area (screen coordinates) is blacked out where it shows, also
    when the region was clipped at the screen's edge."""
    area = resolve_area(MONITORS, RecordingSettings(region=(-10, 100, 210, 200)))
    assert area.rect == Rect(0, 100, 200, 200)
    hidden = screen_to_region([Rect(50, 150, 30, 20)], area)
    assert hidden == [Rect(60, 50, 30, 20)]  # region coordinates: from (-10, 100)
    assert blackout_slices(hidden, area, 200, 200) == [(slice(50, 70), slice(50, 80))]


def frame(pts: int, nbytes: int = 400) -> CapturedFrame:
    return CapturedFrame(pts, np.zeros((nbytes // 4, 1, 4), np.uint8))


def test_queue_is_bounded_by_frames_and_by_bytes() -> None:
    q = FrameQueue(max_frames=3, max_bytes=10_000)
    assert [q.offer(frame(i)) for i in range(5)] == [True, True, True, False, False]
    assert q.peak_frames == 3
    q = FrameQueue(max_frames=100, max_bytes=1000)
    assert [q.offer(frame(i)) for i in range(4)] == [True, True, False, False]
    assert q.peak_bytes == 800
    assert q.get(0).pts == 0 and q.offer(frame(9))


def test_queue_says_whether_it_has_room_before_the_producer_does_any_work() -> None:
    q = FrameQueue(max_frames=2, max_bytes=1000)
    assert q.has_room(5000)  # empty: takes any one frame
    assert q.offer(frame(0)) and q.has_room(400) and not q.has_room(700)
    assert q.offer(frame(1)) and not q.has_room(4)  # full by frames
    q.get(0)
    assert q.has_room(400)
    q.close()
    assert not q.has_room(4)


def test_converted_frames_are_yuv420p_bt709_and_counted_at_their_size() -> None:
    convert = FrameConverter(64, 48)
    white = np.full((96, 128, 4), 255, np.uint8)  # scaled down to the output size
    black = np.zeros((48, 64, 4), np.uint8)
    for image, luma in ((white, 235), (black, 16), (white, 235)):  # one converter, reused
        out = convert(image)
        assert (out.width, out.height, out.format.name) == (64, 48, "yuv420p")
        y = out.to_ndarray()[:48]
        assert abs(int(y.mean()) - luma) <= 1  # limited range, as players expect
    item = CapturedFrame(0, out)
    assert item.nbytes >= 64 * 48 * 3 // 2
    assert item.nbytes < CapturedFrame(0, black).nbytes


def test_the_record_command_loads_neither_the_cache_nor_the_sync_layer() -> None:
    code = (
        "import sys, casedesktop.cli as cli, casedesktop.recording; "
        "cli.build_parser().parse_args(['record', '--out', 'x.mp4']); "
        "heavy = sorted(m for m in ('sqlalchemy', 'requests', 'pydantic', 'alembic', "
        "'casedesktop.store', 'casedesktop.sync', 'casedesktop.app') if m in sys.modules); "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_queue_takes_one_oversized_frame_when_empty_and_finishes_after_close() -> None:
    q = FrameQueue(max_frames=8, max_bytes=100)
    assert q.offer(frame(0, 4000)) and not q.offer(frame(1, 4))
    q.close()
    assert not q.finished and q.get(0).pts == 0
    assert q.get(0) is None and q.finished and not q.offer(frame(2))


def test_size_budget_reserves_room_for_frames_in_flight_and_a_keyframe() -> None:
    budget = SizeBudget(max_bytes=1_000_000, fps=10)
    budget.observe(100_000, keyframe=True)
    for _ in range(20):
        budget.observe(10_000, keyframe=False)
    assert budget.allows_another_frame(file_bytes=0, pending_frames=2)
    # 300 kB muxed + 64 KiB overhead + 3 pending*~10 kB*1.5 + 100 kB keyframe is about 510 kB
    assert 480_000 < budget.projected(0, 2) < 540_000
    assert not budget.allows_another_frame(file_bytes=950_000, pending_frames=2)


def test_arrow_is_drawn_and_clipped() -> None:
    img = np.full((20, 20, 4), 128, np.uint8)
    draw_arrow(img, 15, 15)
    assert img[15, 15, :3].tolist() == [0, 0, 0]  # the tip's outline
    assert img[18, 16, :3].tolist() == [255, 255, 255]  # inside the arrow
    assert img[0, 0, :3].tolist() == [128, 128, 128]
    draw_arrow(img, -50, -50)  # entirely outside: nothing happens


def test_container_from_suffix() -> None:
    mp4 = container_for(Path("a.MP4"), "h264")
    assert mp4.format == "mp4" and "empty_moov" in mp4.options["movflags"]
    assert container_for(Path("a.mkv"), "vp9").format == "matroska"
    assert container_for(Path("a.webm"), "av1").format == "webm"
    for name, codec in (("a.avi", "h264"), ("a.webm", "h264")):
        with pytest.raises(ValueError):
            container_for(Path(name), codec)
