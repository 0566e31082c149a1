"""`casedesktop-server`: serve the API and administer accounts and users from the shell.

Every verb first brings the database to the newest schema, so an upgrade is just a restart.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casedesktop.api.releases import PLATFORMS, check_download_url, check_sha256, check_version
from casedesktop.domain import Priority, Role, SlaTargets
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions, default_database_url, make_engine
from casedesktop.server.migrate import current_revision, upgrade_database
from casedesktop.server.services import accounts, sla
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.settings import MEGABYTE, Settings
from casedesktop.server.storage import StorageError, check_storage_option, storage_from_option

APP_NAME = "casedesktop-server"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the server keeps its files (default: {default_data_dir()})",
    )
    common.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db "
        "(default: sqlite:///<data-dir>/server.db)",
    )
    parser = argparse.ArgumentParser(prog=APP_NAME, description="The CaseDesktop vendor server.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    serve = verbs.add_parser("serve", parents=[common], help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="API processes serving that one port (default: %(default)s). More than 1 is for "
        "PostgreSQL (each process opens up to 32 connections); on SQLite they work, but their "
        "writes queue for its single writer, so 1 is recommended there",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    defaults = Settings()
    serve.add_argument(
        "--max-upload-mb",
        type=_positive_float,
        default=defaults.max_upload_bytes / MEGABYTE,
        help="largest attachment accepted, in MB (default: %(default)g)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="IP",
        type=_checked(_check_proxy),
        help="a reverse proxy (IP address or network) whose X-Forwarded-For names the client; "
        "repeat for several. None by default: the address that connects is the client's",
    )
    serve.add_argument(
        "--token-days",
        type=_positive_float,
        default=defaults.token_lifetime.total_seconds() / 86400,
        help="how long a sign-in lasts, in days (default: %(default)g)",
    )
    serve.add_argument(
        "--storage",
        default=None,
        metavar="WHERE",
        type=_checked(check_storage_option),
        help="where finished attachments are kept: a folder, or an S3-compatible bucket as "
        "s3://BUCKET[/PREFIX]?endpoint=URL[&region=NAME][&addressing=path|virtual] (quote it "
        "in the shell). The bucket must exist; credentials come from the environment "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE), never from this option. "
        "Unfinished uploads stay under --data-dir. Default: <data-dir>/attachments",
    )

    user = verbs.add_parser("create-user", parents=[common], help="add a customer or staff user")
    user.add_argument("--email", required=True)
    _password_arguments(user)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument(
        "--account",
        action="append",
        default=None,
        help="account name (created if missing); required for customers; repeat it for a "
        "managed-service user who works for several accounts",
    )
    user.add_argument("--name", default=None)

    join = verbs.add_parser(
        "join-account", parents=[common], help="add an existing user to another account"
    )
    join.add_argument("--email", required=True)
    join.add_argument("--account", required=True)

    contact = verbs.add_parser(
        "create-contact",
        parents=[common],
        help="add a contact (a person without a sign-in) that cases can be opened for",
    )
    contact.add_argument("--account", required=True)
    contact.add_argument("--name", required=True)
    contact.add_argument("--email", default="")
    contact.add_argument("--phone", default="")

    product = verbs.add_parser(
        "create-product", parents=[common], help="add a product customers can choose"
    )
    product.add_argument("--name", required=True)

    category = verbs.add_parser(
        "create-category", parents=[common], help="add a category staff can file cases under"
    )
    category.add_argument("--name", required=True)

    sla = verbs.add_parser(
        "set-sla",
        parents=[common],
        help="set the service level targets of a priority: how soon the first response and the "
        "resolution are due after a case is opened",
    )
    sla.add_argument("--priority", required=True, choices=[p.value for p in Priority])
    sla.add_argument(
        "--first-response",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="e.g. 30m, 1h, 2d or 1h30m (left out: stays as it is)",
    )
    sla.add_argument(
        "--resolution",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="e.g. 8h, 3d or 1d12h (left out: stays as it is)",
    )
    sla.add_argument(
        "--clear", action="store_true", help="remove this priority's targets altogether"
    )
    sla.set_defaults(check_together=lambda args: _check_sla_args(sla, args))
    verbs.add_parser("show-sla", parents=[common], help="list the service level targets")

    account = verbs.add_parser("create-account", parents=[common], help="add a customer account")
    account.add_argument("--name", required=True)

    reset = verbs.add_parser(
        "reset-password",
        parents=[common],
        help="set a new password and sign the user out everywhere",
    )
    reset.add_argument("--email", required=True)
    _password_arguments(reset)

    purge = verbs.add_parser(
        "purge-uploads",
        parents=[common],
        help="forget unfinished uploads older than some days, and free their disk space",
    )
    purge.add_argument("--older-than-days", type=_positive_float, default=7.0)

    release = verbs.add_parser(
        "set-release",
        parents=[common],
        help="publish the current client release: signed-in clients announce a newer version",
    )
    release.add_argument("--version", required=True, type=_checked(check_version))
    for platform in PLATFORMS:
        release.add_argument(
            f"--url-{platform}",
            type=_checked(check_download_url),
            default=None,
            help=f"http(s) link to the {platform} download",
        )
        release.add_argument(
            f"--sha256-{platform}",
            type=_checked(check_sha256),
            default=None,
            help=f"sha256 of the {platform} download (64 hex characters)",
        )
    release.set_defaults(check_together=lambda args: _check_release_args(release, args))

    verbs.add_parser("seed-demo", parents=[common], help="add demo accounts, users and cases")
    verbs.add_parser(
        "migrate",
        parents=[common],
        help="bring the database to this version's schema and say which revision it is at "
        "(every verb does this first; run it alone when upgrading, before starting servers)",
    )
    return parser


def _password_arguments(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (its first line): it never shows in the "
        "process list or the shell's history, as --password does",
    )
    given.add_argument(
        "--password",
        help=f"the password itself (at least {accounts.PASSWORD_MIN} characters); other users "
        "of this machine can see it in the process list: prefer --password-stdin",
    )


def _password_of(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        return args.password
    line = sys.stdin.readline()
    if not line:
        raise accounts.AdminError("--password-stdin: nothing came on standard input.")
    return line.removesuffix("\n").removesuffix("\r")


def _check_release_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What set-release's arguments lack together (each one alone is checked by its type)."""
    for platform in PLATFORMS:
        if getattr(args, f"sha256_{platform}") and not getattr(args, f"url_{platform}"):
            parser.error(f"--sha256-{platform} needs --url-{platform}: a digest of which download?")
    if not any(getattr(args, f"url_{platform}") for platform in PLATFORMS):
        parser.error("give at least one of " + ", ".join(f"--url-{p}" for p in PLATFORMS))


