"""What support staff do to a case besides replies and lifecycle actions: triage (priority,
category, source, severity), the owner, a question to the customer, deleting their own internal
note. Written to the cache and queued in one transaction, as local_changes does, so the agent's
desk works offline like the rest of the app.

Each change shows at once: the case row takes the new values, an optimistic activity entry (or
the question as a reply) appears under the op's id, and `server_state.rebase_case` replays the
change on every newer server state until the server confirms it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import AskCustomerRequest, AssignRequest, TriageRequest
from casedesktop.domain import (
    SOURCES,
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    Priority,
    Role,
    Severity,
    Status,
    Transition,
    ValidationError,
    apply_action,
    known_product,
    validate_reply,
    without_nul,
)
from casedesktop.i18n import _
from casedesktop.store import meta, reference
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.list_sql import WAITING
from casedesktop.store.local_changes import InvalidInput, OpKind, _get_case, _queue
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, AttachmentRow, CaseRow, CommentRow, OutboxOp
from casedesktop.store.types import utcnow


def require_staff(identity: Identity, message: str) -> None:
    """InvalidInput with `message` for a customer's profile: nothing is written or queued."""
    if not identity.role.is_staff:
        raise InvalidInput([ValidationError("role", message)])


def _changed(case_id: str) -> Changes:
    return Changes(frozenset({case_id}), list_changed=True, outbox_changed=True)


def known_source(wanted: str) -> str | None:
    """The source as the server spells it ("email" is Email), None when it is not one."""
    wanted = wanted.strip().casefold()
    return next((name for name in SOURCES if name.casefold() == wanted), None)


def known_category(wanted: str, categories: list[str]) -> str | None:
    """The category as the vendor spells it; `wanted` itself while no list is known (offline
    before the first sync: the server has the last word), None when it is not on the list."""
    return known_product(wanted, categories)


def check_triage(
    categories: list[str],
    *,
    priority: str | None = None,
    category: str | None = None,
    source: str | None = None,
    severity: str | None = None,
) -> list[ValidationError]:
    """The window's and the CLI's one check of a triage, before anything is written."""
    if priority is None and category is None and source is None and severity is None:
        return [ValidationError("priority", _("Set a priority, a category, a source or a severity."))]
    errors = []
    if priority is not None and priority not in Priority.__members__.values():
        errors.append(ValidationError("priority", _("There is no priority {priority}; choose one of {choices}.").format(
            priority=repr(priority), choices=", ".join(Priority))))
    if severity is not None and severity not in Severity.__members__.values():
        errors.append(ValidationError("severity", _("There is no severity {severity}; choose one of {choices}.").format(
            severity=repr(severity), choices=", ".join(Severity))))
    if source is not None and known_source(source) is None:
        errors.append(ValidationError("source", _("There is no source {source}; choose one of {choices}.").format(
            source=repr(source), choices=", ".join(SOURCES))))
    if category is not None and category.strip() and known_category(category, categories) is None:
        errors.append(ValidationError("category", _("There is no category {category}; choose one of {choices}.")
                                      .format(category=repr(category.strip()), choices=", ".join(categories))))
    return errors


def triage(
    db: CacheDB,
    identity: Identity,
    case_id: str,
    *,
    priority: str | None = None,
    category: str | None = None,
    source: str | None = None,
    severity: str | None = None,
) -> tuple[str, Changes]:
    """Set what staff decide about a case; what is left None stays as it is ("" clears the category)."""
    require_staff(identity, _("Only support staff triage cases."))
    category = without_nul(category) if category is not None else None
    categories = reference.load(db).categories
    errors = check_triage(categories, priority=priority, category=category, source=source, severity=severity)
    if errors:
        raise InvalidInput(errors)
    request = TriageRequest(
        id=uuid.uuid4(),
        priority=Priority(priority) if priority is not None else None,
        category=(known_category(category, categories) or "") if category is not None else None,
        source=known_source(source) if source is not None else None,
        severity=Severity(severity) if severity is not None else None,
    )
    op_id = str(request.id)
    now = utcnow()
    with db.transaction() as session:
        case = _get_case(session, case_id)
        apply_triage(case, request)
        session.add(ActivityRow(id=op_id, case_id=case_id, actor_name=identity.name, action=OpKind.TRIAGE.value,
                                from_status=case.status, to_status=case.status, reason="", created_at=now))
        _queue(session, OpKind.TRIAGE, op_id, case_id, request.model_dump_json(exclude_none=True), now)
    return op_id, _changed(case_id)


def apply_triage(case: CaseRow, request: TriageRequest) -> None:
    """A triage on a case row, as the server applies it: what the request leaves out stays."""
    if request.priority is not None:
        case.priority = request.priority.value
    if request.category is not None:
        case.category = request.category.strip()
    if request.source is not None:
        case.source = request.source
    if request.severity is not None:
        case.severity = request.severity.value


