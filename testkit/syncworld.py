"""A client device signed in to a test server (cache + engine, no thread), a mixed queue of
changes made offline, and checks of what the server holds, read straight from its database.

The sync tests and the kill soak benchmark share these. Unlike most of testkit, this module
imports the product and its server at the top: it is about nothing else.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from casedesktop.domain import Action, ActionInput, Role
from casedesktop.server.models import Activity, AppliedAction, Attachment, Case, ChangeLog, Comment
from casedesktop.server.testing import ServerHandle
from casedesktop.store import local_changes, meta, outbox
from casedesktop.store.attachments import prepare_files
from casedesktop.store.blobs import BlobStore
from casedesktop.store.database import CacheDB, open_cache
from casedesktop.store.meta import Identity
from casedesktop.store.models import OutboxOp
from casedesktop.sync.api_client import ApiClient
from casedesktop.sync.engine import SyncEngine, SyncReport


@dataclass
class Device:
    """One signed-in client: its cache, its API client and its sync engine (no thread)."""

    profile: Path
    db: CacheDB
    identity: Identity
    client: ApiClient
    engine: SyncEngine

    @property
    def blobs(self) -> BlobStore:
        return self.engine.blobs

    def sync(self) -> SyncReport:
        return self.engine.sync_once()

    def sync_until_quiet(self, max_passes: int = 200) -> list[SyncReport]:
        """Sync again and again (no backoff: the tests' faults are the backoff) until a pass
        ends cleanly with nothing left pending or in flight."""
        reports = []
        for _ in range(max_passes):
            report = self.sync()
            reports.append(report)
            if report.ok and not outbox.sendable(self.db):  # what is left waits behind a refusal
                return reports
        raise AssertionError(f"no convergence after {max_passes} passes: {reports[-1]}")

    def close(self) -> None:
        self.client.close()
        self.db.close()


def make_device(world: ServerHandle, email: str, profile: Path, base_url: str | None = None,
                timeout: tuple[float, float] = (2.0, 5.0)) -> Device:
    signed = world.signed_in(email)
    token = signed.http.headers["Authorization"].split(" ", 1)[1]
    user = signed.user
    url = base_url or world.base_url
    identity = Identity(url, str(user["id"]), user["email"], user["name"], Role(user["role"]))
    profile.mkdir(parents=True, exist_ok=True)
    db = open_cache(profile)
    with db.transaction() as session:
        meta.save_identity(session, identity)
    client = ApiClient(url, token)
    client.session.trust_env = False  # loopback: never through a proxy of the environment
    client.timeout = timeout
    return Device(profile, db, identity, client, SyncEngine(db, client, identity.user_id))


@dataclass
class Queued:
    """What a test queued, to check on the server afterwards."""

    cases: list[str] = field(default_factory=list)
    comments: dict[str, list[str]] = field(default_factory=dict)  # case -> comment ids in order
    actions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # case -> (id, action)
    files: dict[str, str] = field(default_factory=dict)  # attachment id -> sha256

    @property
    def total(self) -> int:
        return (len(self.cases) + sum(map(len, self.comments.values()))
                + sum(map(len, self.actions.values())) + len(self.files))

    @property
    def ids(self) -> list[str]:
        """Every queued change's id (cases, comments, action ops, attachments)."""
        ids = list(self.cases) + list(self.files)
        ids += [c for comments in self.comments.values() for c in comments]
        ids += [a for actions in self.actions.values() for a, _ in actions]
        return ids

    def merge(self, more: Queued) -> None:
        self.cases += more.cases
        self.comments.update(more.comments)
        self.actions.update(more.actions)
        self.files.update(more.files)


# A customer's action cycle valid from `new`: each pass through it changes the case's status, so
# a change applied out of order would be refused and show up as a failure.
CYCLE: list[tuple[Action, ActionInput]] = [
    (Action.CLOSE, ActionInput()),
    (Action.REOPEN, ActionInput(reason="It happened again")),
]


def queue_mixed(device: Device, rng: random.Random, cases: int, per_case: int,
                files: list[Path] = (), tag: str = "") -> Queued:
    """Cases made offline, each with replies and lifecycle actions interleaved (and files)."""
    queued = Queued()
    ident = device.identity
    for n in range(cases):
        case_id, _ = local_changes.create_case(
            device.db, ident, subject=f"{tag}Case {n} {uuid.uuid4().hex[:6]}",
            description=f"Made offline, number {n}.", severity="standard",
        )
        queued.cases.append(case_id)
        queued.comments[case_id] = []
        queued.actions[case_id] = []
        escalated = False
        cycle = 0
        for i in range(per_case):
            roll = rng.random()
            if roll < 0.55:
                comment_id, _ = local_changes.add_comment(device.db, ident, case_id, f"Reply {i} on case {n}")
                queued.comments[case_id].append(comment_id)
            elif roll < 0.65 and not escalated and cycle % 2 == 0:  # escalate an active case
                op_id, _ = local_changes.take_action(device.db, ident, case_id, Action.ESCALATE,
                                                     ActionInput(reason="Production is down"))
                queued.actions[case_id].append((op_id, Action.ESCALATE.value))
                escalated = True
            else:
                action, given = CYCLE[cycle % 2]
                op_id, _ = local_changes.take_action(device.db, ident, case_id, action, given)
                queued.actions[case_id].append((op_id, action.value))
                cycle += 1
        if files and n < len(files):
            prepared = prepare_files(device.blobs, [files[n]])
            ids, _ = local_changes.attach_files(device.db, ident, case_id, prepared)
            queued.files[ids[0]] = prepared[0].sha256
    return queued


@dataclass
class ServerCheck:
    lost: list[str]
    duplicated: list[str]
    out_of_order: list[str]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.out_of_order)


