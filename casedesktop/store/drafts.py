"""Drafts of what the user is writing (a new case, a reply), saved as they type.

A small JSON file per draft in the profile, written to a temporary file, fsynced and renamed, so a
crash at any moment leaves the previous or the new draft, never half of one. Attached files are
already in the blob store; the draft keeps their references.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from casedesktop.store.attachments import PreparedFile

DRAFTS_DIR = "drafts"
NEW_CASE = "new-case"


@dataclass
class Draft:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[PreparedFile] = field(default_factory=list)
    saved_at: str = ""

    @property
    def empty(self) -> bool:
        return not self.files and not any(v.strip() for k, v in self.fields.items() if k in TEXT_FIELDS)


TEXT_FIELDS = ("subject", "description", "body", "cc_emails")


class Drafts:
    def __init__(self, profile_dir: Path):
        self.root = profile_dir / DRAFTS_DIR

    def _path(self, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        return self.root / f"{safe}.json"

    def save(self, name: str, draft: Draft) -> None:
        if draft.empty:
            self.delete(name)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        draft.saved_at = datetime.now(UTC).isoformat()
        data = {"fields": draft.fields, "files": [asdict(f) for f in draft.files], "saved_at": draft.saved_at}
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".draft-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self._path(name))

    def load(self, name: str) -> Draft | None:
        try:
            data = json.loads(self._path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Draft(dict(data.get("fields", {})), [PreparedFile(**f) for f in data.get("files", [])],
                     data.get("saved_at", ""))

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
