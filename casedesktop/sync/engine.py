"""One sync pass: push the outbox in order, then pull the change feed from the stored cursor."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from casedesktop.api import ActionRequest, CaseCreate, CommentCreate
from casedesktop.store import meta, outbox, server_state
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.local_changes import OpKind
from casedesktop.sync.api_client import (
    ApiClient,
    AuthRequired,
    Rejected,
    TransientError,
    Unreachable,
)

log = logging.getLogger(__name__)
MAX_PAGES_PER_PASS = 10_000


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

    @property
    def ok(self) -> bool:
        return self.online and not self.needs_sign_in and not self.error


class SyncEngine:
    """Plain Python, no threads of its own: the CLI calls it directly, the GUI from a worker thread."""

    def __init__(self, db: CacheDB, client: ApiClient, me_user_id: str):
        self.db = db
        self.client = client
        self.me_user_id = me_user_id
        outbox.recover_interrupted(db)

    def sync_once(self) -> SyncReport:
        report = SyncReport()
        try:
            self._push(report)
            self._pull(report)
        except TransientError as exc:
            report.online = not isinstance(exc, Unreachable)
            report.error = str(exc)
            report.retry_after = exc.retry_after
        except AuthRequired as exc:
            report.needs_sign_in = True
            report.error = f"Sign in again: {exc}"
        with self.db.transaction() as session:
            meta.put(session, meta.LAST_ERROR, report.error)
        return report

    def _push(self, report: SyncReport) -> None:
        while batch := outbox.sendable(self.db):
            for op in batch:
                outbox.mark_in_flight(self.db, op.seq)
                try:
                    answer = self._send(op)
                except Rejected as exc:
                    log.info("server refused op %s (%s): %s", op.seq, op.kind, exc.error.code)
                    report.changes |= outbox.mark_failed(self.db, op.seq, exc.error.message)
                    report.refused += 1
                    continue
                except (TransientError, AuthRequired) as exc:
                    outbox.mark_pending(self.db, op.seq, str(exc))
                    raise
                report.changes |= outbox.mark_done(self.db, op.seq, answer)
                report.pushed += 1

    def _send(self, op: outbox.QueuedOp):  # noqa: ANN202 - one of the api answer models
        if op.kind == OpKind.CREATE_CASE:
            return self.client.create_case(CaseCreate.model_validate_json(op.payload))
        if op.kind == OpKind.ADD_COMMENT:
            return self.client.add_comment(op.case_id, CommentCreate.model_validate_json(op.payload))
        if op.kind == OpKind.ACTION:
            return self.client.take_action(op.case_id, ActionRequest.model_validate_json(op.payload))
        raise ValueError(f"unknown outbox op kind {op.kind!r}")

    def _pull(self, report: SyncReport) -> None:
        with self.db.reading() as session:
            cursor = int(meta.get(session, meta.CURSOR, "0") or 0)
        for _ in range(MAX_PAGES_PER_PASS):
            page = self.client.changes(cursor)
            report.changes |= server_state.apply_page(self.db, page, self.me_user_id)
            report.pulled += len(page.changes)
            cursor = page.cursor
            if not page.has_more:
                break