def assign(
    db: CacheDB,
    identity: Identity,
    case_id: str,
    *,
    owner_id: str | None = None,
    owner_email: str = "",
) -> tuple[str, Changes]:
    """Give the case to a staff member, named by id (the user's own) or email, or to nobody
    (neither given). Until the server answers, an owner named by email shows as that email."""
    require_staff(identity, _("Only support staff assign cases."))
    owner_email = without_nul(owner_email).strip()
    if owner_email and owner_email.casefold() == identity.email.casefold():
        owner_id, owner_email = identity.user_id, ""
    request = AssignRequest(
        id=uuid.uuid4(),
        owner_id=uuid.UUID(owner_id) if owner_id else None,
        owner_email=owner_email or None,
    )
    op_id = str(request.id)
    now = utcnow()
    with db.transaction() as session:
        case = _get_case(session, case_id)
        apply_assign(case, request, identity)
        session.add(ActivityRow(id=op_id, case_id=case_id, actor_name=identity.name, action=OpKind.ASSIGN.value,
                                from_status=case.status, to_status=case.status, reason="", created_at=now))
        _queue(session, OpKind.ASSIGN, op_id, case_id, request.model_dump_json(), now)
    return op_id, _changed(case_id)


def apply_assign(case: CaseRow, request: AssignRequest, me: Identity | None) -> None:
    """An assignment on a case row; the owner's name as far as this cache can know it."""
    if request.owner_id is not None:
        case.owner_id = str(request.owner_id)
        if me is not None and case.owner_id == me.user_id:
            case.owner_name = me.name
    elif request.owner_email:
        if me is not None and request.owner_email.casefold() == me.email.casefold():
            case.owner_id, case.owner_name = me.user_id, me.name
        else:
            case.owner_id, case.owner_name = None, request.owner_email
    else:
        case.owner_id, case.owner_name = None, ""


def ask_customer(db: CacheDB, identity: Identity, case_id: str, question: str) -> tuple[str, Changes]:
    """Ask the customer, as the server does in one step: the question as a reply (its id is the
    op's) and the case waiting on the customer, by the lifecycle's "ask customer" rule (the
    domain's TransitionError where the status does not allow it, e.g. a case not picked up)."""
    require_staff(identity, _("Only support staff can ask the customer for more."))
    question = without_nul(question)
    errors = validate_reply(question)
    if errors:
        raise InvalidInput([ValidationError("question", errors[0].message)])
    request = AskCustomerRequest(id=uuid.uuid4(), question=question)
    op_id = str(request.id)
    now = utcnow()
    with db.transaction() as session:
        case = _get_case(session, case_id)
        transition = _ask(case, identity.role, now)
        session.add(CommentRow(id=op_id, case_id=case_id, author_name=identity.name, author_id=identity.user_id or None,
                               author_role=identity.role, kind=CommentKind.REPLY, body=question, created_at=now))
        session.add(ActivityRow(id=op_id, case_id=case_id, actor_name=identity.name, action=transition.action.value,
                                from_status=transition.from_status, to_status=transition.to_status, reason="",
                                created_at=now))
        case.updated_at = now
        _queue(session, OpKind.ASK_CUSTOMER, op_id, case_id, request.model_dump_json(), now)
    return op_id, _changed(case_id)


def _ask(case: CaseRow, role: Role, now: datetime) -> Transition:
    """The case waiting on the customer (raises where its status does not allow asking)."""
    state = CaseState(Status(case.status), case.escalated, case.close_requested)
    transition = apply_action(Action.PENDING_CUSTOMER, state, role, ActionInput(), now)
    case.status = transition.to_status.value
    return transition


def _own_note(note: CommentRow, identity: Identity) -> bool:
    if note.author_id:
        return note.author_id == identity.user_id
    return note.author_name == identity.name  # a row kept before author ids were


