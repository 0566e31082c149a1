"""One endpoint per lifecycle action (`POST /cases/{id}/escalate`, `/resolve`, ...), each with the
body its action needs, plus staff's `/assign` and `/triage`.

All of them share the generic `POST /cases/{id}/actions` implementation
(`services.actions.take_action`), so the domain table decides everything: 409 with current_status
for a transition the state does not allow, 403 for a role that may not act, 422 naming the
missing field.
"""

# No `from __future__ import annotations` here: the endpoints are made in a loop, and FastAPI
# must see each body model as a real class, not as the string "model".

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel

from casedesktop.api import (
    AcceptRequest,
    ActionRequest,
    AskCustomerRequest,
    AssignRequest,
    CaseOut,
    MergeRequest,
    NoteRequest,
    ReasonRequest,
    ResolveRequest,
    TriageRequest,
)
from casedesktop.domain import Action
from casedesktop.domain.lifecycle import RULES
from casedesktop.server.base import utcnow
from casedesktop.server.routes.deps import Caller, sessions_of
from casedesktop.server.services import actions

BODY_BY_ACTION: dict[Action, type[BaseModel]] = {
    Action.ESCALATE: ReasonRequest,
    Action.REQUEST_CLOSE: NoteRequest,
    Action.CLOSE: NoteRequest,
    Action.ACCEPT: AcceptRequest,
    Action.REJECT: ReasonRequest,
    Action.REOPEN: ReasonRequest,
    Action.PICK_UP: NoteRequest,
    Action.PENDING_CUSTOMER: NoteRequest,
    Action.HOLD: NoteRequest,
    Action.RESUME: NoteRequest,
    Action.RESOLVE: ResolveRequest,
    Action.MERGE: MergeRequest,
}

router = APIRouter(tags=["lifecycle"])


def as_action_request(action: Action, body: BaseModel | None) -> ActionRequest:
    """The generic request a per-action body stands for (the server makes an id if none)."""
    fields: dict[str, Any] = body.model_dump(exclude_none=True) if body is not None else {}
    fields["id"] = fields.get("id") or uuid.uuid4()
    return ActionRequest(action=action, **fields)


def _describe(action: Action) -> str:
    rule = RULES[action]
    staff = {role.is_staff for role in rule.roles}
    who = {frozenset({True}): "staff", frozenset({False}): "customers"}.get(
        frozenset(staff), "customers and staff"
    )
    states = ", ".join(sorted(s.value for s in rule.from_statuses))
    to = rule.to_status.value if rule.to_status else "unchanged"
    needs = f" Needs: {', '.join(rule.requires)}." if rule.requires else ""
    return f"{action.label}: by {who}, from {states}; status becomes {to}.{needs}"


def _add_action_route(action: Action, model: type[BaseModel]) -> None:
    optional = all(not field.is_required() for field in model.model_fields.values())

    if optional:

        def endpoint(
            request: Request,
            user: Caller,
            case_id: uuid.UUID,
            body: Annotated[model | None, Body()] = None,  # type: ignore[valid-type]
        ) -> CaseOut:
            return _take(request, user, case_id, action, body)

    else:

        def endpoint(  # type: ignore[misc]
            request: Request,
            user: Caller,
            case_id: uuid.UUID,
            body: Annotated[model, Body()],  # type: ignore[valid-type]
        ) -> CaseOut:
            return _take(request, user, case_id, action, body)

    name = action.value.replace("-", "_")
    endpoint.__name__ = f"{name}_case"
    router.add_api_route(
        f"/cases/{{case_id}}/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=CaseOut,
        summary=action.label,
        description=_describe(action),
        operation_id=f"{name}_case",
    )


def _take(
    request: Request, user: Caller, case_id: uuid.UUID, action: Action, body: BaseModel | None
) -> CaseOut:
    generic = as_action_request(action, body)
    return sessions_of(request).run_write(
        lambda session: actions.take_action(session, user, case_id, generic, utcnow())
    )


for _action, _model in BODY_BY_ACTION.items():
    _add_action_route(_action, _model)


@router.post("/cases/{case_id}/ask-customer", response_model=CaseOut, summary="Ask customer (staff)")
def ask_customer(
    request: Request, user: Caller, case_id: uuid.UUID, body: AskCustomerRequest
) -> CaseOut:
    """Staff: a reply with the question and the case waiting on the customer, together (409
    where the status does not allow asking). The reply's id is the request's `id`."""
    return sessions_of(request).run_write(
        lambda session: actions.ask_customer(session, user, case_id, body, utcnow())
    )


@router.post("/cases/{case_id}/assign", response_model=CaseOut, summary="Assign (staff)")
def assign_case(request: Request, user: Caller, case_id: uuid.UUID, body: AssignRequest) -> CaseOut:
    """Staff: set the case's owner to a staff user (by `owner_id` or `owner_email`), or
    neither to unassign."""
    return sessions_of(request).run_write(
        lambda session: actions.assign(session, user, case_id, body, utcnow())
    )


@router.post("/cases/{case_id}/triage", response_model=CaseOut, summary="Triage (staff)")
def triage_case(request: Request, user: Caller, case_id: uuid.UUID, body: TriageRequest) -> CaseOut:
    """Staff: set priority, category, severity and/or source; fields left out stay as they are.
    A category must be one of GET /categories ("" clears it)."""
    return sessions_of(request).run_write(
        lambda session: actions.triage(session, user, case_id, body, utcnow())
    )
