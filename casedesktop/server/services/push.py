"""A device's numbered changes (POST /api/v1/push), each applied exactly once and in order.

The protocol (Replicache's push) is described in casedesktop/api/push.py. Here: the loop that
applies each mutation in its own transaction through the same functions as the per-entity
endpoints (cases.create_case, comments.add_comment, actions.take_action, and for staff
actions.ask_customer and comments.delete_note): no rule lives twice.
The tables are models.PushDevice (which user a device belongs to, the last change number
processed) and models.PushRecord (each processed number, so a re-sent change gets the answer it
got the first time).

One transaction per mutation: the change, the device's new last_seq and the mutation's record
commit together, so a crash between two mutations leaves each either wholly processed or not at
all, and a re-sent request finds exactly the numbers already processed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pydantic
from sqlalchemy import select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from casedesktop.api import (
    ActionRequest,
    AskCustomerRequest,
    CaseCreate,
    CaseOut,
    CommentCreate,
    CommentDeleteRequest,
    ErrorCode,
    ErrorOut,
)
from casedesktop.api.push import (
    MIN_PUSH_PROTOCOL_VERSION,
    PUSH_PROTOCOL_VERSION,
    Mutation,
    MutationKind,
    MutationResult,
    MutationStatus,
    PushRequest,
    PushResponse,
)
from casedesktop.domain import MissingField, TransitionError
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions
from casedesktop.server.errors import ApiError, unstorable
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import PushDevice, PushRecord
from casedesktop.server.services import actions, cases, comments


def apply_push(sessions: Sessions, user: CurrentUser, body: PushRequest) -> PushResponse:
    """Apply the request's mutations in order, each in its own transaction (see the module doc)."""
    if not MIN_PUSH_PROTOCOL_VERSION <= body.protocol_version <= PUSH_PROTOCOL_VERSION:
        raise ApiError(
            422,
            ErrorCode.VALIDATION,
            f"This server reads change formats {MIN_PUSH_PROTOCOL_VERSION} to "
            f"{PUSH_PROTOCOL_VERSION}, not {body.protocol_version}.",
            field="protocol_version",
        )
    sessions.run_write(lambda session: _claim_device(session, user, body.device_id))
    results: list[MutationResult] = []
    refused_cases: set[uuid.UUID] = set()
    for mutation in body.mutations:
        if results and results[-1].status is MutationStatus.GAP:
            # Out of sequence from here on: a later number that happens to fit must not be
            # applied before the earlier ones the client renumbers and sends again.
            results.append(MutationResult(seq=mutation.seq, id=mutation.id, status=MutationStatus.GAP))
            continue
        result = sessions.run_write(
            lambda session, m=mutation: _process(session, user, body.device_id, m, refused_cases)
        )
        if result.status is MutationStatus.REFUSED:
            refused_cases.add(mutation.case_id)
        results.append(result)
    last_seq = sessions.run_read(
        lambda session: session.scalar(
            select(PushDevice.last_seq).where(PushDevice.device_id == body.device_id)
        )
    )
    return PushResponse(
        protocol_version=body.protocol_version, device_id=body.device_id, last_seq=last_seq or 0, results=results
    )


def _claim_device(session: Session, user: CurrentUser, device_id: uuid.UUID) -> None:
    device = session.get(PushDevice, device_id)
    if device is None:
        now = utcnow()
        session.add(PushDevice(device_id=device_id, user_id=user.id, last_seq=0,
                               created_at=now, updated_at=now))
        session.flush()
    elif device.user_id != user.id:
        raise ApiError(
            409,
            ErrorCode.CONFLICT,
            "This device id belongs to another user; the client must start a new device.",
            field="device_id",
        )


def _process(
    session: Session,
    user: CurrentUser,
    device_id: uuid.UUID,
    mutation: Mutation,
    refused_cases: set[uuid.UUID],
) -> MutationResult:
    """Apply one mutation, or say why not, in the caller's transaction (see the module doc)."""
    device = session.scalar(
        select(PushDevice).where(PushDevice.device_id == device_id).with_for_update()
    )
    assert device is not None  # claimed just before; devices are never deleted while in use
    result = MutationResult(seq=mutation.seq, id=mutation.id, status=MutationStatus.GAP)
    if mutation.seq <= device.last_seq:
        return _replay(session, user, device_id, mutation, result)
    if mutation.seq != device.last_seq + 1:
        return result  # a gap: nothing applied, the client renumbers

    now = utcnow()
    if mutation.case_id in refused_cases:
        result.status = MutationStatus.BLOCKED
    else:
        try:
            with session.begin_nested():
                result = _apply(session, user, mutation, now)
        except (ApiError, TransitionError, MissingField, pydantic.ValidationError, DataError) as exc:
            # A change that can never be applied is refused alone (DataError: a value the
            # database refuses, see errors.unstorable); a 500 here would fail the whole push on
            # every retry, and the device's later changes would never get through.
            result.status = MutationStatus.REFUSED
            result.error = _error_of(exc)
    result.case = result.case or _visible_case(session, user, mutation.case_id)
    device.last_seq = mutation.seq
    device.updated_at = now
    session.add(
        PushRecord(
            device_id=device_id,
            seq=mutation.seq,
            op_id=mutation.id,
            kind=mutation.kind[:40],
            case_id=mutation.case_id,
            status=result.status.value,
            error=result.error.model_dump(mode="json") if result.error else None,
            created_at=now,
        )
    )
    return result


