"""What the user does, written to the cache and queued for the server in one transaction.

Each function validates with the domain rules first, so nothing invalid is queued, and returns the
`Changes` it made. The outbox entry's op_id is the id of the entity it creates (case, comment,
activity), so "is this waiting to sync?" is one lookup by id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from casedesktop.api import ActionRequest, CaseCreate, CommentCreate
from casedesktop.domain import (
    Action,
    ActionInput,
    CaseState,
    CommentKind,
    Priority,
    Severity,
    Status,
    ValidationError,
    apply_action,
    known_product,
    status_after_reply,
    validate_emails,
    validate_new_case,
    validate_product,
    validate_reply,
    without_nul,
)
from casedesktop.i18n import _
from casedesktop.store import attachments, reference
from casedesktop.store.attachments import PreparedFile
from casedesktop.store.changes import Changes
from casedesktop.store.database import CacheDB
from casedesktop.store.meta import Identity
from casedesktop.store.models import ActivityRow, CaseRow, CommentRow, OutboxOp
from casedesktop.store.types import utcnow


class OpKind(StrEnum):
    CREATE_CASE = "create_case"
    ADD_COMMENT = "add_comment"
    ACTION = "action"
    UPLOAD = attachments.UPLOAD_KIND
    # Staff's changes (staff_changes.py)
    TRIAGE = "triage"
    ASSIGN = "assign"
    ASK_CUSTOMER = "ask_customer"
    DELETE_COMMENT = "delete_comment"


class InvalidInput(Exception):
    """The user's input breaks a domain rule; nothing was written."""

    def __init__(self, errors: list[ValidationError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _queue(session, kind: OpKind, op_id: str, case_id: str, payload: str, now: datetime) -> None:  # noqa: ANN001
    session.add(OutboxOp(op_id=op_id, case_id=case_id, kind=kind, payload=payload, created_at=now, updated_at=now))


def create_case(
    db: CacheDB,
    identity: Identity,
    *,
    subject: str,
    description: str,
    severity: str = Severity.STANDARD,
    product: str = "",
    account_id: str | None = None,
    files: list[PreparedFile] = (),
    contact_id: str | None = None,
    contact_name: str = "",
    environment: str = "",
    case_type: str = "",
    cc_emails: list[str] = (),
    priority: str | None = None,
    category: str = "",
    source: str = "",
) -> tuple[str, Changes]:
    """A new case in the cache and its outbox op. Staff may give its triage at once (priority,
    category, source); the server refuses those from a customer."""
    subject, description, environment, contact_name = (
        without_nul(subject), without_nul(description), without_nul(environment), without_nul(contact_name))
    errors = validate_new_case(subject, description, severity) + validate_emails(list(cc_emails))
    products = reference.load(db).products
    errors += validate_product(product, products)
    if errors:
        raise InvalidInput(errors)
    product = known_product(product, products) or ""
    now = utcnow()
    case_id = str(uuid.uuid4())
    request = CaseCreate(
        id=uuid.UUID(case_id),
        subject=subject.strip(),
        description=description,
        severity=Severity(severity),
        product=product.strip(),
        account_id=uuid.UUID(account_id) if account_id else None,
        created_at=now,
        contact_id=uuid.UUID(contact_id) if contact_id else None,
        environment=environment.strip(),
        case_type=case_type,
        cc_emails=list(cc_emails),
        priority=Priority(priority) if priority else None,
        category=category,
        source=source,
    )
    with db.transaction() as session:
        session.add(
            CaseRow(
                id=case_id,
                number=None,
                account_id=account_id,
                reported_by_name=identity.name,
                subject=request.subject,
                description=description,
                status=Status.NEW,
                severity=request.severity,
                product=request.product,
                created_at=now,
                updated_at=now,
                contact_name=contact_name or identity.name,
                contact_email="" if contact_name else identity.email,
                environment=request.environment,
                case_type=case_type,
                priority=request.priority.value if request.priority else None,
                category=request.category,
                source=request.source or "Desktop",
                cc_emails=", ".join(cc_emails),
            )
        )
        _queue(session, OpKind.CREATE_CASE, case_id, case_id, request.model_dump_json(), now)
        session.flush()  # the case row exists before its attachments refer to it
        attachments.record(session, list(files), case_id, None, identity.name, False, now)
    return case_id, Changes(frozenset({case_id}), list_changed=True, outbox_changed=True)


def add_comment(
    db: CacheDB,
    identity: Identity,
    case_id: str,
    body: str,
    kind: CommentKind = CommentKind.REPLY,
    files: list[PreparedFile] = (),
) -> tuple[str, Changes]:
    body = without_nul(body)
    errors = validate_reply(body)
    if kind is CommentKind.INTERNAL and not identity.role.is_staff:
        errors.append(ValidationError("kind", _("Only staff can write internal notes.")))
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    comment_id = str(uuid.uuid4())
    request = CommentCreate(id=uuid.UUID(comment_id), body=body, kind=kind, created_at=now)
    with db.transaction() as session:
        case = _get_case(session, case_id)
        session.add(
            CommentRow(
                id=comment_id,
                case_id=case_id,
                author_name=identity.name,
                author_id=identity.user_id or None,
                author_role=identity.role,
                kind=kind,
                body=body,
                created_at=now,
            )
        )
        if kind is CommentKind.REPLY:
            case.status = status_after_reply(Status(case.status), identity.role)
        case.updated_at = now
        _queue(session, OpKind.ADD_COMMENT, comment_id, case_id, request.model_dump_json(), now)
        attachments.record(session, list(files), case_id, comment_id, identity.name, kind is CommentKind.INTERNAL, now)
    return comment_id, Changes(frozenset({case_id}), list_changed=True, outbox_changed=True)


def take_action(
    db: CacheDB, identity: Identity, case_id: str, action: Action, given: ActionInput
) -> tuple[str, Changes]:
    """Apply a lifecycle action locally as the server will, and queue it.

    Raises the domain's TransitionError or MissingField when the action cannot be taken.
    """
    given = without_nul(given)
    now = utcnow()
    op_id = str(uuid.uuid4())
    with db.transaction() as session:
        case = _get_case(session, case_id)
        state = CaseState(Status(case.status), case.escalated, case.close_requested)
        transition = apply_action(action, state, identity.role, given, now)
        for name, value in transition.changes.items():
            if name == "survey":
                continue  # kept by the server only
            setattr(case, name, value.value if isinstance(value, StrEnum) else value)
        case.updated_at = now
        session.add(
            ActivityRow(
                id=op_id,
                case_id=case_id,
                actor_name=identity.name,
                action=action,
                from_status=transition.from_status,
                to_status=transition.to_status,
                reason=transition.reason,
                created_at=now,
            )
        )
        request = ActionRequest(
            id=uuid.UUID(op_id),
            action=action,
            reason=given.reason,
            summary=given.summary,
            root_cause=given.root_cause,
            resolution_type=given.resolution_type,
            parent_case_id=uuid.UUID(given.parent_case_id) if given.parent_case_id else None,
            survey=dict(given.survey),
        )
        _queue(session, OpKind.ACTION, op_id, case_id, request.model_dump_json(), now)
    return op_id, Changes(frozenset({case_id}), list_changed=True, outbox_changed=True)


def attach_files(db: CacheDB, identity: Identity, case_id: str, files: list[PreparedFile]) -> tuple[list[str], Changes]:
    """Files added to a case on their own (the Attachments tab, a dropped file, a recording)."""
    now = utcnow()
    with db.transaction() as session:
        case = _get_case(session, case_id)
        case.updated_at = now
        ids = attachments.record(session, files, case_id, None, identity.name, False, now)
    return ids, Changes(frozenset({case_id}), list_changed=True, outbox_changed=True)


def _get_case(session, case_id: str) -> CaseRow:  # noqa: ANN001
    case = session.get(CaseRow, case_id)
    if case is None:
        raise KeyError(_("No case {case} in this profile's cache.").format(case=case_id))
    return case


__all__ = ["InvalidInput", "OpKind", "add_comment", "create_case", "take_action"]
