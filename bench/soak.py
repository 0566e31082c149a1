"""soak: kill -9 of `casedesktop sync` at 500 random moments while it pushes queued changes and
uploads 30 MB files; nothing may be lost or doubled, and each resume re-sends at most one chunk.

Runs only when named: `python -m bench --only soak` (about 15 min on a quiet 2-core machine);
the default `python -m bench` leaves it out. tests/sync/test_kill.py does the same at 50 kills
in CI; both run the rounds of testkit.killsoak.
Set-up: a server in this process (its database read directly for the checks), one customer's
profile reaching it through a proxy that reads upload bodies at 10 MB/s and counts the bytes
sent, 300 changes queued (--quick: 30) and a 30 MB file attached. Each round starts a sync (started ahead,
waiting on stdin, so the kill lands in the sync and not in Python's start-up), kills it after a
random delay, then checks the server and the outbox. No changes are added while a file waits
to go or is on its way (they would keep it waiting); once it is on the server, changes are
topped up whenever fewer than 100 wait, and the first top-up 25 or more kills after the last file brings another 30 MB
file (at most one per 25 kills asked for), so that kills keep landing mid-upload.
Figures, each against its bound (there is no other program to compare with):
- lost: queued changes found neither on the server nor waiting in the outbox after any kill, or
  missing after a sync to the end (every 10 kills and at the finish); bound 0.
- duplicated: anything on the server twice (a case created twice, a reply or file fed twice, an
  action applied twice), after any kill or sync to the end; bound 0.
- resent_median, resent_max: over the kills that cut off an upload (the killed sync sent PATCHes,
  none of them completing the file), the upload bytes sent in vain because of the kill, i.e.
  sent again on resume: a PATCH cut off mid-body, or refused because another sync got there
  first (the dead sync's last chunk still flows from its socket buffers while the next sync
  resumes); see testkit.killsoak's `resends`. Bound: one chunk (the uploader's largest PATCH).
- kills: syncs killed mid-way (a sync that finished before its kill does not count).
Every record's details hold the seed, rounds, load average at start and the other counts.
CASEDESKTOP_SOAK_KILLS sets the kills (500; --quick: 5), CASEDESKTOP_SOAK_SEED replays a run
(by default each run draws a new seed and reports it).
"""

from __future__ import annotations

import os
import random
import re
import statistics
from typing import Any

from bench.common import Context, Stats, load_average, make_record, not_available

NAME = "soak"
TITLE = "kill -9 of the sync at 500 moments: nothing lost or doubled, resumes re-send <= 1 chunk"
KILLS, QUICK_KILLS = 500, 5
FILE_EVERY = 25  # kills between one file's upload done and the next file
SECONDS_PER_KILL = 6.0  # the rounds' time budget; ~1.8 s per kill on a quiet 2-core machine
TARGETS = {
    "lost": ("changes", "0"),
    "duplicated": ("changes", "0"),
    "resent_median": ("bytes", "<= 1 chunk (the largest PATCH)"),
    "resent_max": ("bytes", "<= 1 chunk (the largest PATCH)"),
    "kills": ("kills", f"the kills asked for ({KILLS}; --quick: {QUICK_KILLS})"),
}
EMAIL = "soak@bench.example"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def changes_named(found: list[str]) -> set[str]:
    """The ids the checks' messages name ("comment <id>", "case <id> created 2 times"); the
    whole message where it names none."""
    named: set[str] = set()
    for message in found:
        named |= set(UUID.findall(message)) or {message}
    return named


