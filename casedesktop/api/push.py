"""The push protocol: a device sends its numbered changes; the server applies each exactly once.

    POST {API_PREFIX}/push
    {"device_id": "<uuid>", "protocol_version": 1,
     "mutations": [{"seq": 41, "id": "<uuid>", "kind": "add_comment", "case_id": "<uuid>",
                    "payload": {...CommentCreate...}}, ...]}
    -> 200 {"protocol_version": 1, "device_id": "<uuid>", "last_seq": 42,
            "results": [{"seq": 41, "id": "<uuid>", "status": "applied", "case": {...}, ...}]}

The pattern is Replicache's push protocol. Each device (one per client cache) numbers its changes
1, 2, 3, ... in the order it sends them. For every mutation, in one database transaction, the
server

- skips a number it already processed (`duplicate`, or `refused` again with the reason it gave
  the first time): a push whose answer was lost is simply sent again;
- refuses a gap (a number above last_seq + 1) or a number reused for a different change (`gap`):
  nothing is applied, from there to the end of the request, and the client renumbers its
  unconfirmed changes from `last_seq + 1`;
- otherwise applies it (`applied`) or refuses it for good (`refused`, with an ErrorOut), and in
  both cases records the number as the device's last processed one. A refusal is final: sending
  the same number again never applies it; the user's retry goes out under a new number.
- A mutation after a refused one of the same case in the same request is not applied (`blocked`):
  the client keeps it waiting behind the refused change, and sends it later under a new number.

A device id is bound to the user who first pushed with it; another user gets 409 (conflict,
field "device_id") and the client starts a new device. Entities keep their client-made ids, so
even a change sent under two device ids (a rebuilt cache) is applied once.

Versions: the request names the change format (`protocol_version`) its payloads are written in;
the server reads every version from MIN_PUSH_PROTOCOL_VERSION to its own, answers in the same
version, and refuses one it does not know with 422 (field "protocol_version"). A server without
this endpoint answers 404. In both cases the client falls back to the per-entity endpoints, which
are idempotent by the same client-made ids, so an old server and a new client still agree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from casedesktop.api.models import WIRE_INT_MAX, CaseOut, CommentOut, ErrorOut, RequestModel

PUSH_PATH = "/push"
PUSH_PROTOCOL_VERSION = 1
MIN_PUSH_PROTOCOL_VERSION = 1
MAX_MUTATIONS_PER_PUSH = 500

__all__ = [
    "MAX_MUTATIONS_PER_PUSH",
    "MIN_PUSH_PROTOCOL_VERSION",
    "PUSH_PATH",
    "PUSH_PROTOCOL_VERSION",
    "Mutation",
    "MutationKind",
    "MutationResult",
    "MutationStatus",
    "PushRequest",
    "PushResponse",
]


class _Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, use_enum_values=False)


class MutationKind(StrEnum):
    """What a mutation does; its payload is the body of the matching per-entity endpoint."""

    CREATE_CASE = "create_case"  # payload: CaseCreate
    ADD_COMMENT = "add_comment"  # payload: CommentCreate
    ACTION = "action"  # payload: ActionRequest
    ASK_CUSTOMER = "ask_customer"  # payload: AskCustomerRequest (staff)
    DELETE_COMMENT = "delete_comment"  # payload: CommentDeleteRequest (staff, their own internal note)


class MutationStatus(StrEnum):
    APPLIED = "applied"  # applied now
    DUPLICATE = "duplicate"  # this number was applied before; nothing was done again
    REFUSED = "refused"  # refused for good (now or the first time); `error` says why
    BLOCKED = "blocked"  # an earlier mutation of the same case in this request was refused
    GAP = "gap"  # out of sequence: renumber from the response's last_seq + 1 and send again


def _a_number(value: object) -> object:
    """A JSON number, as the schema says: not "5" or true, which pydantic would take for 5 and 1."""
    if isinstance(value, bool | str):
        raise ValueError("must be a number")
    return value


class Mutation(RequestModel):
    # The payload is checked (NUL characters included) as the model its kind names, when the
    # mutation is applied: a bad one is refused alone, and the rest of the batch goes on.
    _raw_fields: ClassVar[frozenset[str]] = frozenset({"payload"})

    seq: Annotated[int, BeforeValidator(_a_number)] = Field(ge=1, le=WIRE_INT_MAX)  # the device's change number: 1, 2, 3, ... no gaps
    id: UUID  # the client-made id of what it creates (case, comment, action)
    kind: str = Field(max_length=40)  # a MutationKind; a kind the server does not know is refused
    case_id: UUID
    payload: dict[str, Any]


class PushRequest(RequestModel):
    device_id: UUID
    # Any number parses, so that one this server does not read gets its own 422 (field
    # "protocol_version", naming the versions it reads); the schema states those versions.
    protocol_version: int = Field(
        default=PUSH_PROTOCOL_VERSION,
        ge=0,
        le=2**31 - 1,
        json_schema_extra={
            "minimum": MIN_PUSH_PROTOCOL_VERSION,
            "maximum": PUSH_PROTOCOL_VERSION,
        },
    )
    mutations: list[Mutation] = Field(max_length=MAX_MUTATIONS_PER_PUSH)


class MutationResult(_Model):
    seq: int = Field(le=WIRE_INT_MAX)  # (0 in the client's own results of per-entity requests)
    id: UUID
    status: MutationStatus
    error: ErrorOut | None = None
    case: CaseOut | None = None  # the case as it stands after this mutation (when visible)
    comment: CommentOut | None = None  # add_comment: the stored comment


class PushResponse(_Model):
    protocol_version: int
    device_id: UUID
    last_seq: int = Field(le=WIRE_INT_MAX)  # the last number the server processed for this device
    results: list[MutationResult]