def _duration(text: str) -> timedelta:
    try:
        return sla.parse_duration(text)
    except sla.DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _check_sla_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    given = args.first_response is not None or args.resolution is not None
    if args.clear and given:
        parser.error("--clear removes both targets; give it without --first-response or --resolution")
    if not args.clear and not given:
        parser.error("give --first-response, --resolution (or both), or --clear")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(args, "check_together"):
        args.check_together(args)  # exits with 2, as argparse does for any other bad argument
    data_dir: Path = args.data_dir or default_data_dir()
    database_url: str = args.database_url or default_database_url(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        upgrade_database(database_url)
        return VERBS[args.verb](args, database_url, data_dir)
    except accounts.AdminError as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(
            f"The database at {_safe(database_url)} failed: {exc.__class__.__name__}: "
            f"{getattr(exc, 'orig', None) or exc}"
        )
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


MAX_WORKERS = 64


def _worker_count(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_WORKERS}: each process holds its own database connections; "
            "more processes than cores only queue for them"
        )
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _check_proxy(text: str) -> str:
    from casedesktop.server.serve import check_proxy  # uvicorn loads only to serve

    return check_proxy(text)


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse type from one of api/releases.py's checks: its message, exit code 2."""

    def parse(text: str) -> str:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _fail(message: str) -> int:
    print(f"{APP_NAME}: error: {message}", file=sys.stderr)
    return 1


