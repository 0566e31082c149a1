"""The sync engine against a real server: a mixed queue pushed in order and once, refusals that
block only their case, an old server without /push, a device id taken by another user, 401."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest

from casedesktop.api import ErrorCode
from casedesktop.domain import Action, ActionInput
from casedesktop.store import local_changes, outbox, queries
from casedesktop.sync.api_client import Rejected
from tests.sync.conftest import CUSTOMER_EMAIL, OTHER_CUSTOMER_EMAIL
from tests.sync.helpers import check_server, make_device, queue_mixed


def test_a_mixed_queue_reaches_the_server_once_and_in_order(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    ann.engine.push_batch = 7  # many rounds, so batches split a case's changes
    queued = queue_mixed(ann, random.Random(1), cases=6, per_case=8)
    ann.sync_until_quiet()
    check = check_server(world, queued)
    assert check.ok, check
    assert outbox.counts(ann.db).waiting == 0
    listed = {c.id: c for c in queries.list_cases(ann.db)}
    assert all(listed[c].number and listed[c].sync_state == "synced" for c in queued.cases)
    # A second pass sends nothing and changes nothing.
    again = ann.sync()
    assert (again.pushed, again.refused) == (0, 0) and check_server(world, queued).ok
    ann.close()


def test_a_refused_change_blocks_its_case_only_and_keeps_the_users_text(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    first, _ = local_changes.create_case(ann.db, ann.identity, subject="First", description="d")
    second, _ = local_changes.create_case(ann.db, ann.identity, subject="Second", description="d")
    ann.sync_until_quiet()
    # The agent closes the first case while Ann, offline, escalates it and writes more.
    staff = world.signed_in("sam@vendor.example")
    assert staff.act(first, "close").status_code == 200
    local_changes.take_action(ann.db, ann.identity, first, Action.ESCALATE, ActionInput(reason="Still broken"))
    reply_id, _ = local_changes.add_comment(ann.db, ann.identity, first, "Blocked behind the escalation")
    other_reply, _ = local_changes.add_comment(ann.db, ann.identity, second, "This one flows")
    ann.sync_until_quiet()
    failed = outbox.failed_ops(ann.db)
    assert [f.kind for f in failed] == ["action"]
    assert "closed now" in failed[0].error and "reopen it" in failed[0].error
    detail = queries.case_detail(ann.db, first)
    assert detail.case.status == "closed" and not detail.case.escalated  # the server's state
    assert [(c.body, c.sync_state) for c in detail.comments] == [("Blocked behind the escalation", "waiting")]
    assert [c.body for c in queries.case_detail(ann.db, second).comments] == ["This one flows"]
    # The user discards the escalation; the reply behind it goes out.
    outbox.discard(ann.db, failed[0].op_id)
    ann.sync_until_quiet()
    assert outbox.counts(ann.db).waiting == 0
    assert [c["body"] for c in staff.get(f"/cases/{first}/comments").json()] == ["Blocked behind the escalation"]
    assert reply_id and other_reply
    ann.close()


def test_an_old_server_without_push_gets_the_per_entity_endpoints(world, tmp_path: Path, monkeypatch) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")

    def no_push(request):  # noqa: ANN001, ANN202
        from casedesktop.api import ErrorOut

        raise Rejected(404, ErrorOut(code=ErrorCode.NOT_FOUND, message="Not Found"))

    monkeypatch.setattr(ann.client, "push", no_push)
    queued = queue_mixed(ann, random.Random(2), cases=3, per_case=5)
    ann.sync_until_quiet()
    assert not ann.engine.use_push
    assert check_server(world, queued).ok
    assert outbox.counts(ann.db).waiting == 0
    ann.close()


def test_a_device_id_bound_to_another_user_starts_a_new_device(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    bob = make_device(world, OTHER_CUSTOMER_EMAIL, tmp_path / "bob")
    local_changes.create_case(bob.db, bob.identity, subject="Bob's", description="d")
    bob.sync_until_quiet()
    # Ann's cache was made from a copy of Bob's (same device id): the server says no.
    with ann.db.transaction() as session:
        from casedesktop.store import meta

        meta.put(session, outbox.DEVICE_ID, outbox.device_id(bob.db))
    queued = queue_mixed(ann, random.Random(3), cases=2, per_case=3)
    ann.sync_until_quiet()
    assert outbox.device_id(ann.db) != outbox.device_id(bob.db)
    assert check_server(world, queued).ok
    ann.close()
    bob.close()


def test_an_expired_sign_in_keeps_the_outbox_and_resumes(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    good_token = ann.client.token
    queued = queue_mixed(ann, random.Random(4), cases=2, per_case=3)
    ann.client.token = "expired-" + uuid.uuid4().hex
    report = ann.sync()
    assert report.needs_sign_in and "Sign in again" in report.error
    assert outbox.counts(ann.db).waiting == queued.total
    ann.client.token = good_token  # signed in again
    ann.sync_until_quiet()
    assert check_server(world, queued).ok
    ann.close()


@pytest.mark.parametrize("gap", ["lost_numbers", "counter_went_back"])
def test_the_client_renumbers_after_a_gap(world, tmp_path: Path, gap: str) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    first = queue_mixed(ann, random.Random(5), cases=2, per_case=4)
    ann.sync_until_quiet()
    from casedesktop.store import meta

    with ann.db.transaction() as session:
        current = int(meta.get(session, outbox.NEXT_PUSH_SEQ))
        meta.put(session, outbox.NEXT_PUSH_SEQ, str(current + 5 if gap == "lost_numbers" else 2))
    second = queue_mixed(ann, random.Random(6), cases=2, per_case=4)
    ann.sync_until_quiet()
    assert check_server(world, first).ok and check_server(world, second).ok
    assert outbox.counts(ann.db).waiting == 0
    ann.close()


def test_files_upload_in_order_with_their_case_and_reply(world, tmp_path: Path) -> None:
    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    files = []
    for n, size in enumerate((0, 1, 3 * 1024 * 1024 + 17)):
        path = tmp_path / f"file{n}.bin"
        path.write_bytes(random.Random(n).randbytes(size))
        files.append(path)
    queued = queue_mixed(ann, random.Random(7), cases=3, per_case=3, files=files)
    ann.engine.uploads = None
    reports = ann.sync_until_quiet()
    assert check_server(world, queued).ok, check_server(world, queued)
    assert sum(r.uploaded for r in reports) == 3
    assert sum(r.bytes_sent for r in reports) == sum(p.stat().st_size for p in files)
    assert outbox.counts(ann.db).waiting == 0
    ann.close()


def test_profiles_never_share_a_cache_a_device_or_a_queue(world, tmp_path: Path) -> None:
    from casedesktop.store import meta
    from casedesktop.store.meta import Identity

    ann = make_device(world, CUSTOMER_EMAIL, tmp_path / "ann")
    bob = make_device(world, OTHER_CUSTOMER_EMAIL, tmp_path / "bob")
    mine, _ = local_changes.create_case(ann.db, ann.identity, subject="Ann's", description="d")
    theirs, _ = local_changes.create_case(bob.db, bob.identity, subject="Bob's", description="d")
    ann.sync_until_quiet()
    bob.sync_until_quiet()
    assert outbox.device_id(ann.db) != outbox.device_id(bob.db)
    assert [c.id for c in queries.list_cases(ann.db)] == [mine]
    assert [c.id for c in queries.list_cases(bob.db)] == [theirs]
    with pytest.raises(ValueError, match="another profile"), ann.db.transaction() as session:
        meta.save_identity(session, Identity(world.base_url, bob.identity.user_id, bob.identity.email,
                                             bob.identity.name, bob.identity.role))
    ann.close()
    bob.close()
