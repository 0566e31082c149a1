"""One sync pass: push the outbox in order, upload files, then pull the change feed.

Push uses the push protocol (casedesktop/api/push.py): ops go out in batches under the device's
change numbers, and every answer is stored in one transaction (outbox.finish_push). Against a
server without /push the engine falls back to the per-entity endpoints, one op at a time; both
are idempotent by the client-made ids, so either may be interrupted at any point and re-run.

Order: per case, ops go in the order the user made them; an upload holds the later ops of its case
until its last byte is in, while other cases keep flowing. A transient failure (no network, a
timeout, 5xx, 429) ends the pass: the caller backs off and comes back; nothing is lost, and ops
sent but unanswered are re-sent under the same numbers. A permanent refusal marks only that op
failed (conflicts.py decides and explains), and the pass goes on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from casedesktop.api import (
    ActionRequest,
    AskCustomerRequest,
    AssignRequest,
    CaseCreate,
    CaseOut,
    ChangesPage,
    CommentCreate,
    CommentOut,
    TriageRequest,
)
from casedesktop.api.push import (
    PUSH_PROTOCOL_VERSION,
    Mutation,
    MutationKind,
    MutationResult,
    MutationStatus,
    PushRequest,
)
from casedesktop.domain import without_nul
from casedesktop.i18n import _
from casedesktop.store import meta, outbox, recovery, server_state
from casedesktop.store.blobs import BlobStore
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.local_changes import OpKind
from casedesktop.sync import reference as reference_sync
from casedesktop.sync import transfer
from casedesktop.sync.api_client import (
    ApiClient,
    AuthRequired,
    Rejected,
    SyncError,
    TransientError,
    Unreachable,
)

log = logging.getLogger(__name__)
MAX_PAGES_PER_PASS = 10_000
PUSH_BATCH = 100  # mutations per POST /push
# What /push carries: the protocol's kinds and staff's question and deleted note; the rest
# (triage, assign) go to their own endpoints, one at a time, in their case's order.
PUSH_KINDS = frozenset(MutationKind)
MAX_ROUNDS_PER_PASS = 100_000
LOCK_FILE = "sync.lock"

Progress = Callable[[str, int, int], None]  # (what, done, total), e.g. bytes of an upload


@dataclass
class SyncReport:
    pushed: int = 0
    refused: int = 0
    pulled: int = 0
    changes: Changes = field(default_factory=Changes)
    online: bool = True
    needs_sign_in: bool = False
    error: str = ""
    retry_after: float | None = None
    uploaded: int = 0  # files whose last byte is in
    bytes_sent: int = 0  # upload bytes sent in this pass
    busy: bool = False  # another process is syncing this profile; nothing was done

    @property
    def ok(self) -> bool:
        return self.online and not self.needs_sign_in and not self.error


class SyncLock:
    """An exclusive lock on the profile's sync (one pusher per device: the change numbers of a
    device must go out from one place). The OS drops it when the process dies, even by kill -9."""

    def __init__(self, directory: Path):
        self.path = directory / LOCK_FILE
        self._handle = None

    def acquire(self, timeout: float = 0.0) -> bool:
        handle = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + timeout
        while True:
            if _try_lock(handle):
                self._handle = handle
                return True
            if time.monotonic() >= deadline:
                handle.close()
                return False
            time.sleep(0.05)

    def release(self) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:  # noqa: ANN001
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:  # noqa: ANN001
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle) -> bool:  # noqa: ANN001
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:  # noqa: ANN001
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class SyncEngine:
    """Plain Python, no threads of its own: the CLI calls it directly, the GUI from a worker thread."""

    def __init__(
        self,
        db: CacheDB,
        client: ApiClient,
        me_user_id: str,
        *,
        blobs: BlobStore | None = None,
        lock_timeout: float = 0.0,
        on_progress: Progress | None = None,
    ):
        self.db = db
        self.client = client
        self.me_user_id = me_user_id
        self.blobs = blobs or BlobStore(db.path.parent)
        self.lock = SyncLock(db.path.parent)
        self.lock_timeout = lock_timeout
        self.on_progress = on_progress
        self.push_batch = PUSH_BATCH
        self.use_push = True  # False once the server shows it has no /push
        self.uploads: transfer.Uploader | None = None  # made on first use
        self.upload_chunk = transfer.CHUNK_BYTES  # the largest PATCH (tests make it small)
        self.upload_chunk_seconds = transfer.CHUNK_SECONDS

    _reference_due = True

    def sync_once(self) -> SyncReport:
        report = SyncReport()
        if not self.lock.acquire(self.lock_timeout):
            report.busy = True
            report.error = _("Another CaseDesktop window or command is syncing this profile.")
            return report
        try:
            # Ops left in flight by a crash (or kill -9) go back to pending with their numbers.
            outbox.recover_interrupted(self.db)
            self._push(report)
            self._pull(report)
            report.changes |= recovery.restore_missing_entities(self.db)
            if self._reference_due:
                with contextlib.suppress(Rejected):  # an older server without these lists
                    reference_sync.refresh(self.client, self.db)
                self._reference_due = False  # once per engine: the dialogs' lists change rarely
        except TransientError as exc:
            report.online = not isinstance(exc, Unreachable)
            report.error = str(exc)
            report.retry_after = exc.retry_after
        except AuthRequired as exc:
            report.needs_sign_in = True
            report.error = _("Sign in again: {error}").format(error=exc)
        except Rejected as exc:  # e.g. the feed refused: say so, keep everything, try later
            report.error = _("The server refused to sync: {error}").format(error=exc)
        finally:
            try:
                with self.db.transaction() as session:
                    meta.put(session, meta.LAST_ERROR, report.error)
                if report.pushed or report.refused or report.uploaded:
                    outbox.prune_done(self.db)
                    outbox.compact_journal(self.db)
            finally:
                self.lock.release()
        return report

    # --- push ---------------------------------------------------------------------------------

    def _push(self, report: SyncReport) -> None:
        idle = 0
        for _round in range(MAX_ROUNDS_PER_PASS):
            batch, alone = self._plan()
            if not batch and not alone:
                return
            before = (report.pushed, report.refused, report.uploaded, outbox.counts(self.db))
            if batch:
                if self.use_push:
                    self._push_batch(batch, report)
                else:
                    self._send_one_by_one(batch, report)
            for op in alone:
                if not outbox.ready(self.db, op.seq):
                    continue
                if op.kind == OpKind.UPLOAD:
                    self._upload(op, report)
                else:
                    self._send_one_by_one([op], report)
            after = (report.pushed, report.refused, report.uploaded, outbox.counts(self.db))
            idle = idle + 1 if after == before else 0
            if idle >= 3:  # e.g. a server that keeps answering "gap": never spin, try later
                raise TransientError(_("The server did not take the waiting changes; will retry."))

    def _plan(self) -> tuple[list[outbox.QueuedOp], list[outbox.QueuedOp]]:
        """This round's ops: those sent before and unanswered first (their numbers are already in
        the server's sequence), then new ones in the order made, holding the ops of a case behind
        that case's upload or change the push protocol does not carry (staff's triage, ...: sent
        to their own endpoints); and those uploads and changes that may go."""
        numbered = outbox.numbered_waiting(self.db)
        batch = list(numbered[: self.push_batch])
        if len(numbered) >= self.push_batch:
            return batch, []  # those sent before come first, and new ones never overtake them
        held: set[str] = set()
        alone: list[outbox.QueuedOp] = []
        for op in outbox.sendable(self.db, limit=max(200, 2 * self.push_batch)):
            if op.push_seq is not None:
                continue
            if op.kind == OpKind.UPLOAD or op.kind not in PUSH_KINDS:
                if op.case_id not in held:
                    alone.append(op)
                held.add(op.case_id)
            elif op.case_id not in held and len(batch) < self.push_batch:
                batch.append(op)
        return batch, alone

    def _push_batch(self, ops: list[outbox.QueuedOp], report: SyncReport) -> None:
        device = outbox.device_id(self.db)
        sent = outbox.start_push(self.db, ops)
        request = PushRequest(
            device_id=device,
            protocol_version=PUSH_PROTOCOL_VERSION,
            mutations=[
                Mutation(seq=op.push_seq, id=op.op_id, kind=op.kind, case_id=op.case_id,
                         payload=_payload(op))
                for op in sent
            ],
        )
        try:
            response = self.client.push(request)
        except Rejected as exc:
            outbox.return_to_pending(self.db, [op.seq for op in sent], "")
            self._push_refused(exc)
            return
        except SyncError as exc:
            outbox.return_to_pending(self.db, [op.seq for op in sent], str(exc))
            raise
        result = outbox.finish_push(self.db, sent, response)
        report.pushed += result.pushed
        report.refused += result.refused
        report.changes |= result.changes
        if result.renumbered:
            log.info("push: %d unconfirmed changes renumbered from %d", result.renumbered,
                     response.last_seq + 1)

    def _push_refused(self, exc: Rejected) -> None:
        """The whole push was refused: an old server, another user's device id, or a request
        this server cannot take. Never a reason to lose or stall the outbox."""
        if exc.error.field == "device_id":
            log.warning("push: the device id belongs to another user; starting a new device")
            outbox.new_device(self.db)
            return
        log.warning("push refused as a whole (HTTP %s: %s); sending one change at a time",
                    exc.status, exc.error.message)
        self.use_push = False

    def _send_one_by_one(self, ops: list[outbox.QueuedOp], report: SyncReport) -> None:
        """The per-entity endpoints, for a server without /push. Each is idempotent by id."""
        for op in ops:
            outbox.mark_in_flight(self.db, op.seq)
            try:
                answer = self._send(op)
            except Rejected as exc:
                case = self._case_or_none(op.case_id)
                result = MutationResult(seq=0, id=op.op_id, status=MutationStatus.REFUSED,
                                        error=exc.error, case=case)
                report.refused += 1
            except SyncError as exc:
                outbox.mark_pending(self.db, op.seq, str(exc))
                raise
            else:
                result = MutationResult(
                    seq=0, id=op.op_id, status=MutationStatus.APPLIED,
                    case=answer if isinstance(answer, CaseOut) else None,
                    comment=answer if isinstance(answer, CommentOut) else None,
                )
                report.pushed += 1
            report.changes |= outbox.finish_one(self.db, op.seq, result)

    def _case_or_none(self, case_id: str) -> CaseOut | None:
        try:
            return self.client.get_case(case_id)
        except Rejected:
            return None

    def _send(self, op: outbox.QueuedOp):  # noqa: ANN202 - one of the api answer models
        if op.kind == OpKind.CREATE_CASE:
            return self.client.create_case(CaseCreate.model_validate(_payload(op)))
        if op.kind == OpKind.ADD_COMMENT:
            return self.client.add_comment(op.case_id, CommentCreate.model_validate(_payload(op)))
        if op.kind == OpKind.ACTION:
            return self.client.take_action(op.case_id, ActionRequest.model_validate(_payload(op)))
        if op.kind == OpKind.TRIAGE:
            return self.client.triage(op.case_id, TriageRequest.model_validate(_payload(op)))
        if op.kind == OpKind.ASSIGN:
            return self.client.assign(op.case_id, AssignRequest.model_validate(_payload(op)))
        if op.kind == OpKind.DELETE_COMMENT:
            return self.client.delete_comment(op.case_id, _payload(op)["comment_id"])
        if op.kind == OpKind.ASK_CUSTOMER:
            return self.client.ask_customer(op.case_id, AskCustomerRequest.model_validate(_payload(op)))
        raise ValueError(f"unknown outbox op kind {op.kind!r}")

    # --- files --------------------------------------------------------------------------------

    def _upload(self, op: outbox.QueuedOp, report: SyncReport) -> None:
        if self.uploads is None:
            self.uploads = transfer.Uploader(self.db, self.client, self.blobs, self.on_progress,
                                             self.upload_chunk, self.upload_chunk_seconds)
        result = self.uploads.upload(op)
        report.bytes_sent += result.bytes_sent
        report.changes |= result.changes
        if result.done:
            report.uploaded += 1
        elif result.refused:
            report.refused += 1

    # --- pull ---------------------------------------------------------------------------------

    def _pull(self, report: SyncReport) -> None:
        """Page through the feed from the stored cursor, each page stored with its cursor.

        The next page is fetched on a helper thread while this one is stored, so the server's
        time and ours overlap. The client is still used by one thread at a time (the helper
        while _pull runs; this thread only stores), a page is stored only after the one before
        it, and a page fetched but never stored (an error, a kill) costs nothing: the cursor
        moves only with what is stored, and the feed is read again from there.
        """
        with self.db.reading() as session:
            cursor = int(meta.get(session, meta.CURSOR, "0") or 0)
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casedesktop-pull")
        try:
            ahead: Future[ChangesPage] = fetcher.submit(self.client.changes, cursor)
            for n in range(MAX_PAGES_PER_PASS):
                page = ahead.result()  # a failed fetch raises here, as it did inline
                last = not page.has_more or n + 1 == MAX_PAGES_PER_PASS
                if not last:
                    ahead = fetcher.submit(self.client.changes, page.cursor)
                report.changes |= server_state.apply_page(self.db, page, self.me_user_id)
                report.pulled += len(page.changes)
                if last:
                    break
        finally:
            # Wait for a fetch still under way (only when storing failed): nobody else may use
            # the client before it is done.
            fetcher.shutdown(wait=True, cancel_futures=True)


def _payload(op: outbox.QueuedOp) -> dict:
    """The op's request body; a NUL kept by an older version is dropped (the API refuses it), and
    so is what the op keeps for this cache alone (a deleted note's copy, to restore it)."""
    payload = without_nul(json.loads(op.payload))
    if op.kind == OpKind.DELETE_COMMENT:
        payload.pop("kept", None)
    return payload
