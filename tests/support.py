"""Real parts for end-to-end tests: a server process that can stop and start on its port, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from testkit.net import free_port

CUSTOMER = ("demo@northwind.example", "demo")
AGENT = ("agent@vendor.example", "agent")


class ServerProcess:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._server(["seed-demo"])

    def _server(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "casedesktop.server", *args, "--data-dir", str(self.data_dir)],
            capture_output=True, text=True, check=True,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "casedesktop.server", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--data-dir", str(self.data_dir), "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise TimeoutError("server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def cases_visible_to_agent(self) -> list[dict]:
        session = requests.Session()
        token = session.post(f"{self.url}/api/v1/auth/login", json={"email": AGENT[0], "password": AGENT[1]}).json()["token"]
        return session.get(f"{self.url}/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).json()


class Cli:
    """Runs `python -m casedesktop --profile DIR ...` as a user's script would."""

    def __init__(self, profile: Path):
        self.profile = profile

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "casedesktop", "--profile", str(self.profile), *args],
            input=stdin, capture_output=True, text=True, timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"casedesktop {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def json(self, *args: str) -> object:
        return json.loads(self.run(*args, "--json").stdout)

    def login(self, url: str, who: tuple[str, str]) -> None:
        self.run("login", "--server", url, "--email", who[0], "--password-stdin", stdin=who[1] + "\n")


class Staff:
    """The agent's side through the REST API, as the vendor's staff tools would use it."""

    def __init__(self, url: str, who: tuple[str, str] = AGENT):
        self.url = f"{url}/api/v1"
        self.session = requests.Session()
        answer = self.session.post(f"{self.url}/auth/login", json={"email": who[0], "password": who[1]})
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def case_by_subject(self, subject: str) -> dict:
        matches = [c for c in self.session.get(f"{self.url}/cases").json() if c["subject"] == subject]
        assert len(matches) == 1, matches
        return matches[0]

    def act(self, case_id: str, action: str, **fields: str) -> dict:
        answer = self.session.post(f"{self.url}/cases/{case_id}/actions", json={"id": str(uuid.uuid4()), "action": action, **fields})
        answer.raise_for_status()
        return answer.json()

    def reply(self, case_id: str, body: str, kind: str = "reply") -> dict:
        answer = self.session.post(f"{self.url}/cases/{case_id}/comments", json={"id": str(uuid.uuid4()), "body": body, "kind": kind})
        answer.raise_for_status()
        return answer.json()


def seed_cases(db, count: int, *, start: int = 1001) -> None:  # noqa: ANN001 - a CacheDB
    """Fill a cache with `count` synced cases in a spread of statuses, severities and products,
    the way a long-time customer's cache looks (bulk insert: seconds for 100,000)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from casedesktop.store.models import CaseRow

    statuses = ("new", "open", "pending_customer", "on_hold", "resolved", "closed")
    severities = ("critical", "urgent", "standard", "low")
    products = ("Ledger Cloud", "Ledger Desktop", "Payroll", "Inventory")
    accounts = ("Northwind Traders", "Contoso")
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    batch = []
    with db.transaction() as session:
        for i in range(count):
            n = start + i
            batch.append({
                "id": str(uuid.UUID(int=n)), "number": f"CS-{n}", "subject": f"Case {n}: {products[i % 4]} problem number {i % 97}",
                "description": f"Steps to reproduce {n}; every case mentions ledger.", "status": statuses[i % 6],
                "severity": severities[i % 4], "product": products[i % 4], "account_name": accounts[i % 2],
                "account_id": None, "reported_by_name": "Dana Whitfield", "owner_name": "Alex Moreno" if i % 3 else "",
                "escalated": i % 50 == 0, "close_requested": False, "resolution_summary": "",
                "resolution_root_cause": "", "resolution_type": "", "unread": False,
                "created_at": t0 + timedelta(minutes=i), "updated_at": t0 + timedelta(minutes=2 * i),
            })
            if len(batch) == 10_000:
                session.execute(insert(CaseRow), batch)
                batch = []
        if batch:
            session.execute(insert(CaseRow), batch)
