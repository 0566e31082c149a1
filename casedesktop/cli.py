"""`casedesktop`: no verb opens the window; verbs script the same cache and sync engine."""

from __future__ import annotations

import contextlib
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from casedesktop import __version__
from casedesktop.domain import (
    CASE_TYPES,
    SOURCES,
    Action,
    ActionInput,
    CommentKind,
    MissingField,
    Priority,
    Role,
    Severity,
    Status,
    TransitionError,
    parse_emails,
    status_text,
)
from casedesktop.i18n import _, format_datetime, format_number, format_size, install, ngettext

# The cache and sync layers (SQLAlchemy, pydantic, requests: ~0.4 s and ~20 MB) are imported
# by the verbs that use them, so `casedesktop record` loads only the recorder.
if TYPE_CHECKING:
    import argparse

    from casedesktop.app import Profile
    from casedesktop.store import queries
    from casedesktop.store.attachments import PreparedFile
    from casedesktop.store.meta import Identity


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, exit code 2."""


def _when(value: datetime | None) -> str:
    return format_datetime(value, empty="-")


def _role(profile: Profile) -> Role:
    """Whose words the labels use ("Waiting on you" for a customer); a customer's when signed out."""
    identity = profile.identity
    return identity.role if identity is not None else Role.CUSTOMER


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- verbs -------------------------------------------------------------------------------------