def delete_note(db: CacheDB, identity: Identity, case_id: str, comment_ref: str) -> tuple[str, Changes]:
    """Take back one's own internal note: gone from the cache at once, deleted on the server at
    the next sync. The op keeps a copy of the note, so discarding the op brings it back."""
    require_staff(identity, _("Only support staff can delete internal notes."))
    now = utcnow()
    op_id = str(uuid.uuid4())
    with db.transaction() as session:
        _get_case(session, case_id)
        note = _find_comment(session, case_id, comment_ref)
        if note.kind != CommentKind.INTERNAL:
            raise InvalidInput([ValidationError("comment", _(
                "Only internal notes can be deleted; a reply stays in the conversation."))])
        if not _own_note(note, identity):
            raise InvalidInput([ValidationError("comment", _(
                "This note is {author}'s; you can delete only your own internal notes.").format(
                    author=note.author_name))])
        files = session.scalars(select(AttachmentRow).where(AttachmentRow.comment_id == note.id))
        kept = {"body": note.body, "kind": note.kind, "author_name": note.author_name,
                "author_id": note.author_id, "author_role": note.author_role,
                "created_at": note.created_at.isoformat(),
                "files": [{name: _plain(getattr(f, name)) for name in _FILE_COLUMNS} for f in files]}
        payload = {"id": op_id, "comment_id": note.id, "kept": kept}
        _drop_note(session, note.id)
        _queue(session, OpKind.DELETE_COMMENT, op_id, case_id, json.dumps(payload), now)
    return op_id, _changed(case_id)


def _find_comment(session, case_id: str, ref: str) -> CommentRow:  # noqa: ANN001
    """A comment of this case named by its id or a unique start of it (at least 4 characters)."""
    ref = ref.strip().lower()
    found = session.get(CommentRow, ref)
    if found is not None and found.case_id == case_id:
        return found
    matches = session.scalars(
        select(CommentRow).where(CommentRow.case_id == case_id, CommentRow.id.startswith(ref, autoescape=True))
        .limit(2)
    ).all() if len(ref) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise LookupError(_("Several comments of this case have ids starting with '{ref}': give more of the id.")
                          .format(ref=ref))
    raise LookupError(_("This case has no comment {ref}; `casedesktop cases show CASE --json` lists their ids.")
                      .format(ref=repr(ref)))


# --- replayed on the server's newer state (server_state.rebase_case) ----------------------------


def replay(session: Session, case: CaseRow, op: OutboxOp) -> None:
    """One waiting staff change, again on the case row the server's state just replaced (and, for
    a deleted note that a feed page or a push answer brought back, that note taken out again)."""
    if op.kind == OpKind.TRIAGE:
        apply_triage(case, TriageRequest.model_validate_json(op.payload))
    elif op.kind == OpKind.ASK_CUSTOMER:
        me = _me(session)
        _ask(case, me.role if me is not None else Role.CUSTOMER, op.created_at)
    elif op.kind == OpKind.ASSIGN:
        apply_assign(case, AssignRequest.model_validate_json(op.payload), _me(session))
    elif op.kind == OpKind.DELETE_COMMENT:
        _drop_note(session, str(json.loads(op.payload)["comment_id"]))


def drop_deleted_notes(session: Session, case_id: str) -> None:
    """Take out again the notes of this case whose deletion is still waiting to be sent."""
    for op in session.scalars(select(OutboxOp).where(
            OutboxOp.case_id == case_id, OutboxOp.kind == OpKind.DELETE_COMMENT, OutboxOp.state.in_(WAITING))):
        _drop_note(session, str(json.loads(op.payload)["comment_id"]))


def _drop_note(session: Session, comment_id: str) -> None:
    note = session.get(CommentRow, comment_id)
    if note is not None:
        session.delete(note)
    for attachment in session.scalars(select(AttachmentRow).where(AttachmentRow.comment_id == comment_id)):
        session.delete(attachment)


def restore_note(session: Session, op: OutboxOp) -> None:
    """A deletion discarded before the server saw it: the note comes back as it was kept."""
    payload = json.loads(op.payload)
    kept = payload.get("kept") or {}
    comment_id = str(payload.get("comment_id", ""))
    if not kept or not comment_id or session.get(CommentRow, comment_id) is not None:
        return
    session.add(CommentRow(
        id=comment_id, case_id=op.case_id, author_name=kept.get("author_name", ""), author_id=kept.get("author_id"),
        author_role=kept.get("author_role", ""), kind=kept.get("kind", CommentKind.INTERNAL.value),
        body=kept.get("body", ""), created_at=datetime.fromisoformat(kept["created_at"]),
    ))
    for file in kept.get("files", []):
        if session.get(AttachmentRow, file["id"]) is None:
            session.add(AttachmentRow(**{**file, "created_at": datetime.fromisoformat(file["created_at"])}))


# What a deleted note's op keeps of each of its files, to put them back with it.
_FILE_COLUMNS = ("id", "case_id", "comment_id", "filename", "size", "sha256", "content_type", "uploader_name",
                 "staff_only", "created_at")


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _me(session: Session) -> Identity | None:
    if "casedesktop_identity" not in session.info:
        session.info["casedesktop_identity"] = meta.load_identity(session)
    return session.info["casedesktop_identity"]


__all__ = [
    "apply_assign", "apply_triage", "ask_customer", "assign", "check_triage", "delete_note", "drop_deleted_notes",
    "known_source", "replay", "require_staff", "restore_note", "triage",
]
