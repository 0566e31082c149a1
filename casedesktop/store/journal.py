"""An append-only copy of the outbox beside the cache, for when the cache file itself is lost.

Why both a journal and salvage (see recovery.py): salvaging rows from a damaged SQLite file works
when the damage is local (a torn page elsewhere), but not when the file is unreadable as a whole
(overwritten, truncated, its header gone). The journal is a second, independent copy of exactly
what must never be lost, the user's unsent changes, in the simplest format there is: one JSON
object per line, appended and fsynced after each commit that adds or removes outbox entries.

- A line is written only after the cache transaction committed (SQLAlchemy's after_commit), so the
  journal never holds a change the user was told failed. A crash between the commit and the append
  loses that line from the journal only; the cache still has the change (the two copies would
  both have to fail at once to lose it).
- A torn last line (a crash mid-append) is skipped when read.
- It is rewritten (temporary file, fsync, atomic rename) with just the waiting changes after a
  sync pass (`compact`), so it stays small; changes already done that linger until then are sent
  again after a rebuild, which the server answers as duplicates (client-made ids).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from casedesktop.store.models import OutboxOp

log = logging.getLogger(__name__)
JOURNAL_FILE = "outbox.journal"
_PENDING_KEY = "casedesktop_journal"


@dataclass(frozen=True)
class JournalOp:
    op_id: str
    case_id: str
    kind: str
    payload: str
    created_at: str
    base_status: str | None = None
    state: str = "pending"
    last_error: str = ""

    @classmethod
    def of(cls, op: OutboxOp) -> JournalOp:
        return cls(
            op.op_id, op.case_id, op.kind, op.payload,
            op.created_at.isoformat() if op.created_at else "", op.base_status,
            op.state or "pending", op.last_error or "",
        )


@dataclass
class JournalContents:
    identity: dict[str, str]
    ops: list[JournalOp]  # in the order they were made


class OutboxJournal:
    def __init__(self, path: Path):
        self.path = path

    def install(self, sessions: sessionmaker[Session]) -> None:
        """Append new and removed outbox entries after each commit of these sessions."""

        @event.listens_for(sessions, "after_flush")
        def collect(session: Session, _context: object) -> None:
            lines = session.info.setdefault(_PENDING_KEY, [])
            for obj in session.new:
                if isinstance(obj, OutboxOp):
                    lines.append({"t": "op", **asdict(JournalOp.of(obj))})
            for obj in session.deleted:
                if isinstance(obj, OutboxOp):
                    lines.append({"t": "forget", "op_id": obj.op_id})

        @event.listens_for(sessions, "after_commit")
        def write(session: Session) -> None:
            lines = session.info.pop(_PENDING_KEY, None)
            if lines:
                self.append(lines)

        @event.listens_for(sessions, "after_soft_rollback")
        def forget(session: Session, _previous: object) -> None:
            session.info.pop(_PENDING_KEY, None)

    def append(self, lines: Iterable[dict[str, Any]]) -> None:
        data = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:  # the cache has the change; the journal is the second copy
            log.warning("cannot append to the outbox journal %s: %s", self.path, exc)

    def note_identity(self, identity: dict[str, str]) -> None:
        self.append([{"t": "identity", **identity}])

    def read(self) -> JournalContents:
        identity: dict[str, str] = {}
        ops: dict[str, JournalOp] = {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return JournalContents({}, [])
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                kind = entry.pop("t")
                if kind == "identity":
                    identity = {str(k): str(v) for k, v in entry.items()}
                elif kind == "op":
                    op = JournalOp(**entry)
                    ops.pop(op.op_id, None)
                    ops[op.op_id] = op
                elif kind == "forget":
                    ops.pop(entry["op_id"], None)
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a torn or foreign line
        return JournalContents(identity, list(ops.values()))

    def compact(self, identity: dict[str, str], ops: Iterable[JournalOp]) -> None:
        """Rewrite with only what is still waiting; atomic, so a crash keeps the old or the new."""
        lines = [{"t": "identity", **identity}] if identity else []
        lines += [{"t": "op", **asdict(op)} for op in ops]
        data = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        try:
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            log.warning("cannot rewrite the outbox journal %s: %s", self.path, exc)