def _apply(session: Session, user: CurrentUser, mutation: Mutation, now: datetime) -> MutationResult:
    applied = MutationStatus.APPLIED
    kind = mutation.kind
    if kind == MutationKind.CREATE_CASE:
        data = CaseCreate.model_validate(mutation.payload)
        _same_ids(mutation, data.id, case_too=True)
        case, created = cases.create_case(session, user, data, now)
        return MutationResult(seq=mutation.seq, id=mutation.id, status=_fresh(created), case=case)
    if kind == MutationKind.ADD_COMMENT:
        data = CommentCreate.model_validate(mutation.payload)
        _same_ids(mutation, data.id)
        comment, created = comments.add_comment(session, user, mutation.case_id, data, now)
        return MutationResult(
            seq=mutation.seq, id=mutation.id, status=_fresh(created), comment=comment
        )
    if kind == MutationKind.ACTION:
        data = ActionRequest.model_validate(mutation.payload)
        _same_ids(mutation, data.id)
        case = actions.take_action(session, user, mutation.case_id, data, now)
        return MutationResult(seq=mutation.seq, id=mutation.id, status=applied, case=case)
    if kind == MutationKind.ASK_CUSTOMER:
        asked = AskCustomerRequest.model_validate(mutation.payload)
        _same_ids(mutation, asked.id)
        case = actions.ask_customer(session, user, mutation.case_id, asked, now)
        return MutationResult(seq=mutation.seq, id=mutation.id, status=applied, case=case)
    if kind == MutationKind.DELETE_COMMENT:
        deleted = CommentDeleteRequest.model_validate(mutation.payload)
        _same_ids(mutation, deleted.id)
        done = comments.delete_note(session, user, mutation.case_id, deleted.comment_id, now)
        return MutationResult(seq=mutation.seq, id=mutation.id, status=_fresh(done))
    raise ApiError(
        422,
        ErrorCode.VALIDATION,
        f"This server does not know changes of kind {kind!r}; it may need an update.",
        field="kind",
    )


def _fresh(created: bool) -> MutationStatus:
    return MutationStatus.APPLIED if created else MutationStatus.DUPLICATE


def _same_ids(mutation: Mutation, payload_id: uuid.UUID, *, case_too: bool = False) -> None:
    if payload_id != mutation.id or (case_too and payload_id != mutation.case_id):
        raise ApiError(
            422, ErrorCode.VALIDATION, "The change's ids do not match its content.", field="id"
        )


def _replay(
    session: Session,
    user: CurrentUser,
    device_id: uuid.UUID,
    mutation: Mutation,
    result: MutationResult,
) -> MutationResult:
    """A number processed before: answer as the first time, if it is the same change."""
    record = session.get(PushRecord, (device_id, mutation.seq))
    if record is None or record.op_id != mutation.id:
        return result  # the number was used for another change: the client's count went back
    status = MutationStatus(record.status)
    if status is MutationStatus.APPLIED:
        result.status = MutationStatus.DUPLICATE
        if mutation.kind == MutationKind.ADD_COMMENT:
            result.comment = _existing_comment(session, user, mutation)
    else:
        result.status = status
        result.error = ErrorOut.model_validate(record.error) if record.error else None
    result.case = _visible_case(session, user, mutation.case_id)
    return result


def _existing_comment(session: Session, user: CurrentUser, mutation: Mutation):  # noqa: ANN202
    try:
        data = CommentCreate.model_validate(mutation.payload)
        with session.begin_nested():
            comment, _created = comments.add_comment(session, user, mutation.case_id, data, utcnow())
        return comment
    except (ApiError, pydantic.ValidationError):
        return None


def _visible_case(session: Session, user: CurrentUser, case_id: uuid.UUID) -> CaseOut | None:
    try:
        return cases.get_case(session, user, case_id)
    except ApiError:
        return None


def _error_of(exc: Exception) -> ErrorOut:
    """The ErrorOut the per-entity endpoints would have answered (routes/error_handlers.py)."""
    if isinstance(exc, ApiError):
        return exc.body
    if isinstance(exc, TransitionError):
        if exc.forbidden:
            return ErrorOut(code=ErrorCode.FORBIDDEN, message=str(exc))
        return ErrorOut(
            code=ErrorCode.INVALID_TRANSITION, message=str(exc), current_status=exc.state.status
        )
    if isinstance(exc, MissingField):
        return ErrorOut(code=ErrorCode.VALIDATION, message=str(exc), field=exc.field)
    if isinstance(exc, DataError):
        return unstorable()
    assert isinstance(exc, pydantic.ValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    message = str(first.get("msg", "The change is not valid."))
    return ErrorOut(
        code=ErrorCode.VALIDATION, message=f"{field}: {message}" if field else message, field=field
    )
