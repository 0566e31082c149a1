"""`casedesktop-server`: serve the API and administer accounts and users from the shell.

Every verb first brings the database to the newest schema, so an upgrade is just a restart.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casedesktop.domain import Role
from casedesktop.server import accounts
from casedesktop.server.db import Sessions, default_database_url, make_engine, utcnow
from casedesktop.server.migrate import upgrade_database

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
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )

    user = verbs.add_parser("create-user", parents=[common], help="add a customer or staff user")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument(
        "--account", default=None, help="account name (created if missing); required for customers"
    )
    user.add_argument("--name", default=None)

    account = verbs.add_parser("create-account", parents=[common], help="add a customer account")
    account.add_argument("--name", required=True)

    reset = verbs.add_parser(
        "reset-password",
        parents=[common],
        help="set a new password and sign the user out everywhere",
    )
    reset.add_argument("--email", required=True)
    reset.add_argument("--password", required=True)

    verbs.add_parser("seed-demo", parents=[common], help="add demo accounts, users and cases")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    from casedesktop.server.serve import run_server

    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    run_server(create_app(database_url, data_dir), args.host, args.port, log_level=args.log_level)
    return 0


def _create_user(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        user = accounts.create_user(
            session,
            email=args.email,
            password=args.password,
            role=Role(args.role),
            now=utcnow(),
            account_name=args.account,
            name=args.name,
        )
        where = f" in account {args.account!r}" if args.account else ""
        return f"Created {user.role} {user.email} ({user.name}){where}."

    return _with_sessions(database_url, work)


def _create_account(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        account, created = accounts.ensure_account(session, args.name, utcnow())
        return f"{'Created' if created else 'Already present:'} account {account.name!r} ({account.id})."

    return _with_sessions(database_url, work)


def _reset_password(args: argparse.Namespace, database_url: str, _data_dir: Path) -> int:
    def work(session: Session) -> str:
        user = accounts.reset_password(session, args.email, args.password)
        return f"Password changed for {user.email}; their sessions were signed out."

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


VERBS: dict[str, Callable[[argparse.Namespace, str, Path], int]] = {
    "serve": _serve,
    "create-user": _create_user,
    "create-account": _create_account,
    "reset-password": _reset_password,
    "seed-demo": _seed_demo,
}
