"""push: 2,000 queued changes (cases, replies, actions) pushed to the server on loopback.

Set-up (not timed): a server process (`python -m casedesktop.server serve`), then for each
repetition a fresh customer in a fresh account, a fresh profile signed in with
`casedesktop.sync.sign_in.sign_in`, and 2,000 changes queued through the store's own functions
(`casedesktop.store.local_changes`): 500 cases, each with two replies and an escalation.
Ours: `SyncEngine._push` (the push half of `sync_once`; the pull half would time downloading the
echoes too) drains the outbox: 2,000 requests, each with the outbox bookkeeping around it.
Peer: a plain `requests.Session` loop posting the very same request bodies (read from the outbox
before our push, with fresh ids so the server creates rather than replays) for another fresh
customer. Repetitions alternate which goes first.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bench.common import Context, ServerProcess, Stats, load_average, make_record

NAME = "push"
TITLE = "2,000 queued changes pushed on loopback vs a plain requests loop"
RATIO_TARGET = 0.7
TARGETS = {"rate": ("changes/s", f">= {RATIO_TARGET}x the plain loop's rate")}
PASSWORD = "bench-password"
PROTOCOL: set[str] = set()  # how the engine sent the changes, as seen after each push
PATHS = {
    "create_case": "/cases",
    "add_comment": "/cases/{case}/comments",
    "action": "/cases/{case}/actions",
}


def queue_changes(db, identity, total: int) -> None:  # noqa: ANN001
    """`total` changes made through the store as the UI makes them: per case, create it, two
    replies, an escalation."""
    from casedesktop.domain import Action, ActionInput
    from casedesktop.store import local_changes

    made = 0
    n = 0
    while made < total:
        n += 1
        case_id, _ = local_changes.create_case(
            db,
            identity,
            subject=f"Push {n}: the invoice export stops at line 14",
            description="Exporting an invoice with more than 14 lines drops the last one.",
            severity="standard",
            product="Ledger Desktop",
        )
        made += 1
        for k in range(2):
            if made < total:
                local_changes.add_comment(
                    db,
                    identity,
                    case_id,
                    f"Reply {k + 1}: it also happens with the Modern template.",
                )
                made += 1
        if made < total:
            local_changes.take_action(
                db,
                identity,
                case_id,
                Action.ESCALATE,
                ActionInput(reason="Month-end close is tomorrow."),
            )
            made += 1


def queued_bodies(db) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(kind, case_id, payload) of every pending op, in the order they will be sent."""
    from sqlalchemy import select

    from casedesktop.store.models import OutboxOp

    with db.reading() as session:
        return [
            (op.kind, op.case_id, op.payload)
            for op in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))
        ]


def fresh_ids(bodies: list[tuple[str, str, str]]) -> list[tuple[str, bytes]]:
    """The same requests with new ids (paths and bodies), serialized ahead of the timed loop."""
    mapping: dict[str, str] = {}

    def new(old: str) -> str:
        return mapping.setdefault(old, str(uuid.uuid4()))

    requests_: list[tuple[str, bytes]] = []
    for kind, case_id, payload in bodies:
        body = json.loads(payload)
        body["id"] = new(body["id"])
        path = PATHS[kind].format(case=new(case_id))
        requests_.append((path, json.dumps(body).encode()))
    return requests_


def push_ours(url: str, db, token: str, identity, total: int) -> float:  # noqa: ANN001
    """Drain the outbox with the sync engine's push; changes per second. Notes in PROTOCOL
    whether the engine used batched POST /push or the per-entity endpoints."""
    from casedesktop.sync.api_client import ApiClient
    from casedesktop.sync.engine import SyncEngine, SyncReport

    engine = SyncEngine(db, ApiClient(url, token), identity.user_id)
    report = SyncReport()
    t0 = time.perf_counter()
    engine._push(report)
    elapsed = time.perf_counter() - t0
    engine.client.close()
    if report.pushed != total or report.refused:
        raise RuntimeError(f"pushed {report.pushed}, refused {report.refused} of {total}")
    batched = getattr(engine, "use_push", False)
    size = getattr(engine, "push_batch", None)
    PROTOCOL.add(f"POST /push in batches of {size}" if batched else "one request per change")
    return total / elapsed


