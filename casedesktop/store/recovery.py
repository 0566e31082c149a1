"""A damaged cache: detected, set aside, rebuilt from the server, the user's unsent changes kept.

The cache is a copy of the server plus the user's unsent changes. The copy can always be fetched
again; the unsent changes cannot. So when the cache file cannot be used (`PRAGMA quick_check` is not
"ok", or SQLite cannot open it at all):

1. The file (and its -wal and -shm companions) is renamed `cache.db.damaged-<UTC timestamp>`:
   nothing is deleted, so support can look at it.
2. The unsent changes are gathered from two independent copies:
   - salvage: a copy of the damaged file is opened with the plain sqlite3 module and the `meta` and
     `outbox` tables are read row by row, keeping every row that reads (a damaged page elsewhere in
     the file does not stop it);
   - the outbox journal (journal.py), an append-only file of the outbox beside the cache, which is
     all there is when the file is unreadable as a whole.
   Changes are matched by their client-made id; what the damaged file says is done is left out.
3. A fresh cache is made; who is signed in where is restored (from the damaged file's meta or the
   journal), the cursor starts at 0 (everything is downloaded again), and a new push device is
   started: the kept changes get new numbers, and their client-made ids make a change the server
   already had a duplicate, never a second copy.
4. The user's own unsent entities (a case made offline, a reply, an action, an attachment) are
   made again from the changes' payloads; those on cases not yet downloaded are made once the
   first sync brought the case (`restore_missing_entities`).
5. A notice (conflicts.NoticeKind.RECOVERED) and the returned report say what happened, in one
   sentence, with the name of the file set aside.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import ActionRequest, AskCustomerRequest, CaseCreate, CommentCreate
from casedesktop.domain import Role
from casedesktop.i18n import _, ngettext
from casedesktop.store import conflicts, meta, server_state
from casedesktop.store.attachments import UploadOp
from casedesktop.store.changes import Changes
from casedesktop.store.database import CACHE_FILE, CacheDB, CacheError, open_cache
from casedesktop.store.journal import JOURNAL_FILE, JournalOp, OutboxJournal
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow, OutboxOp

log = logging.getLogger(__name__)
RESTORE_PENDING = "recovery_restore_pending"  # meta: some kept changes still lack their entity
LAST_RECOVERY = "last_recovery"  # meta: the message of the last rebuild
_IDENTITY_KEYS = (meta.SERVER_URL, meta.USER_ID, meta.USER_EMAIL, meta.USER_NAME, meta.USER_ROLE)


@dataclass(frozen=True)
class RecoveryReport:
    damaged_path: Path
    reason: str
    kept: int  # unsent changes kept in the new cache
    from_file: int  # found in the damaged file
    from_journal: int  # found only in the journal
    message: str


def open_or_rebuild(profile_dir: Path) -> tuple[CacheDB, RecoveryReport | None]:
    """The profile's cache; a damaged one is set aside and rebuilt (see the module doc).

    A cache file that vanished while its journal still lists unsent changes is rebuilt too.
    """
    if not (profile_dir / CACHE_FILE).exists() and OutboxJournal(profile_dir / JOURNAL_FILE).read().ops:
        log.error("cache missing, but the outbox journal lists unsent changes")
        return rebuild(profile_dir, _("The local cache file is missing."))
    try:
        return open_cache(profile_dir), None
    except CacheError as exc:
        log.error("cache damaged: %s", exc)
        return rebuild(profile_dir, str(exc))


def rebuild(profile_dir: Path, reason: str) -> tuple[CacheDB, RecoveryReport]:
    path = profile_dir / CACHE_FILE
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    damaged = path.with_name(f"{CACHE_FILE}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.replace(Path(f"{damaged}{suffix}"))
    identity, salvaged = salvage(damaged)
    journal = OutboxJournal(profile_dir / JOURNAL_FILE).read()
    ops, from_file, from_journal = _merge(salvaged, journal.ops)
    if not identity.get(meta.SERVER_URL) and journal.identity.get("server_url"):
        identity = {
            meta.SERVER_URL: journal.identity.get("server_url", ""),
            meta.USER_ID: journal.identity.get("user_id", ""),
            meta.USER_EMAIL: journal.identity.get("email", ""),
            meta.USER_NAME: journal.identity.get("name", ""),
            meta.USER_ROLE: journal.identity.get("role", Role.CUSTOMER.value),
        }
    db = open_cache(profile_dir)
    if damaged.exists():
        message = ngettext(
            "The local cache was damaged and has been set aside as {name}; your cases are being downloaded "
            "again, and your {count} unsent change was kept.",
            "The local cache was damaged and has been set aside as {name}; your cases are being downloaded "
            "again, and your {count} unsent changes were kept.", len(ops)).format(name=damaged.name, count=len(ops))
    else:
        message = ngettext(
            "The local cache was damaged and was missing; your cases are being downloaded again, and your "
            "{count} unsent change was kept.",
            "The local cache was damaged and was missing; your cases are being downloaded again, and your "
            "{count} unsent changes were kept.", len(ops)).format(count=len(ops))
    with db.transaction() as session:
        for key in _IDENTITY_KEYS:
            if identity.get(key):
                meta.put(session, key, identity[key])
        for op in ops:
            session.add(OutboxOp(
                op_id=op.op_id, case_id=op.case_id, kind=op.kind, payload=op.payload,
                state="failed" if op.state == "failed" else "pending", last_error=op.last_error,
                attempts=0, created_at=_when(op.created_at), updated_at=_when(op.created_at),
                base_status=op.base_status,
            ))
        session.flush()
        meta.put(session, RESTORE_PENDING, "1")
        meta.put(session, LAST_RECOVERY, message)
        conflicts.add_notice(session, "", None, conflicts.NoticeKind.RECOVERED, message)
    restore_missing_entities(db)
    from casedesktop.store import outbox  # outbox imports conflicts; keep the import light here

    outbox.compact_journal(db)
    log.warning("%s (%d from the damaged file, %d from the journal)", message, from_file, from_journal)
    return db, RecoveryReport(damaged, reason, len(ops), from_file, from_journal, message)


def salvage(damaged: Path) -> tuple[dict[str, str], list[JournalOp]]:
    """What can still be read of a damaged cache: its meta and its outbox rows not yet done."""
    if not damaged.exists():
        return {}, []
    scratch = Path(tempfile.mkdtemp(prefix="casedesktop-salvage-"))
    try:
        copy = scratch / "cache.db"
        shutil.copyfile(damaged, copy)
        wal = Path(f"{damaged}-wal")
        if wal.exists():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        try:
            connection = sqlite3.connect(copy)
        except sqlite3.Error:
            return {}, []
        try:
            identity = dict(_rows(connection, "SELECT key, value FROM meta"))
            columns = "op_id, case_id, kind, payload, state, last_error, created_at, base_status"
            rows = _rows(connection, f"SELECT {columns} FROM outbox ORDER BY seq")
            if not rows:
                rows = [(*r, None) for r in _rows(connection, f"SELECT {columns.rsplit(',', 1)[0]} "
                                                             "FROM outbox ORDER BY seq")]
        finally:
            connection.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ops = []
    for op_id, case_id, kind, payload, state, last_error, created_at, base_status in rows:
        if isinstance(op_id, str) and isinstance(payload, str):
            ops.append(JournalOp(op_id, str(case_id), str(kind), payload, str(created_at or ""),
                                 base_status, str(state or "pending"), str(last_error or "")))
    identity = {k: str(v) for k, v in identity.items() if k in _IDENTITY_KEYS and v}
    return identity, ops


def _rows(connection: sqlite3.Connection, query: str) -> list[tuple]:
    """Every row that reads, in order, up to the first damaged page."""
    found: list[tuple] = []
    try:
        cursor = connection.execute(query)
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.Error:
                break
            if row is None:
                break
            found.append(row)
    except sqlite3.Error:
        pass
    return found


def _merge(from_file: list[JournalOp], from_journal: list[JournalOp]) -> tuple[list[JournalOp], int, int]:
    known = {op.op_id: op for op in from_file}
    kept = [op for op in from_file if op.state != "done"]
    extra = [op for op in from_journal if op.op_id not in known]
    ordered = sorted(enumerate(kept + extra), key=lambda pair: (_when(pair[1].created_at), pair[0]))
    return [op for _, op in ordered], len(kept), len(extra)


def _when(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the user's own entities, made again from the kept changes -----------------------------------


def restore_missing_entities(db: CacheDB) -> Changes:
    """After a rebuild: make the local rows of kept changes whose case is now in the cache."""
    with db.reading() as session:
        if meta.get(session, RESTORE_PENDING) != "1":
            return Changes()
    with db.transaction() as session:
        restored, waiting = _restore(session)
        if not waiting:
            meta.put(session, RESTORE_PENDING, "")
    return Changes(frozenset(restored), list_changed=bool(restored), outbox_changed=bool(restored))


def _restore(session: Session) -> tuple[set[str], int]:
    name = meta.get(session, meta.USER_NAME)
    role = meta.get(session, meta.USER_ROLE, Role.CUSTOMER.value) or Role.CUSTOMER.value
    restored: set[str] = set()
    waiting = 0
    ops = session.scalars(
        select(OutboxOp).where(OutboxOp.state.in_(("pending", "in_flight", "failed"))).order_by(OutboxOp.seq)
    ).all()
    for op in ops:
        try:
            if op.kind == "create_case":
                if session.get(CaseRow, op.case_id) is None:
                    request = CaseCreate.model_validate_json(op.payload)
                    session.add(CaseRow(
                        id=op.case_id, number=None, reported_by_name=name, subject=request.subject,
                        description=request.description, status="new",
                        severity=_value(request.severity), product=request.product,
                        account_id=str(request.account_id) if request.account_id else None,
                        created_at=op.created_at, updated_at=op.created_at,
                    ))
                    session.flush()
                    restored.add(op.case_id)
                continue
            if session.get(CaseRow, op.case_id) is None:
                waiting += 1  # its case comes with the first download
                continue
            if op.kind == "add_comment" and session.get(CommentRow, op.op_id) is None:
                comment = CommentCreate.model_validate_json(op.payload)
                session.add(CommentRow(id=op.op_id, case_id=op.case_id, author_name=name,
                                       author_id=meta.get(session, meta.USER_ID) or None,
                                       author_role=role, kind=_value(comment.kind),
                                       body=comment.body, created_at=op.created_at))
                restored.add(op.case_id)
            elif op.kind == "action" and session.get(ActivityRow, op.op_id) is None:
                action = ActionRequest.model_validate_json(op.payload)
                session.add(ActivityRow(id=op.op_id, case_id=op.case_id, actor_name=name,
                                        action=_value(action.action),
                                        reason=action.reason or action.summary,
                                        created_at=op.created_at))
                restored.add(op.case_id)
            elif op.kind in ("triage", "assign", "ask_customer") and session.get(ActivityRow, op.op_id) is None:
                _restore_staff_change(session, op, name, role)
                restored.add(op.case_id)
            elif op.kind == "delete_comment":
                restored.add(op.case_id)  # the rebase below takes the note out again
            elif op.kind == "upload" and session.get(AttachmentRow, op.op_id) is None:
                upload = UploadOp.from_json(op.payload)
                session.add(AttachmentRow(
                    id=op.op_id, case_id=op.case_id, comment_id=upload.comment_id,
                    filename=upload.filename, size=upload.size, sha256=upload.sha256,
                    content_type=upload.content_type, uploader_name=name, created_at=op.created_at,
                ))
                restored.add(op.case_id)
        except (ValidationError, ValueError, TypeError, json.JSONDecodeError):
            log.warning("cannot make the local entity of kept change %s (%s)", op.op_id, op.kind)
    session.flush()
    for case_id in restored:
        row = session.get(CaseRow, case_id)
        if row is not None:
            server_state.rebase_case(session, row)
    return restored, waiting


def _restore_staff_change(session: Session, op: OutboxOp, name: str, role: str) -> None:
    """A kept triage, assignment or question: its activity entry (and the question as a reply);
    the rebase puts the fields and the status back."""
    action = {"triage": "triage", "assign": "assign", "ask_customer": "pending-customer"}[op.kind]
    session.add(ActivityRow(id=op.op_id, case_id=op.case_id, actor_name=name, action=action, reason="",
                            created_at=op.created_at))
    if op.kind == "ask_customer" and session.get(CommentRow, op.op_id) is None:
        asked = AskCustomerRequest.model_validate_json(op.payload)
        session.add(CommentRow(id=op.op_id, case_id=op.case_id, author_name=name,
                               author_id=meta.get(session, meta.USER_ID) or None, author_role=role,
                               kind="reply", body=asked.question, created_at=op.created_at))


def _value(value: object) -> str:
    return value.value if isinstance(value, StrEnum) else str(value)
