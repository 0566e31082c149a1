"""When the server's state moved on while a change waited: decide what happens, tell the user.

The server is the authority. The client always takes the server's state of the case; what this
module decides is the fate of the user's own change and what to tell them, from the lifecycle table
(casedesktop/domain/lifecycle.py):

- **Overtaken**: the server refused an action because the case is no longer in a state it applies
  to, but the state already is what the action wanted (someone else closed the case the customer
  wanted closed, picked up the case the agent wanted to pick up, escalated it already...). Nothing
  is left to send; the change is done, and a notice keeps the user's reason or summary.
- **Refused**: the action no longer fits (the agent resolved the case while the customer's
  escalation waited; the customer closed it while the agent's resolution waited), or the server
  refused the change for another lasting reason (rights, validation). The change stays failed with
  the server's reason, the user's text kept, to retry or discard; the notice says what changed and
  which actions the case now allows.
- **Moved on**: a reply is never refused for the case's status: it is added, but when the case's
  status differs from what the user saw (plus the reply's own effect), a notice says so: "your reply
  was added; the case is resolved now: accept or reject the resolution".

| queued by the user          | meanwhile on the server        | outcome                         |
|-----------------------------|--------------------------------|---------------------------------|
| reply                       | resolved / closed / merged ... | applied, notice "moved on"      |
| escalate                    | escalated by someone else      | done, notice "overtaken"        |
| escalate / request close    | resolved, closed or merged     | failed, notice "refused"        |
| close / accept              | closed by someone else         | done, notice "overtaken"        |
| accept / reject             | closed by staff                | accept: overtaken; reject: failed |
| reopen                      | reopened by someone else       | done, notice "overtaken"        |
| pick up / resume / hold ... | already in the target status   | done, notice "overtaken"        |
| resolve                     | closed by the customer         | failed, notice "refused"        |
| merge                       | merged into the same case      | done; into another: failed      |
| delete a note               | the note is not on the server  | done, notice "overtaken"        |
| any                         | case gone or not visible (404) | failed, notice "refused"        |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casedesktop.api import ActionRequest, CaseOut, CommentCreate, ErrorCode, ErrorOut
from casedesktop.domain import (
    Action,
    CaseState,
    Role,
    Status,
    next_steps,
    status_after_reply,
    status_phrase,
)
from casedesktop.i18n import _
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.models import SyncNotice
from casedesktop.store.types import utcnow


class NoticeKind(StrEnum):
    REFUSED = "refused"  # the server refused the change; it waits for the user: retry or discard
    OVERTAKEN = "overtaken"  # someone else already did it; nothing left to send
    MOVED_ON = "moved_on"  # applied, but the case had moved on meanwhile
    RECOVERED = "recovered"  # the cache was damaged and rebuilt; unsent changes were kept


@dataclass(frozen=True)
class Verdict:
    done: bool  # True: nothing left to send; False: the op stays failed for the user
    kind: NoticeKind
    message: str
    your_text: str = ""


@dataclass(frozen=True)
class Notice:
    id: int
    case_id: str
    op_id: str | None
    kind: str
    message: str
    your_text: str
    seen: bool


def your_text(kind: str, payload: str) -> str:
    """What the user wrote in a queued change: kept in notices whatever becomes of the change."""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    if kind == "add_comment":
        return str(data.get("body", ""))
    if kind == "action":
        return str(data.get("reason") or data.get("summary") or "")
    if kind == "create_case":
        return str(data.get("subject", ""))
    if kind == "ask_customer":
        return str(data.get("question", ""))
    if kind == "delete_comment":
        return str((data.get("kept") or {}).get("body", ""))
    return ""


def judge_refusal(
    kind: str, payload: str, error: ErrorOut, case: CaseOut | None, role: Role
) -> Verdict:
    """A refused change: overtaken (done) or refused (failed), with the words to tell the user."""
    text = your_text(kind, payload)
    if kind == "delete_comment" and error.code is ErrorCode.NOT_FOUND and case is not None:
        # The note never reached the server (its sending was taken back): nothing is left to delete.
        return Verdict(True, NoticeKind.OVERTAKEN, _("{case}: the internal note you deleted was not on the server, so "
                                                     "there was nothing left to delete.").format(case=case.number), text)
    if kind == "action" and error.code is ErrorCode.INVALID_TRANSITION:
        try:
            request = ActionRequest.model_validate_json(payload)
        except ValidationError:
            request = None
        status = case.status if case is not None else error.current_status
        if request is not None and status is not None:
            label = request.action.label.rstrip("…").strip().lower()
            if case is not None and _already(request, case):
                return Verdict(
                    True,
                    NoticeKind.OVERTAKEN,
                    _("{case} was already {status} when your “{action}” arrived, so there was nothing left to "
                      "do.").format(case=case.number, status=status_phrase(status), action=label),
                    text,
                )
            if case is not None:
                message = _("{case} changed while your “{action}” waited: it is {status} now. {next_steps} Your "
                            "change is kept: retry or discard it.")
            else:
                message = _("The case changed while your “{action}” waited: it is {status} now. {next_steps} Your "
                            "change is kept: retry or discard it.")
            return Verdict(
                False,
                NoticeKind.REFUSED,
                message.format(case=case.number if case is not None else "", action=label,
                               status=status_phrase(status), next_steps=_next_steps(case, status, role)),
                text,
            )
    if case is not None:
        message = _("{case}: {error} Your change is kept: retry or discard it.").format(
            case=case.number, error=error.message)
    else:
        message = _("{error} Your change is kept: retry or discard it.").format(error=error.message)
    return Verdict(False, NoticeKind.REFUSED, message, text)


def judge_applied(
    kind: str, payload: str, case: CaseOut | None, base_status: str | None, role: Role
) -> Verdict | None:
    """An applied reply on a case whose status is not what the user saw (plus the reply's effect)."""
    if kind != "add_comment" or case is None or not base_status:
        return None
    try:
        comment = CommentCreate.model_validate_json(payload)
        seen = Status(base_status)
    except (ValidationError, ValueError):
        return None
    if comment.kind != "reply":
        return None
    expected = status_after_reply(seen, role)
    if case.status is expected:
        return None
    return Verdict(
        True,
        NoticeKind.MOVED_ON,
        _("Your reply was added to {case}, but the case changed while it waited: it is {status} now. "
          "{next_steps}").format(case=case.number, status=status_phrase(case.status),
                                 next_steps=_next_steps(case, case.status, role)).strip(),
        comment.body,
    )


def _already(request: ActionRequest, case: CaseOut) -> bool:
    """The server's state already is what the action wanted."""
    action = request.action
    if action is Action.ESCALATE:
        return case.escalated
    if action is Action.REQUEST_CLOSE:
        return case.close_requested or case.status is Status.CLOSED
    if action is Action.MERGE:
        return case.status is Status.MERGED and case.parent_case_id == request.parent_case_id
    target = action.rule.to_status
    return target is not None and case.status is target


def _next_steps(case: CaseOut | None, status: Status, role: Role) -> str:
    if status is Status.MERGED:
        return _("It was merged into another case; follow up there.")
    state = CaseState(
        status, case.escalated if case else False, case.close_requested if case else False
    )
    return next_steps(state, role)


# --- notices --------------------------------------------------------------------------------


def add_notice(
    session: Session,
    case_id: str,
    op_id: str | None,
    kind: NoticeKind,
    message: str,
    text: str = "",
) -> None:
    session.add(
        SyncNotice(
            case_id=case_id,
            op_id=op_id,
            kind=kind.value,
            message=message,
            your_text=text,
            created_at=utcnow(),
            seen=False,
        )
    )


def record(session: Session, case_id: str, op_id: str | None, verdict: Verdict) -> Changes:
    add_notice(session, case_id, op_id, verdict.kind, verdict.message, verdict.your_text)
    return Changes(frozenset({case_id}), list_changed=True, outbox_changed=True,
                   conflicts=(case_id,))


def notices(db: CacheDB, *, case_id: str | None = None, unseen_only: bool = False) -> list[Notice]:
    """Newest first: what the Changes panel and `casedesktop status` show."""
    query = select(SyncNotice).order_by(SyncNotice.id.desc())
    if case_id is not None:
        query = query.where(SyncNotice.case_id == case_id)
    if unseen_only:
        query = query.where(SyncNotice.seen.is_(False))
    with db.reading() as session:
        return [
            Notice(n.id, n.case_id, n.op_id, n.kind, n.message, n.your_text, n.seen)
            for n in session.scalars(query)
        ]


def mark_seen(db: CacheDB, case_id: str | None = None) -> int:
    with db.transaction() as session:
        query = update(SyncNotice).where(SyncNotice.seen.is_(False))
        if case_id is not None:
            query = query.where(SyncNotice.case_id == case_id)
        return session.execute(query.values(seen=True)).rowcount or 0