def cmd_login(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.sync.sign_in import sign_in

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError(_("No password came on standard input: give it as the first line."))
    elif not sys.stdin.isatty():
        raise UsageError(_("There is no terminal to ask for the password: give it on standard input with "
                           "--password-stdin, e.g. `casedesktop login ... --password-stdin < password.txt`."))
    else:
        import getpass

        password = getpass.getpass(_("Password for {email}:").format(email=args.email) + " ")
    identity = sign_in(profile.db, profile.tokens, args.server, args.email, password)
    print(_("Signed in to {server} as {name} <{email}> ({role}).").format(
        server=identity.server_url, name=identity.name, email=identity.email, role=identity.role))
    print(_("Run `casedesktop sync` to fetch your cases."))
    if profile.tokens.warning:
        print(profile.tokens.warning, file=sys.stderr)
    return 0


def cmd_logout(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.sync.sign_in import sign_out

    sign_out(profile.db, profile.tokens)
    print(_("Signed out. Unsent changes stay in this profile until you sign in again."))
    return 0


def cmd_cases_list(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import queries

    statuses = tuple(Status(s).value for s in args.status) if args.status else ()
    rows = queries.list_cases(profile.db, statuses=statuses)
    if args.json:
        print(json.dumps([_summary_json(r) for r in rows], indent=2))
        return 0
    if not rows:
        print(_("No cases in this profile yet."))
        return 0
    role = _role(profile)
    # Translators: the column headings of `casedesktop cases list`, padded to their columns' widths.
    headings = _("NUMBER"), _("STATUS"), _("SEVERITY"), _("UPDATED"), _("SUBJECT")
    print(f"{headings[0]:<16} {headings[1]:<24} {headings[2]:<9} {headings[3]:<16} {headings[4]}")
    marks = {"waiting": " " + _("(waiting to sync)"), "failed": " " + _("(sync failed)")}
    for r in rows:
        mark = marks.get(r.sync_state, "")
        status = status_text(Status(r.status), role, r.escalated, r.close_requested)
        print(f"{r.label:<16} {status:<24} {r.severity:<9} {_when(r.updated_at):<16} {r.subject}{mark}")
    return 0


def _summary_json(r: queries.CaseSummary) -> dict[str, object]:
    return {
        "id": r.id,
        "number": r.number,
        "subject": r.subject,
        "status": r.status,
        "severity": r.severity,
        "product": r.product,
        "account": r.account_name,
        "owner": r.owner_name,
        "escalated": r.escalated,
        "unread": r.unread,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
        "sync_state": r.sync_state,
    }


def cmd_cases_show(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import queries

    detail = queries.case_detail(profile.db, queries.resolve_case_ref(profile.db, args.case))
    c = detail.case
    if args.json:
        print(json.dumps(_detail_json(detail), indent=2))
        return 0
    number = c.number or _("(not sent yet)")
    print(f"{number}  {c.subject}")
    fields = [
        (_("Status:"), status_text(Status(c.status), _role(profile), c.escalated, c.close_requested)),
        (_("Severity:"), Severity(c.severity).label),
        (_("Product:"), c.product or "-"),
        (_("Account:"), c.account_name or "-"),
        (_("Reported by:"), c.reported_by_name or "-"),
        (_("Owner:"), c.owner_name or "-"),
    ]
    if _role(profile).is_staff:  # staff's triage: a customer's cache holds none of it
        fields += [(_("Priority:"), Priority(c.priority).label if c.priority else "-"),
                   (_("Category:"), c.category or "-"), (_("Source:"), _(c.source) if c.source else "-")]
    fields += [
        (_("Created:"), _when(c.created_at)),
        (_("Updated:"), _when(c.updated_at)),
        (_("Sync:"), detail.sync_state),
    ]
    if c.resolution_summary:
        fields += [(_("Resolution:"), c.resolution_summary), (_("Root cause:"), c.resolution_root_cause or "-"),
                   (_("Resolution type:"), c.resolution_type or "-")]
    for label, value in fields:
        print(f"  {label:<17}{value}")
    print(f"\n{c.description}\n\n" + _("Conversation:"))
    for m in detail.comments:
        tag = " " + _("[internal]") if m.kind == CommentKind.INTERNAL else ""
        wait = " " + _("(waiting to sync)") if m.sync_state != "synced" else ""
        print(f"  {_when(m.created_at)}  {m.author_name} ({m.author_role}){tag}{wait}:\n    {m.body}")
    print("\n" + _("Activity:"))
    for a in detail.activity:
        change = f" {a.from_status} → {a.to_status}" if a.from_status and a.to_status and a.from_status != a.to_status else ""
        reason = f": {a.reason}" if a.reason else ""
        print(f"  {_when(a.created_at)}  {a.actor_name} {a.action}{change}{reason}")
    return 0


def _detail_json(detail: queries.CaseDetail) -> dict[str, object]:
    c = detail.case
    return {
        "id": c.id,
        "number": c.number,
        "subject": c.subject,
        "description": c.description,
        "status": c.status,
        "severity": c.severity,
        "priority": c.priority,
        "product": c.product,
        "account": c.account_name,
        "reported_by": c.reported_by_name,
        "owner": c.owner_name,
        "owner_id": c.owner_id,
        "category": c.category,
        "source": c.source,
        "sla": json.loads(c.sla) if c.sla else None,
        "escalated": c.escalated,
        "close_requested": c.close_requested,
        "resolution": {
            "summary": c.resolution_summary,
            "root_cause": c.resolution_root_cause,
            "type": c.resolution_type,
        },
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "resolved_at": _iso(c.resolved_at),
        "closed_at": _iso(c.closed_at),
        "sync_state": detail.sync_state,
        "comments": [
            {"id": m.id, "author": m.author_name, "role": m.author_role, "kind": m.kind, "body": m.body,
             "created_at": _iso(m.created_at), "sync_state": m.sync_state}
            for m in detail.comments
        ],
        "activity": [
            {"id": a.id, "actor": a.actor_name, "action": a.action, "from": a.from_status, "to": a.to_status,
             "reason": a.reason, "created_at": _iso(a.created_at), "sync_state": a.sync_state}
            for a in detail.activity
        ],
    }


def _prepare(profile: Profile, paths: list[Path] | None) -> list[PreparedFile]:
    """The same checks and messages as the window: limits before copying, named files."""
    from casedesktop.store.attachments import prepare_files

    return prepare_files(profile.blobs, list(paths or []))


def cmd_cases_new(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import local_changes

    identity = profile.require_identity()
    files = _prepare(profile, args.attach)
    case_id, _changes = local_changes.create_case(
        profile.db, identity, subject=args.subject, description=args.description,
        severity=args.severity, product=args.product, account_id=args.account,
        environment=args.environment or "", case_type=args.type or "", cc_emails=parse_emails(args.cc or ""),
        files=files,
    )
    if files:
        print(ngettext("Saved case {id} with {count} file; it will be sent at the next `casedesktop sync`.",
                       "Saved case {id} with {count} files; it will be sent at the next `casedesktop sync`.",
                       len(files)).format(id=case_id, count=len(files)))
    else:
        print(_("Saved case {id}; it will be sent at the next `casedesktop sync`.").format(id=case_id))
    return 0


def cmd_cases_download(profile: Profile, args: argparse.Namespace) -> int:
    """Every file of the case into --out, each verified by sha256 (resumed if cut before)."""
    from casedesktop.store import queries
    from casedesktop.sync.transfer import download

    case_id = queries.resolve_case_ref(profile.db, args.case)
    detail = queries.case_detail(profile.db, case_id)
    blobs = profile.blobs
    out = args.out or Path.cwd()
    client = profile.api()
    saved = 0
    try:
        for attachment in detail.attachments:
            download(client, blobs, attachment.id, attachment.sha256, attachment.size)
            target = out / safe_filename(attachment.filename, attachment.id)
            blobs.export(attachment.sha256, target)
            print(_("{path}  {size}  sha256 {sha256}").format(
                path=target, size=format_size(attachment.size), sha256=attachment.sha256))
            saved += 1
    finally:
        client.close()
    if not saved:
        print(_("{case} has no attachments.").format(case=detail.case.number or case_id), file=sys.stderr)
    return 0


def safe_filename(name: str, fallback: str) -> str:
    """A name the server relayed, made safe to write: no folders, no hidden or empty names."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    return base or fallback


def cmd_cases_attach(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import local_changes, queries

    identity = profile.require_identity()
    case_id = queries.resolve_case_ref(profile.db, args.case)
    files = _prepare(profile, args.files)
    local_changes.attach_files(profile.db, identity, case_id, files)
    print(ngettext("Attached {count} file; uploaded at the next sync.", "Attached {count} files; uploaded at the next sync.",
                   len(files)).format(count=len(files)))
    return 0


def cmd_cases_reply(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import local_changes, queries

    identity = profile.require_identity()
    case_id = queries.resolve_case_ref(profile.db, args.case)
    kind = CommentKind.INTERNAL if args.internal else CommentKind.REPLY
    files = _prepare(profile, args.attach)
    comment_id, _changes = local_changes.add_comment(profile.db, identity, case_id, args.text, kind, files=files)
    if args.internal and files:
        text = ngettext("Saved internal note {id} with {count} file; it will be sent at the next sync.",
                        "Saved internal note {id} with {count} files; it will be sent at the next sync.", len(files))
    elif files:
        text = ngettext("Saved reply {id} with {count} file; it will be sent at the next sync.",
                        "Saved reply {id} with {count} files; it will be sent at the next sync.", len(files))
    elif args.internal:
        text = _("Saved internal note {id}; it will be sent at the next sync.")
    else:
        text = _("Saved reply {id}; it will be sent at the next sync.")
    print(text.format(id=comment_id, count=len(files)))
    return 0


def cmd_cases_action(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import local_changes, queries

    identity = profile.require_identity()
    case_id = queries.resolve_case_ref(profile.db, args.case)
    given = ActionInput(
        reason=args.reason or "",
        summary=args.summary or "",
        root_cause=args.root_cause or "",
        resolution_type=args.resolution_type or "",
        parent_case_id=queries.resolve_case_ref(profile.db, args.parent) if args.parent else "",
    )
    local_changes.take_action(profile.db, identity, case_id, Action(args.action), given)
    print(_("{action}: saved; it will be sent at the next sync.").format(action=Action(args.action).label))
    return 0


def cmd_cases_triage(profile: Profile, args: argparse.Namespace) -> int:
    """Staff: priority, category, source, severity and owner, saved at once and sent at the next sync."""
    from casedesktop.store import queries, staff_changes

    identity = profile.require_identity()
    staff_changes.require_staff(identity, _("Only support staff triage cases."))
    fields = {"priority": args.priority, "category": args.category, "source": args.source, "severity": args.severity}
    if all(value is None for value in fields.values()) and args.owner is None:
        raise UsageError(_("Say what to change: --priority, --category, --source, --severity or --owner."))
    owner = _owner(identity, args.owner) if args.owner is not None else None
    case_id = queries.resolve_case_ref(profile.db, args.case)
    if any(value is not None for value in fields.values()):
        staff_changes.triage(profile.db, identity, case_id, **fields)
    if owner is not None:
        staff_changes.assign(profile.db, identity, case_id, **owner)
    number = queries.case_detail(profile.db, case_id).case.number or case_id
    print(_("Saved the triage of {case}; it will be sent at the next sync.").format(case=number))
    return 0


def _owner(identity: Identity, given: str) -> dict[str, str | None]:
    """--owner as the assignment it names: me, none (nobody) or a staff member's email."""
    from casedesktop.domain import validate_emails

    given = given.strip()
    if given.casefold() == "me":
        return {"owner_id": identity.user_id}
    if given.casefold() == "none":
        return {}
    if not given or validate_emails([given]):
        raise UsageError(_("--owner takes an email, `me` or `none`, not {given}.").format(given=repr(given)))
    return {"owner_email": given}


def _source_name(given: str) -> str:
    """--source in any letter case, as the server spells it ("phone" is Phone)."""
    from casedesktop.store.staff_changes import known_source

    return known_source(given) or given


def cmd_cases_ask(profile: Profile, args: argparse.Namespace) -> int:
    """Staff: ask the customer (a reply, and the case waits on them), saved at once."""
    from casedesktop.store import queries, staff_changes

    identity = profile.require_identity()
    case_id = queries.resolve_case_ref(profile.db, args.case)
    question_id, _changes = staff_changes.ask_customer(profile.db, identity, case_id, args.question)
    print(_("Saved question {id}; the case waits on the customer, and the question is sent at the next sync.")
          .format(id=question_id))
    return 0


def cmd_cases_delete_note(profile: Profile, args: argparse.Namespace) -> int:
    """Staff: take back one's own internal note (gone here at once, on the server at the next sync)."""
    from casedesktop.store import queries, staff_changes

    identity = profile.require_identity()
    case_id = queries.resolve_case_ref(profile.db, args.case)
    staff_changes.delete_note(profile.db, identity, case_id, args.comment_id)
    print(_("Deleted the internal note; the server forgets it at the next sync."))
    return 0


def cmd_sync(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import outbox

    engine = profile.sync_engine()
    engine.lock_timeout = 60.0  # the window may be syncing this profile: wait for it
    try:
        report = engine.sync_once()
    finally:
        engine.client.close()
    counts = outbox.counts(profile.db)
    print(_("Pushed {pushed}, refused {refused}, pulled {pulled}; {waiting} waiting.").format(
        pushed=report.pushed, refused=report.refused, pulled=report.pulled, waiting=counts.waiting))
    if report.error:
        print(report.error, file=sys.stderr)
    for failed in outbox.failed_ops(profile.db):
        print(_("Refused by the server: {kind} on {case}: {error}").format(
            kind=failed.kind, case=failed.case_number or failed.case_id, error=failed.error), file=sys.stderr)
    for notice in report_notices(profile, report):
        print(notice, file=sys.stderr)
    return 0 if counts.waiting == 0 and report.ok else 1


def report_notices(profile: Profile, report) -> list[str]:  # noqa: ANN001 - a SyncReport
    """The news about the user's own changes from this pass (overtaken, moved on), newest last."""
    from casedesktop.store import conflicts

    if not report.changes.conflicts:
        return []
    found = conflicts.notices(profile.db, unseen_only=True)
    shown = [_("Note: {message}").format(message=n.message) for n in reversed(found)
             if n.kind != conflicts.NoticeKind.REFUSED]
    conflicts.mark_seen(profile.db)
    return shown


def cmd_status(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import conflicts, meta, outbox, recovery

    identity = profile.identity
    counts = outbox.counts(profile.db)
    with profile.db.reading() as session:
        cursor = int(meta.get(session, meta.CURSOR, "0") or 0)
        last_sync = meta.get(session, meta.LAST_SYNC) or None
        last_error = meta.get(session, meta.LAST_ERROR)
        device = meta.get(session, outbox.DEVICE_ID) or None
        last_recovery = meta.get(session, recovery.LAST_RECOVERY)
    signed_in = identity is not None and profile.tokens.get() is not None
    online = _probe(identity.server_url) if signed_in else False
    status = {
        "waiting": counts.waiting,
        "failed": counts.failed,
        "last_sync": last_sync,
        "cursor": cursor,
        "online": online,
        "server": identity.server_url if identity else None,
        "user": identity.email if identity else None,
        "role": identity.role.value if identity else None,
        "last_error": last_error,
        "profile": str(profile.directory),
        "conflicts": len(conflicts.notices(profile.db, unseen_only=True)),
        "device_id": device,
        "last_recovery": last_recovery or None,
        "signed_in": signed_in,
    }
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    if signed_in:
        who = (_("Signed in as {email} on {server}; online") if online
               else _("Signed in as {email} on {server}; offline"))
    elif identity is not None:
        who = _("Signed out (last signed in as {email} on {server})")
    else:
        who = _("Not signed in")
    who = who.format(email=identity.email, server=identity.server_url) if identity is not None else who
    if last_sync:
        line = _("{who}; {waiting} waiting to be sent, {refused} refused; last sync {time}")
    else:
        line = _("{who}; {waiting} waiting to be sent, {refused} refused; last sync never")
    print(line.format(who=who, waiting=counts.waiting, refused=counts.failed,
                      time=_when(datetime.fromisoformat(last_sync)) if last_sync else ""))
    return 0


def _probe(server_url: str) -> bool:
    from casedesktop.sync.api_client import ApiClient, SyncError

    client = ApiClient(server_url)
    client.timeout = (2, 3)
    try:
        client.health()
        return True
    except SyncError:
        return False
    finally:
        client.close()


def cmd_outbox(profile: Profile, args: argparse.Namespace) -> int:
    from casedesktop.store import outbox

    if args.retry:
        op_id = outbox.find_op(profile.db, args.retry)
        outbox.retry(profile.db, op_id)
        print(_("Change {id} will be sent again at the next sync (`casedesktop sync`).").format(id=op_id))
    if args.discard:
        op_id = outbox.find_op(profile.db, args.discard)
        outbox.discard(profile.db, op_id)
        print(_("Change {id} was discarded; the server will never see it.").format(id=op_id))
    refused = outbox.failed_ops(profile.db)
    if not refused and not (args.retry or args.discard):
        print(_("No refused changes: everything you did was accepted or is waiting to be sent."))
    for failed in refused:
        print(f"{failed.op_id}  {failed.kind:<12} {failed.case_number or failed.case_id}  {failed.error}")
    return 0


def cmd_products(profile: Profile, args: argparse.Namespace) -> int:
    """The vendor's products, as the last sync cached them: the names `cases new --product` takes."""
    from casedesktop.store import reference

    return _print_names(reference.load(profile.db).products, args.json,
                        _("No product list yet: sign in and run `casedesktop sync` first."))


def _print_names(names: list[str], as_json: bool, none_yet: str) -> int:
    """A cached list of names, one a line or as JSON; `none_yet` (exit 1) when sync brought none."""
    if as_json:
        print(json.dumps(names, indent=2))
        return 0
    if not names:
        print(none_yet, file=sys.stderr)
        return 1
    for name in names:
        print(name)
    return 0


def cmd_summary(profile: Profile, args: argparse.Namespace) -> int:
    """Staff: the desk's counts, asked of the server (they count every case, not only this cache's)."""
    from casedesktop.store import staff_changes
    from casedesktop.sync.staff_desk import fetch_summary

    staff_changes.require_staff(profile.require_identity(), _("Only support staff have the desk's summary."))
    client = profile.api()
    try:
        summary = fetch_summary(client)
    finally:
        client.close()
    if args.json:
        print(json.dumps(summary.model_dump(mode="json"), indent=2))
        return 0
    csat = summary.csat
    if csat.answers and csat.average is not None:
        satisfaction = ngettext("{average} of {scale} from {count} answer, {satisfied} satisfied",
                                "{average} of {scale} from {count} answers, {satisfied} satisfied", csat.answers).format(
            average=format_number(csat.average, 1), scale=csat.scale, count=csat.answers, satisfied=csat.satisfied)
    else:
        satisfaction = _("no answers yet")
    rows = [
        (_("Open:"), format_number(summary.open)),
        (_("Resolved today:"), format_number(summary.resolved_today)),
        (_("Total:"), format_number(summary.total)),
        (_("Critical:"), format_number(summary.critical)),
        (_("Overdue:"), format_number(summary.overdue)),
        (_("Unassigned:"), format_number(summary.unassigned)),
        (_("Mine:"), format_number(summary.mine)),
        (_("First response:"), _duration(summary.avg_first_response_seconds)),
        (_("Satisfaction:"), satisfaction),
    ]
    for label, value in rows:
        print(f"{label:<18}{value}")
    print(ngettext("First response and satisfaction: the last {count} day.",
                   "First response and satisfaction: the last {count} days.",
                   summary.window_days).format(count=summary.window_days))
    return 0


def _duration(seconds: float | None) -> str:
    """An average wait as people say it: 42 min, 3 h 5 min; "-" when there is none."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    return _("{hours} h {minutes} min").format(hours=format_number(minutes // 60), minutes=minutes % 60)


def cmd_categories(profile: Profile, args: argparse.Namespace) -> int:
    """The vendor's case categories, as the last sync cached them: the names `cases triage --category` takes."""
    from casedesktop.store import reference

    return _print_names(reference.load(profile.db).categories, args.json,
                        _("No category list yet: sign in as support staff and run `casedesktop sync` first."))


def cmd_notices(profile: Profile, args: argparse.Namespace) -> int:
    """What sync did with the user's own changes: refused, overtaken, or applied to a case that
    had moved on; newest first. Listing them marks them seen."""
    from casedesktop.store import conflicts

    found = conflicts.notices(profile.db, unseen_only=not args.all)
    if args.json:
        print(json.dumps([{"case_id": n.case_id, "op_id": n.op_id, "kind": n.kind, "message": n.message,
                           "your_text": n.your_text, "seen": n.seen} for n in found], indent=2))
    elif not found:
        print(_("Nothing new about your changes."))
    for n in found if not args.json else ():
        kept = "\n    " + _("Your text: {text}").format(text=n.your_text) if n.your_text else ""
        print(f"[{n.kind}] {n.message}{kept}")
    conflicts.mark_seen(profile.db)
    return 0


def cmd_record(profile: Profile | None, args: argparse.Namespace) -> int:
    """Record without the window; progress and a summary on stderr, with --json a JSON summary on stdout."""
    from casedesktop.recording import RecordingError, record_to_file

    try:
        result = record_to_file(
            args.out, args.seconds, fps=args.fps, region=args.region, monitor=args.monitor, codec=args.codec
        )
    except (RecordingError, ValueError) as exc:
        print(_("casedesktop: cannot record: {error}").format(error=exc), file=sys.stderr)
        return 2
    duration = result.duration_s
    if not args.json:  # the human summary went to stderr as it finished
        return 1 if result.error else 0
    print(json.dumps({
        "path": str(result.path),
        "frames_written": result.frames_encoded,
        "frames_dropped": result.frames_dropped,
        "frames_dropped_late": result.frames_dropped_late,
        "fps": round(result.frames_encoded / duration, 2) if duration else 0.0,
        "duration": round(duration, 3),
        "bytes": result.bytes,
        "width": result.width,
        "height": result.height,
        "stop_reason": result.stop_reason,
        "error": result.error,
    }, indent=2))
    return 1 if result.error else 0


def cmd_screenshot(profile: Profile | None, args: argparse.Namespace) -> int:
    """A PNG of the screen without the window; a summary on stderr, with --json a JSON summary on stdout."""
    from casedesktop.recording import RecordingError, Rect
    from casedesktop.recording.screenshot import grab, save_bgra_png

    try:
        image = grab(args.monitor, Rect.parse(args.region) if args.region else None)
        save_bgra_png(image, args.out)
    except (RecordingError, ValueError) as exc:
        print(_("casedesktop: cannot take a screenshot: {error}").format(error=exc), file=sys.stderr)
        return 2
    except OSError as exc:
        error = _("{path} cannot be written: {reason}.").format(path=args.out, reason=exc.strerror or exc)
        print(_("casedesktop: cannot take a screenshot: {error}").format(error=error), file=sys.stderr)
        return 2
    height, width = image.shape[:2]
    size = args.out.stat().st_size
    if args.json:
        print(json.dumps({"path": str(args.out), "width": width, "height": height, "bytes": size}, indent=2))
    else:
        print(_("Saved {path}: {width}x{height}, {size}").format(
            path=args.out, width=width, height=height, size=format_size(size)), file=sys.stderr)
    return 0


def cmd_demo(profile: Profile | None, args: argparse.Namespace) -> int:
    from casedesktop.demo import run_demo

    return run_demo(args.profile, keep=args.keep, as_agent=args.agent)


def cmd_gui(profile: Profile | None, args: argparse.Namespace) -> int:
    from casedesktop.ui.main import run_gui

    return run_gui(args.profile)


# --- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="casedesktop",
                                     description=_("Customer support cases, on your desktop, online or not."))
    parser.add_argument("--version", action="version", version=f"casedesktop {__version__}")
    parser.add_argument("--profile", type=Path, help=_("profile folder (default: $CASEDESKTOP_HOME or your data folder)"))
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    def verb(name: str, func: Callable, help: str, parent=verbs) -> argparse.ArgumentParser:  # noqa: A002, ANN001
        p = parent.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = verb("login", cmd_login, _("sign in to a server"))
    p.add_argument("--server", required=True, help=_("server URL, e.g. https://support.example.com"))
    p.add_argument("--email", required=True)
    p.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    verb("logout", cmd_logout, _("forget the sign-in token (the cache stays)"))

    cases = verbs.add_parser("cases", help=_("list, show, create and act on cases")).add_subparsers(
        dest="cases_verb", metavar="VERB", required=True)
    p = verb("list", cmd_cases_list, _("list the profile's cases"), cases)
    p.add_argument("--status", action="append", choices=[s.value for s in Status],
                   help=_("only these statuses (repeatable)"))
    p.add_argument("--json", action="store_true")
    p = verb("show", cmd_cases_show, _("show one case: fields, conversation, activity"), cases)
    p.add_argument("case", help=_("case number (CS-1001) or id"))
    p.add_argument("--json", action="store_true")
    p = verb("new", cmd_cases_new, _("open a new case (saved at once, sent at the next sync)"), cases)
    p.add_argument("--subject", required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--severity", default=Severity.STANDARD.value, choices=[s.value for s in Severity])
    p.add_argument("--product", default="")
    p.add_argument("--account", help=_("account id, when you belong to several"))
    p.add_argument("--environment", help=_("tenant, site or environment"))
    p.add_argument("--type", choices=list(CASE_TYPES))
    p.add_argument("--cc", help=_("emails to copy, comma-separated"))
    p.add_argument("--attach", action="append", type=Path, metavar="FILE", help=_("attach a file (repeatable)"))
    p = verb("reply", cmd_cases_reply, _("add a reply (or, for staff, an internal note)"), cases)
    p.add_argument("case")
    p.add_argument("--text", required=True)
    p.add_argument("--internal", action="store_true", help=_("staff only: a note the customer never sees"))
    p.add_argument("--attach", action="append", type=Path, metavar="FILE", help=_("attach a file (repeatable)"))
    p = verb("download", cmd_cases_download, _("save every file of a case, verified by sha256"), cases)
    p.add_argument("case")
    p.add_argument("--out", type=Path, help=_("folder to save into (default: the current folder)"))
    p = verb("attach", cmd_cases_attach, _("attach files to a case (uploaded at the next sync)"), cases)
    p.add_argument("case")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p = verb("action", cmd_cases_action, _("take a lifecycle action"), cases)
    p.add_argument("case")
    p.add_argument("action", choices=[a.value for a in Action])
    p.add_argument("--reason", help=_("why (escalate, reject, reopen need one)"))
    p.add_argument("--summary", help=_("resolution summary (resolve)"))
    p.add_argument("--root-cause")
    p.add_argument("--resolution-type")
    p.add_argument("--parent", help=_("the case to merge into (merge)"))

    p = verb("triage", cmd_cases_triage, _("staff: set priority, category, source, severity or owner"), cases)
    p.add_argument("case")
    p.add_argument("--priority", type=str.lower, choices=[p.value for p in Priority])
    p.add_argument("--category", help=_("one of `casedesktop categories` (\"\" clears it)"))
    p.add_argument("--source", type=_source_name, choices=list(SOURCES))
    p.add_argument("--severity", type=str.lower, choices=[s.value for s in Severity])
    p.add_argument("--owner", metavar="EMAIL|me|none", help=_("assign to a staff member, to yourself, or to nobody"))
    p = verb("ask", cmd_cases_ask, _("staff: ask the customer a question; the case then waits on them"), cases)
    p.add_argument("case")
    p.add_argument("--question", required=True)
    p = verb("delete-note", cmd_cases_delete_note, _("staff: delete one of your own internal notes"), cases)
    p.add_argument("case")
    p.add_argument("comment_id", metavar="COMMENT_ID", help=_("the note's id, or a unique start of it"))

    verb("sync", cmd_sync, _("one pass: push what is waiting, then pull; exit 0 only when nothing is left waiting"))
    p = verb("status", cmd_status, _("sign-in, connection and what is waiting"))
    p.add_argument("--json", action="store_true")
    p = verb("outbox", cmd_outbox, _("list changes the server refused; retry or discard one"))
    p.add_argument("--retry", metavar="OP_ID")
    p.add_argument("--discard", metavar="OP_ID")

    p = verb("products", cmd_products, _("list the vendor's products (the names `cases new --product` takes)"))
    p.add_argument("--json", action="store_true")

    p = verb("summary", cmd_summary, _("staff: the desk's counts (open, resolved today, overdue, ...) from the server"))
    p.add_argument("--json", action="store_true")
    p = verb("categories", cmd_categories, _("staff: list the case categories (the names `cases triage --category` takes)"))
    p.add_argument("--json", action="store_true")

    p = verb("notices", cmd_notices, _("what sync did with your changes: refused, overtaken, moved on"))
    p.add_argument("--all", action="store_true", help=_("also those already seen"))
    p.add_argument("--json", action="store_true")

    p = verb("record", cmd_record, _("record the screen to a video file, without the window"))
    p.add_argument("--out", type=Path, required=True,
                   help=_("the video file to write: .mp4 or .mkv (.webm too with --codec vp9 or av1)"))
    p.add_argument("--seconds", type=float, default=10.0, help=_("how long to record (default 10)"))
    p.add_argument("--fps", type=int, default=15, help=_("frames per second, 1 to 30 (default 15)"))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--monitor", type=int, default=1, help=_("0: all monitors, 1..: one monitor (default 1)"))
    where.add_argument("--region", help=_("X,Y,W,H in screen pixels"))
    p.add_argument("--codec", default="h264", choices=["h264", "vp9", "av1"])
    p.add_argument("--json", action="store_true", help=_("print a JSON summary on standard output"))
    p = verb("screenshot", cmd_screenshot, _("save a PNG of the screen, without the window"))
    p.add_argument("--out", type=Path, required=True, help=_("the PNG file to write (replaced if it exists)"))
    where = p.add_mutually_exclusive_group()
    where.add_argument("--monitor", type=int, default=1, help=_("0: all monitors, 1..: one monitor (default 1)"))
    where.add_argument("--region", help=_("X,Y,W,H in screen pixels"))
    p.add_argument("--json", action="store_true", help=_("print a JSON summary on standard output"))
    p = verb("demo", cmd_demo, _("start a local demo server with sample cases and open the window signed in"))
    p.add_argument("--keep", action="store_true", help=_("keep the demo folder afterwards"))
    p.add_argument("--agent", action="store_true",
                   help=_("sign in as the demo's support agent, to try the staff side, instead of its customer"))
    verb("gui", cmd_gui, _("open the window (the default)"))
    return parser


NO_PROFILE = {cmd_record, cmd_screenshot, cmd_demo, cmd_gui}


def _window_only(argv: list[str]) -> Path | str | None:
    """For `casedesktop [--profile DIR] [gui]`: the profile ("" for the default); else None."""
    if argv[-1:] == ["gui"]:
        argv = argv[:-1]
    if not argv:
        return ""
    if len(argv) == 2 and argv[0] == "--profile" and argv[1] and not argv[1].startswith("-"):
        return Path(argv[1])
    if len(argv) == 1 and argv[0].startswith("--profile=") and len(argv[0]) > len("--profile="):
        return Path(argv[0].removeprefix("--profile="))
    return None


class TerminalSafe:
    """A text stream that shows control and bidi characters as escapes instead of sending them to
    the terminal: case text comes from other people, and `\x1b]0;...` in a subject must not
    retitle, erase or fake what the reader's terminal shows."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write("".join(_shown(ch) for ch in text))

    def __getattr__(self, name: str):  # noqa: ANN204 - flush, fileno, encoding... as the stream's
        return getattr(self.stream, name)


def _shown(ch: str) -> str:
    if ch in "\n\t" or (ch >= " " and ch != "\x7f" and unicodedata.category(ch) not in ("Cc", "Cf")):
        return ch
    return ch.encode("unicode_escape").decode("ascii")


def main(argv: Sequence[str] | None = None) -> int:
    install()  # the language of LANGUAGE, LC_ALL, LC_MESSAGES or LANG (English without a catalog)
    window_profile = _window_only(sys.argv[1:] if argv is None else list(argv))
    if window_profile is not None:  # the window's cold start: argparse is not even loaded
        from casedesktop.ui.main import run_gui

        return run_gui(window_profile or None)
    with contextlib.redirect_stdout(TerminalSafe(sys.stdout)), contextlib.redirect_stderr(TerminalSafe(sys.stderr)):
        return _run_verb(argv)


def _run_verb(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_gui)
    if func in NO_PROFILE:
        return func(None, args)
    from casedesktop.app import NotSignedIn, open_profile
    from casedesktop.store.attachments import AttachmentError
    from casedesktop.store.database import CacheError
    from casedesktop.store.local_changes import InvalidInput
    from casedesktop.sync.api_client import AuthRequired, SyncError

    profile: Profile | None = None
    try:
        profile = open_profile(args.profile)
        if profile.recovery is not None:
            print(f"casedesktop: {profile.recovery.message}", file=sys.stderr)
        return func(profile, args)
    except (InvalidInput, MissingField, TransitionError, LookupError, NotSignedIn, UsageError, CacheError, ValueError,
            AttachmentError) as exc:
        print(f"casedesktop: {exc}", file=sys.stderr)
        return 2
    except AuthRequired as exc:
        print(_("casedesktop: sign-in refused: {error}").format(error=exc), file=sys.stderr)
        return 3
    except SyncError as exc:  # unreachable, refused, or a download that arrived damaged
        print(f"casedesktop: {exc}", file=sys.stderr)
        return 4
    finally:
        if profile is not None:
            profile.close()


if __name__ == "__main__":
    sys.exit(main())
