"""The profile's content-addressed file store: every attached or recorded file, by its sha256.

A file is copied in at once when the user attaches it, so the original may move or vanish; the
same content is stored once. Writes go to a temporary file that is fsynced and renamed, so a
crash never leaves a half file under a real name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
BLOBS_DIR = "blobs"


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


class BlobStore:
    def __init__(self, profile_dir: Path):
        self.root = profile_dir / BLOBS_DIR

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def add_file(self, source: Path) -> BlobRef:
        """Copy a file in (hashing as it goes); raises OSError if it cannot be read or stored."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(Path(temporary), digest.hexdigest(), size)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add_bytes(self, data: bytes) -> BlobRef:
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        return self._commit(Path(temporary), hashlib.sha256(data).hexdigest(), len(data))

    def _commit(self, temporary: Path, sha256: str, size: int) -> BlobRef:
        target = self.path_of(sha256)
        if target.is_file():
            temporary.unlink()  # same content already stored
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, target)
        return BlobRef(sha256, size)

    def verify(self, ref: BlobRef) -> bool:
        """True when the stored file still has the content its name promises."""
        path = self.path_of(ref.sha256)
        if not path.is_file() or path.stat().st_size != ref.size:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == ref.sha256

    def export(self, sha256: str, destination: Path) -> Path:
        """Copy a stored file out under the name the user chose ("Save as")."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path_of(sha256), destination)
        return destination
