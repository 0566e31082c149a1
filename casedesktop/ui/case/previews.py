"""Small pictures of attached images and poster frames of recordings, for the conversation.

Decoding (an image, or a video's first frame with PyAV) runs on its own lane, never on the GUI
thread. Each picture is kept in memory and as a PNG beside the blob store (`previews/`, named by
the file's sha256 and the size), so a case opened again shows its pictures at once. QImage, not
QPixmap, crosses threads: only the GUI thread turns it into a pixmap.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from casedesktop.ui.tasks import Lane, Task

THUMBNAIL = QSize(240, 160)  # the largest a picture is shown in the thread
FOLDER = "previews"  # beside the blob store: the pictures made, kept between runs
_MEMORY = 200  # pictures kept in memory
_lane: Lane | None = None
_memory: OrderedDict[tuple[str, int, int], QImage] = OrderedDict()


def _previews_lane() -> Lane:
    global _lane  # noqa: PLW0603 - one lane for the process, made when first needed
    if _lane is None:
        _lane = Lane("casedesktop-previews", 1)
    return _lane


def cached(sha256: str, box: QSize = THUMBNAIL) -> QImage | None:
    """The picture if it was made already in this run (the GUI thread shows it without waiting)."""
    image = _memory.get((sha256, box.width(), box.height()))
    if image is not None:
        _memory.move_to_end((sha256, box.width(), box.height()))
    return image


def make_preview(blob: Path, kind: str, folder: Path, sha256: str, box: QSize = THUMBNAIL) -> QImage | None:
    """The picture of `blob` fitted in `box` (on a worker thread): read from `folder` when made
    before, else decoded and saved there. None when the file cannot be decoded."""
    saved = folder / f"{sha256}-{box.width()}x{box.height()}.png"
    image = QImage(str(saved)) if saved.exists() else QImage()
    if image.isNull():
        image = _decode_image(blob, box) if kind == "image" else _decode_poster(blob, box)
        if image is None or image.isNull():
            return None
        _save(image, saved)
    return image


def _decode_image(blob: Path, box: QSize) -> QImage | None:
    reader = QImageReader(str(blob))
    reader.setAutoTransform(True)  # a photo's EXIF orientation
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))  # JPEG decodes smaller
    image = reader.read()
    if image.isNull():
        return None
    if image.width() > box.width() or image.height() > box.height():
        image = image.scaled(box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


def _decode_poster(blob: Path, box: QSize) -> QImage | None:
    from casedesktop.recording.playback import (
        first_image,  # PyAV loads with the first recording shown
    )

    try:
        frame = first_image(blob, (box.width(), box.height()))
    except Exception:  # noqa: BLE001 - a file that does not decode just has no picture
        return None
    if frame is None:
        return None
    return QImage(frame.rgb, frame.width, frame.height, frame.width * 3, QImage.Format.Format_RGB888).copy()


def _save(image: QImage, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".preview-", suffix=".png")
        os.close(handle)
        if image.save(temporary, "PNG"):
            os.replace(temporary, path)
        else:
            os.unlink(temporary)
    except OSError:
        pass  # a full or read-only disk: the picture is made again next time


def request(blob: Path, kind: str, folder: Path, sha256: str, done: Callable[[QImage], None],
            owner: QObject, box: QSize = THUMBNAIL) -> Task | None:
    """Make the picture off the GUI thread; `done(image)` follows on it (not if `owner` is gone)."""
    image = cached(sha256, box)
    if image is not None:
        done(image)
        return None

    def made(result: QImage | None) -> None:
        if result is None:
            return
        _memory[(sha256, box.width(), box.height())] = result
        while len(_memory) > _MEMORY:
            _memory.popitem(last=False)
        done(result)

    return _previews_lane().run(make_preview, blob, kind, folder, sha256, box, done=made, failed=lambda _e: None,
                                owner=owner)


def settle() -> None:
    """Wait for the pictures asked for so far (tests)."""
    _previews_lane().drain()