def _safe(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _with_sessions(database_url: str, work: Callable[[Session], str]) -> int:
    sessions = Sessions(make_engine(database_url))
    try:
        print(sessions.run_write(work))
    finally:
        sessions.dispose()
    return 0


def _serve(args: argparse.Namespace, database_url: str, data_dir: Path) -> int:
    from casedesktop.server.app import create_app
    from casedesktop.server.serve import configure_logging, run_server, run_workers

    configure_logging(args.log_level)
    settings = Settings(
        max_upload_bytes=int(args.max_upload_mb * MEGABYTE),
        token_lifetime=timedelta(days=args.token_days),
    )
    try:  # a bucket that cannot be used stops the start, not the first upload
        storage = storage_from_option(args.storage, data_dir)
    except StorageError as exc:
        return _fail(str(exc))
    if args.workers > 1:
        return run_workers(
            functools.partial(_worker_app, database_url, data_dir, settings, args.storage),
            args.host,
            args.port,
            args.workers,
            log_level=args.log_level,
            trusted_proxies=args.trusted_proxy,
        )
    app = create_app(database_url, data_dir, settings, storage)
    run_server(
        app, args.host, args.port, log_level=args.log_level, trusted_proxies=args.trusted_proxy
    )
    return 0


def _worker_app(
    database_url: str, data_dir: Path, settings: Settings, storage_option: str | None
) -> Any:
    """The app of one `serve --workers` process, built in it: connections and storage clients
    belong to one process."""
    from casedesktop.server.app import create_app

    storage = storage_from_option(storage_option, data_dir)
    return create_app(database_url, data_dir, settings, storage)


def _create_user(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    password = _password_of(args)

    def work(session: Session) -> str:
        user = accounts.create_user(
            session,
            email=args.email,
            password=password,
            role=Role(args.role),
            now=utcnow(),
            account_name=args.account,
            name=args.name,
        )
        names = ", ".join(repr(name) for name in args.account or [])
        where = f" in account {names}" if names else ""
        return f"Created {user.role} {user.email} ({user.name}){where}."

    return _with_sessions(database_url, work)


def _join_account(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        added = accounts.join_account(session, args.email, args.account, utcnow())
        verb = "Added" if added else "Already a member:"
        return f"{verb} {args.email.strip().lower()} in account {args.account.strip()!r}."

    return _with_sessions(database_url, work)


def _create_contact(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        contact = accounts.create_contact(
            session,
            account_name=args.account,
            name=args.name,
            email=args.email,
            phone=args.phone,
            now=utcnow(),
        )
        return (
            f"Created contact {contact.name!r} in account {args.account.strip()!r} ({contact.id})."
        )

    return _with_sessions(database_url, work)


def _create_product(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        product, created = accounts.ensure_product(session, args.name, utcnow())
        return f"{'Created' if created else 'Already present:'} product {product.name!r}."

    return _with_sessions(database_url, work)


def _create_category(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        category, created = ensure_category(session, args.name, utcnow())
        return f"{'Created' if created else 'Already present:'} category {category.name!r}."

    return _with_sessions(database_url, work)


def _set_sla(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    priority = Priority(args.priority)

    def work(session: Session) -> str:
        if args.clear:
            removed = sla.clear_targets(session, priority)
            if not removed:
                return f"The {priority.value} priority had no targets; nothing changed."
            return f"Removed the targets of the {priority.value} priority."
        targets = sla.set_targets(
            session,
            priority,
            utcnow(),
            first_response=args.first_response,
            resolution=args.resolution,
        )
        return f"{priority.value}: {_targets_text(targets)}."

    return _with_sessions(database_url, work)


def _show_sla(_args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        targets = sla.load_targets(session)
        width = max(len(p.value) for p in Priority)
        lines = [
            f"{p.value:<{width}}  "
            + (_targets_text(targets[p.value]) if p.value in targets else "no targets")
            for p in reversed(Priority)  # critical first
        ]
        return "\n".join(lines)

    return _with_sessions(database_url, work)


def _targets_text(targets: SlaTargets) -> str:
    def one(value: timedelta | None) -> str:
        return f"within {sla.format_duration(value)}" if value else "no target"

    return f"first response {one(targets.first_response)}, resolution {one(targets.resolution)}"


def _create_account(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        account, created = accounts.ensure_account(session, args.name, utcnow())
        return f"{'Created' if created else 'Already present:'} account {account.name!r} ({account.id})."

    return _with_sessions(database_url, work)


def _reset_password(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    password = _password_of(args)

    def work(session: Session) -> str:
        user = accounts.reset_password(session, args.email, password)
        return f"Password changed for {user.email}; their sessions were signed out."

    return _with_sessions(database_url, work)


def _purge_uploads(args: argparse.Namespace, database_url: str, data_dir: Path) -> int:
    from casedesktop.server.services.upload_staging import purge_stale_uploads

    def work(session: Session) -> str:
        cutoff = utcnow() - timedelta(days=args.older_than_days)
        count = purge_stale_uploads(session, data_dir / "uploads", cutoff)
        return f"Removed {count} unfinished upload{'s' if count != 1 else ''}."

    return _with_sessions(database_url, work)


def _set_release(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    from casedesktop.server.services.releases import publish_release

    downloads = {
        platform: (getattr(args, f"url_{platform}"), getattr(args, f"sha256_{platform}"))
        for platform in PLATFORMS
        if getattr(args, f"url_{platform}")
    }

    def work(session: Session) -> str:
        release = publish_release(session, args.version, downloads, utcnow())
        lines = [f"Published CaseDesktop {release.version} for {', '.join(release.downloads)}."]
        lines += [
            f"  {platform:<8} {download.url}"
            + (f"  sha256 {download.sha256}" if download.sha256 else "")
            for platform, download in release.downloads.items()
        ]
        return "\n".join(lines)

    return _with_sessions(database_url, work)


def _seed_demo(_args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    from casedesktop.server.demo import DEMO_USERS, seed_demo

    sessions = Sessions(make_engine(database_url))
    try:
        added = seed_demo(sessions)
    finally:
        sessions.dispose()
    print(f"Demo data ready: {added['users']} users and {added['cases']} cases added.")
    for user in DEMO_USERS:
        print(f"  {user.role.value:<8} {user.email} / {user.password}")
    return 0


def _migrate(_args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    """main() has migrated already: say where the database stands."""
    print(f"{_safe(database_url)} is at schema revision {current_revision(database_url)}")
    return 0


VERBS: dict[str, Callable[[argparse.Namespace, str, Path], int]] = {
    "serve": _serve,
    "create-user": _create_user,
    "create-account": _create_account,
    "join-account": _join_account,
    "create-contact": _create_contact,
    "create-product": _create_product,
    "create-category": _create_category,
    "set-sla": _set_sla,
    "show-sla": _show_sla,
    "reset-password": _reset_password,
    "purge-uploads": _purge_uploads,
    "set-release": _set_release,
    "seed-demo": _seed_demo,
    "migrate": _migrate,
}
