"""The marked-up picture as a file: packed RGB pixels, a free name, a PNG with no metadata.

`QImage.save` would add pHYs and text chunks; the product promises an attached screenshot carries
nothing but its pixels, so the PNG is written by `recording.screenshot.write_png` from the raw
rows. These run on a worker lane as well as on the GUI thread (QImage is reentrant).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtGui import QImage

from casedesktop.recording.screenshot import write_png


def rgb_bytes(image: QImage) -> bytes:
    """The pixels as packed RGB, row after row: Qt pads each row to 4 bytes, the PNG must not."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    row = width * 3
    data = memoryview(rgb.constBits())
    if stride == row:
        return bytes(data[:row * height])
    return b"".join(data[y * stride:y * stride + row] for y in range(height))


def write_screenshot(image: QImage, path: Path) -> Path:
    """`image` written to `path` as a PNG of its pixels only."""
    write_png(rgb_bytes(image), image.width(), image.height(), path)
    return path


def reserve_screenshot_path(folder: Path, when: datetime) -> Path:
    """A new empty file `screenshot-YYYYMMDD-HHMMSS.png` in `folder` (made if missing), with -2,
    -3, ... when that name is taken: two screenshots in one second both survive. Made with O_EXCL,
    so two writers never pick the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"screenshot-{when:%Y%m%d-%H%M%S}"
    number = 1
    while True:
        path = folder / (f"{stem}.png" if number == 1 else f"{stem}-{number}.png")
        try:
            path.open("xb").close()
        except FileExistsError:
            number += 1
        else:
            return path


def attach_screenshot(image: QImage, folder: Path, when: datetime) -> Path:
    """Write `image` under a free screenshot name in `folder`; the path written (nothing is left
    behind if writing fails)."""
    path = reserve_screenshot_path(folder, when)
    try:
        return write_screenshot(image, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