def check_server(world: ServerHandle, queued: Queued) -> ServerCheck:
    """Every queued change on the server exactly once, and in the order made, per case."""
    lost: list[str] = []
    duplicated: list[str] = []
    order: list[str] = []
    with world.sessions.reader() as session:
        for case_id in queued.cases:
            cid = uuid.UUID(case_id)
            if session.get(Case, cid) is None:
                lost.append(f"case {case_id}")
                continue
            creates = session.scalars(
                select(Activity).where(Activity.case_id == cid, Activity.action == "create")).all()
            if len(creates) != 1:
                duplicated.append(f"case {case_id} created {len(creates)} times")
            # Comments: all there, once, in the order the client made them (feed order).
            fed = [row.entity_id for row in session.scalars(
                select(ChangeLog).where(ChangeLog.case_id == cid, ChangeLog.entity == "comment")
                .order_by(ChangeLog.seq))]
            wanted = [uuid.UUID(c) for c in queued.comments[case_id]]
            present = {c.id for c in session.scalars(select(Comment).where(Comment.case_id == cid))}
            lost += [f"comment {c}" for c in wanted if c not in present]
            counts = Counter(fed)
            duplicated += [f"comment {c} fed {n} times" for c, n in counts.items() if n > 1]
            if [c for c in dict.fromkeys(fed) if c in set(wanted)] != [c for c in wanted if c in present]:
                order.append(f"comments of {case_id}")
            # Actions: each applied once, and the activity log in the order the client took them.
            applied = {a.id for a in session.scalars(select(AppliedAction).where(AppliedAction.case_id == cid))}
            lost += [f"action {a}" for a, _ in queued.actions[case_id] if uuid.UUID(a) not in applied]
            log = list(session.scalars(
                select(Activity.action)
                .join(ChangeLog, (ChangeLog.entity_id == Activity.id) & (ChangeLog.entity == "activity"))
                .where(Activity.case_id == cid, Activity.action.not_in(("create", "reply")))
                .order_by(ChangeLog.seq)))
            wanted_actions = [name for _, name in queued.actions[case_id]]
            if Counter(log) != Counter(wanted_actions):
                duplicated.append(f"actions of {case_id}: {log} != {wanted_actions}")
            elif log != wanted_actions:
                order.append(f"actions of {case_id}: {log}")
        for attachment_id, sha256 in queued.files.items():
            found = session.get(Attachment, uuid.UUID(attachment_id))
            if found is None:
                lost.append(f"file {attachment_id}")
            elif found.sha256 != sha256:
                lost.append(f"file {attachment_id} damaged")
    return ServerCheck(lost, duplicated, order)


def duplicates(world: ServerHandle, case_ids: list[str]) -> list[str]:
    """Anything on the server twice: a case created twice, a comment or file fed twice, an action
    applied twice (more activity entries than action ids applied). Grouped queries: cheap enough
    to run after every kill."""
    wanted = {uuid.UUID(c) for c in case_ids}
    found: list[str] = []
    with world.sessions.reader() as session:
        creates = session.execute(
            select(Activity.case_id, func.count()).where(Activity.action == "create")
            .group_by(Activity.case_id).having(func.count() > 1)).all()
        found += [f"case {c} created {n} times" for c, n in creates if c in wanted]
        fed = session.execute(
            select(ChangeLog.entity_id, func.count())
            .where(ChangeLog.entity.in_(("comment", "attachment"))).group_by(ChangeLog.entity_id)
            .having(func.count() > 1)).all()
        found += [f"{entity} fed {n} times" for entity, n in fed]
        logged = dict(session.execute(
            select(Activity.case_id, func.count()).where(Activity.action.not_in(("create", "reply")))
            .group_by(Activity.case_id)).all())
        applied = dict(session.execute(
            select(AppliedAction.case_id, func.count()).group_by(AppliedAction.case_id)).all())
        found += [f"case {c}: {logged.get(c, 0)} actions logged, {applied.get(c, 0)} applied"
                  for c in wanted if logged.get(c, 0) != applied.get(c, 0)]
    return found


def lost_changes(world: ServerHandle, db: CacheDB, queued: Queued) -> list[str]:
    """Queued changes neither on the server nor still waiting in the client's outbox: what a
    crash at the wrong moment would have lost."""
    with world.sessions.reader() as session:
        on_server = {str(i) for i in session.scalars(select(Case.id))}
        on_server |= {str(i) for i in session.scalars(select(Comment.id))}
        on_server |= {str(i) for i in session.scalars(select(AppliedAction.id))}
        on_server |= {str(i) for i in session.scalars(select(Attachment.id))}
    with db.reading() as session:
        waiting = set(session.scalars(select(OutboxOp.op_id).where(OutboxOp.state != "done")))
    return [i for i in queued.ids if i not in on_server and i not in waiting]
