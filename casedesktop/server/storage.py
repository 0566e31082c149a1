"""Where finished attachments' bytes live: local disk by default, or an S3-compatible bucket
(`s3storage.py`), behind one small interface; `storage_from_option` reads `serve --storage`.

Keys are made by the server (an attachment's UUID in hex); a client's file name never reaches the
file system. Unfinished tus uploads are staged on local disk (`services/upload_staging.py`),
whatever the store.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from casedesktop.server.s3storage import S3Storage, StorageError, parse_s3_option

_KEY = re.compile(r"^[0-9a-f]{32}$")
READ_CHUNK = 256 * 1024


class BlobStorage(Protocol):
    def put(self, key: str, source: Path) -> None:
        """Take a finished file in (it may be moved away from `source`)."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) of a stored file, in pieces."""

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under one directory, fanned out by the key's first two characters."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def open(cls, root: Path) -> LocalStorage:
        """The store in `root`, made if missing and checked writable now: a wrong folder stops
        the start with a message instead of failing the first finished upload."""
        root = Path(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / ".casedesktop-write-check"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StorageError(
                f"--storage: the folder {str(root)!r} cannot hold attachments: "
                f"{exc.strerror or exc}"
            ) from None
        return cls(root)

    def path(self, key: str) -> Path:
        if not _KEY.match(key):  # defence in depth: keys are server-made hex, never a path
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def put(self, key: str, source: Path) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)  # same file system: atomic
        except OSError:
            temporary = target.with_suffix(".part")
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
            source.unlink(missing_ok=True)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self.path(key), "rb") as handle:
            handle.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                piece = handle.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
                if not piece:
                    return
                if left is not None:
                    left -= len(piece)
                yield piece

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def check_storage_option(text: str) -> str:
    """`--storage` as given, if well formed: a folder, or s3://BUCKET?endpoint=URL. ValueError
    says what is wrong; nothing is contacted yet."""
    if "://" in text:
        parse_s3_option(text)
    elif not text.strip():
        raise ValueError("give a folder or an s3://BUCKET?endpoint=URL address")
    return text


def storage_from_option(text: str | None, data_dir: Path) -> BlobStorage:
    """The store `serve --storage` names: None means <data dir>/attachments; a bucket is checked
    before it is returned (StorageError says why it cannot be used)."""
    if text is None:
        return LocalStorage.open(Path(data_dir) / "attachments")
    try:
        check_storage_option(text)
    except ValueError as exc:
        raise StorageError(f"--storage: {exc}") from None
    if "://" in text:
        return S3Storage.open(parse_s3_option(text))
    return LocalStorage.open(Path(text).expanduser())