def push_peer(api: str, email: str, requests_: list[tuple[str, bytes]]) -> float:
    """The same bodies posted one by one with a plain requests.Session; changes per second."""
    import requests

    session = requests.Session()
    login = session.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    headers = {
        "Authorization": f"Bearer {login.json()['token']}",
        "Content-Type": "application/json",
    }
    t0 = time.perf_counter()
    for path, body in requests_:
        answer = session.post(api + path, data=body, headers=headers, timeout=30)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"peer POST {path}: {answer.status_code} {answer.text}")
    elapsed = time.perf_counter() - t0
    session.close()
    return len(requests_) / elapsed


def run(ctx: Context) -> list[dict[str, Any]]:
    from bench import data
    from casedesktop.store.database import open_cache
    from casedesktop.sync.credentials import TokenStore
    from casedesktop.sync.sign_in import sign_in

    total = 100 if ctx.quick else 2000
    reps = ctx.reps(3, 2)
    server_dir = ctx.workdir / "push-server"
    sessions = data.server_sessions(server_dir)
    ours_rates: list[float] = []
    peer_rates: list[float] = []
    queue_s: list[float] = []
    with ServerProcess(server_dir, ctx.env()) as server:
        api = f"{server.url}/api/v1"
        load = load_average()
        for i in range(reps):
            # --- set-up: a customer, a signed-in profile and its outbox ---
            ours_email, peer_email = f"push-ours-{i}@bench.example", f"push-peer-{i}@bench.example"
            data.add_customer(sessions, ours_email, f"Push ours {i}", PASSWORD)
            data.add_customer(sessions, peer_email, f"Push peer {i}", PASSWORD)
            profile = ctx.workdir / f"push-profile-{i}"
            db = open_cache(profile)
            tokens = TokenStore(f"profile:{profile}")
            identity = sign_in(db, tokens, server.url, ours_email, PASSWORD, remember=False)
            t0 = time.perf_counter()
            queue_changes(db, identity, total)
            queue_s.append(time.perf_counter() - t0)
            bodies = queued_bodies(db)
            assert len(bodies) == total, len(bodies)
            peer_requests = fresh_ids(bodies)

            for who in ("ours", "peer") if i % 2 == 0 else ("peer", "ours"):
                if who == "ours":
                    ours_rates.append(push_ours(server.url, db, tokens.get(), identity, total))
                else:
                    peer_rates.append(push_peer(api, peer_email, peer_requests))
            db.close()
            ctx.say(
                f"  rep {i + 1}/{reps}: ours {ours_rates[-1]:.0f}/s, peer {peer_rates[-1]:.0f}/s "
                f"(queueing {total} changes took {queue_s[-1]:.1f} s, not timed)"
            )
    sessions.dispose()
    ours_stats, peer_stats = Stats.of(ours_rates), Stats.of(peer_rates)
    ratio = ours_stats.median / peer_stats.median
    return [
        make_record(
            NAME,
            "rate",
            ours=ours_stats,
            peer=peer_stats,
            unit="changes/s",
            target=TARGETS["rate"][1],
            met=ratio >= RATIO_TARGET,
            peer_name="plain requests loop",
            details={
                "changes": total,
                "mix": "per case: create, 2 replies, escalate",
                "ours_protocol": sorted(PROTOCOL),
                "peer_protocol": "one POST per change to /cases, /cases/{id}/comments, /actions",
                "ours_seconds": round(total / ours_stats.median, 2),
                "peer_seconds": round(total / peer_stats.median, 2),
                "queueing_seconds_not_timed": round(sum(queue_s) / len(queue_s), 2),
                "load_average_at_start": load,
            },
        )
    ]