def run(ctx: Context) -> list[dict[str, Any]]:
    from casedesktop.domain import Role
    from casedesktop.server.testing import running_server
    from casedesktop.sync.transfer import CHUNK_BYTES
    from testkit.killsoak import KillSoak

    kills = int(os.environ.get("CASEDESKTOP_SOAK_KILLS") or ctx.reps(KILLS, QUICK_KILLS))
    seed = int(os.environ.get("CASEDESKTOP_SOAK_SEED") or random.SystemRandom().randrange(2**31))
    files = 1 + max(0, kills - 1) // FILE_EVERY
    load = load_average()
    ctx.say(
        f"  seed {seed} (CASEDESKTOP_SOAK_SEED={seed} replays it), {kills} kills, {files} files"
    )
    lost: set[str] = set()
    doubled: set[str] = set()
    out_of_order: list[str] = []
    failed_syncs: list[str] = []
    server_dir = ctx.workdir / "soak-server"
    with running_server(server_dir, f"sqlite:///{ctx.workdir / 'soak-server.db'}") as world:
        world.add_user(EMAIL, Role.CUSTOMER, "Soak Traders", name="Soak Customer")
        workdir = ctx.workdir / "soak-client"
        workdir.mkdir(parents=True, exist_ok=True)
        soak = KillSoak(
            world,
            EMAIL,
            workdir,
            seed=seed,
            kills=kills,
            budget_s=max(120.0, SECONDS_PER_KILL * kills),
            files=files,
            file_every=FILE_EVERY,
            first_cases=ctx.reps(30, 3),  # --quick: the upload starts within the first kills
            env=ctx.env(),
        )
        with soak:
            reported = 0
            for done in soak.rounds():
                lost |= changes_named(done.lost)
                doubled |= changes_named(done.doubled)
                if done.fresh is not None:
                    lost |= changes_named(done.fresh.check.lost)
                    doubled |= changes_named(done.fresh.check.duplicated)
                    out_of_order += done.fresh.check.out_of_order
                    if done.fresh.code != 0:
                        failed_syncs.append(f"after kill {done.kill}: {done.fresh.err[-300:]}")
                if done.kill >= reported + 50 or (done.kill == kills and reported < kills):
                    reported = done.kill
                    ctx.say(
                        f"  {done.kill} kills in {done.number} rounds, {soak.elapsed:.0f} s: "
                        f"{len(lost)} lost, {len(doubled)} duplicated, "
                        f"{soak.kills_mid_upload} kills mid-upload"
                    )
            last = soak.finish()
            lost |= changes_named(last.check.lost)
            doubled |= changes_named(last.check.duplicated)
            out_of_order += last.check.out_of_order
            if last.code != 0:
                failed_syncs.append(f"the last sync: {last.err[-300:]}")
            resent = soak.resends()
    details = {
        "seed": seed,
        "kills_asked": kills,
        "kills": soak.killed,
        "rounds": soak.rounds_run,
        "kills_mid_push": soak.kills_mid_push,
        "kills_mid_upload": soak.kills_mid_upload,
        "uploads_cut_off": len(resent),
        "syncs_finished_before_kill": soak.completed,
        "changes_queued": soak.queued.total,
        "files": len(soak.big_files),
        "file_bytes": soak.file_bytes,
        "chunk_bytes": CHUNK_BYTES,
        "upload_bytes_sent": soak.sent,
        "upload_bytes_resent": soak.resent,  # in all; the per-resume figures add up to it
        "upload_bytes_resent_by_resumes": sum(resent),
        "out_of_order": out_of_order[:5],
        "failed_syncs": failed_syncs[:5],
        "soak_seconds": round(soak.elapsed, 1),
        "load_average_at_start": load,
    }
    chunk = Stats.of([CHUNK_BYTES])
    zero = Stats.of([0])
    records = [
        make_record(
            NAME,
            "lost",
            ours=Stats.of([len(lost)]),
            peer=zero,
            unit="changes",
            target=TARGETS["lost"][1],
            met=not lost,
            peer_name="none lost",
            details={**details, "lost_sample": sorted(lost)[:5]},
        ),
        make_record(
            NAME,
            "duplicated",
            ours=Stats.of([len(doubled)]),
            peer=zero,
            unit="changes",
            target=TARGETS["duplicated"][1],
            met=not doubled,
            peer_name="none twice",
            details={**details, "duplicated_sample": sorted(doubled)[:5]},
        ),
    ]
    for metric, figure in (("resent_median", "median"), ("resent_max", "max")):
        if not resent:
            records.append(
                not_available(
                    NAME,
                    metric,
                    "bytes",
                    TARGETS[metric][1],
                    f"no kill cut off an upload in {soak.killed} kills",
                    peer_name="one chunk",
                    details=details,
                    peer=chunk,
                )
            )
            continue
        stats = Stats.of(resent)
        value = stats.median if figure == "median" else stats.max
        records.append(
            make_record(
                NAME,
                metric,
                ours=stats,
                peer=chunk,
                unit="bytes",
                target=TARGETS[metric][1],
                met=value <= CHUNK_BYTES,
                peer_name="one chunk",
                figure=figure,
                details={
                    **details,
                    "resent_p90": round(stats.percentile(90)),
                    "resent_mean": round(statistics.fmean(resent)),
                },
            )
        )
    records.append(
        make_record(
            NAME,
            "kills",
            ours=Stats.of([soak.killed]),
            peer=Stats.of([kills]),
            unit="kills",
            target=TARGETS["kills"][1],
            met=soak.killed >= kills,
            peer_name="asked for",
            details=details,
        )
    )
    return records
