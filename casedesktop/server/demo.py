"""Demo data: two customer accounts, an agent, and cases in every interesting state, triaged
(priorities, categories) against the demo's service level targets.

Idempotent: every id is derived from a fixed name (uuid5), and cases, comments and actions go
through the same services as the API, which answer a repeated id with what already exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casedesktop.api import ActionRequest, CaseCreate, CommentCreate, TriageRequest
from casedesktop.domain import Action, CommentKind, Priority, Role, Severity
from casedesktop.server.auth import current_user_of, hash_password
from casedesktop.server.base import utcnow
from casedesktop.server.db import Sessions
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Contact, User
from casedesktop.server.services import sla
from casedesktop.server.services.accounts import (
    add_member,
    create_contact,
    ensure_account,
    ensure_product,
    find_account,
    find_user,
)
from casedesktop.server.services.actions import take_action, triage
from casedesktop.server.services.cases import create_case
from casedesktop.server.services.categories import ensure_category
from casedesktop.server.services.comments import add_comment

DEMO_NAMESPACE = uuid.UUID("5b0d7f64-2f4c-4d0e-9a43-c45e1f7a0c11")

NORTHWIND = "Northwind Traders"
CONTOSO = "Contoso"


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    name: str
    role: Role
    account: str | None


DEMO_USERS = (
    DemoUser("demo@northwind.example", "demo", "Dana Whitfield", Role.CUSTOMER, NORTHWIND),
    DemoUser("other@contoso.example", "demo", "Oscar Lindqvist", Role.CUSTOMER, CONTOSO),
    DemoUser("agent@vendor.example", "agent", "Alex Moreno", Role.AGENT, None),
)
CUSTOMER, OTHER, AGENT = (u.email for u in DEMO_USERS)
DEMO_PRODUCTS = ("Ledger Cloud", "Ledger Desktop", "Payroll")
DEMO_CATEGORIES = ("Access", "Bank feeds", "Billing", "Payroll", "Reports")
# First response and resolution, per priority: set while the vendor has set none.
# The demo's cases then show every state: overdue, due soon, in time and met.
DEMO_SLA = {
    Priority.CRITICAL: (timedelta(hours=4), timedelta(days=2)),
    Priority.HIGH: (timedelta(hours=8), timedelta(days=5)),
    Priority.MEDIUM: (timedelta(days=1), timedelta(days=10)),
    Priority.LOW: (timedelta(days=2), timedelta(days=30)),
}
DEMO_CONTACTS = (  # people without a sign-in that cases can be opened for
    (NORTHWIND, "Priya Natarajan", "priya@northwind.example", "+44 20 7946 0321"),
    (CONTOSO, "Tomás Ferreira", "tomas@contoso.example", "+351 21 000 0417"),
)


@dataclass(frozen=True)
class Step:
    """One thing that happened to a demo case: a reply, an internal note, or an action."""

    actor: str
    body: str = ""
    internal: bool = False
    action: Action | None = None
    inputs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoCase:
    key: str
    reporter: str
    subject: str
    description: str
    severity: Severity
    product: str
    days_ago: float
    steps: tuple[Step, ...] = ()
    priority: Priority = Priority.MEDIUM  # staff's triage, right after the case came in
    category: str = ""


def _reply(actor: str, body: str) -> Step:
    return Step(actor, body=body)


def _note(body: str) -> Step:
    return Step(AGENT, body=body, internal=True)


def _act(actor: str, action: Action, **inputs: object) -> Step:
    return Step(actor, action=action, inputs=inputs)


DEMO_CASES = (
    DemoCase(
        "bank-feed",
        CUSTOMER,
        "Bank feed stopped importing transactions since Monday",
        "Our Barclays business account has not imported any transactions since Monday morning. "
        "The bank connection page says 'Connected' and 'Last sync: 2 hours ago', but the "
        "transaction list is empty for this week. We reconcile daily, so this blocks our "
        "accounts team.",
        Severity.URGENT,
        "Ledger Cloud",
        0.3,
        priority=Priority.HIGH,
        category="Bank feeds",
    ),
    DemoCase(
        "pdf-cutoff",
        CUSTOMER,
        "Invoice PDF export cuts off the last line item",
        "When an invoice has more than 14 lines, the exported PDF drops the last line and the "
        "total no longer matches the lines shown. Printing from the preview works. Example: "
        "invoice INV-20931.",
        Severity.STANDARD,
        "Ledger Desktop",
        3,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Thanks Dana, I can reproduce this with 15 lines on the Classic "
                "template. I'm checking whether the Modern template has the same problem.",
            ),
            _note(
                "Looks like the page-break calculation ignores the footer height. "
                "Similar to the bug fixed in 12.3 for quotes; asking the desktop team."
            ),
        ),
        priority=Priority.MEDIUM,
        category="Reports",
    ),
    DemoCase(
        "payroll-tax",
        CUSTOMER,
        "Payroll run fails with 'tax table out of date'",
        "This month's payroll run stops at step 3 with the message 'Tax table out of date "
        "(2025-04)'. We installed the latest update last week. Payday is on Friday.",
        Severity.CRITICAL,
        "Payroll",
        2,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Could you send the payroll log from Help > Diagnostics > Export log? "
                "It shows which tax table version the run loaded.",
            ),
            _act(AGENT, Action.PENDING_CUSTOMER),
        ),
        priority=Priority.CRITICAL,
        category="Payroll",
    ),
    DemoCase(
        "second-user",
        CUSTOMER,
        "Cannot add a second user to the company file",
        "Inviting our new bookkeeper fails with 'Seat limit reached', but our plan includes "
        "three users and only I am using it.",
        Severity.STANDARD,
        "Ledger Cloud",
        6,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Your subscription still had a pending invitation to a former "
                "colleague, which held a seat. I've cancelled it; please invite again.",
            ),
            _reply(CUSTOMER, "That worked, thank you!"),
            _act(
                AGENT,
                Action.RESOLVE,
                summary="Cancelled a stale pending invitation that was holding a seat.",
                root_cause="Pending invitations count against the seat limit.",
                resolution_type="Configuration",
            ),
        ),
        priority=Priority.MEDIUM,
        category="Access",
    ),
    DemoCase(
        "fiscal-year",
        CUSTOMER,
        "How do I change the fiscal year start month?",
        "We are moving our fiscal year to start in July. Where do I change this, and what "
        "happens to reports for the current year?",
        Severity.LOW,
        "Ledger Desktop",
        12,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Go to Settings > Company > Financial year and set the start month. "
                "Reports for closed periods keep their old year; open periods are re-grouped.",
            ),
            _act(
                AGENT,
                Action.RESOLVE,
                summary="Explained where to set the fiscal year start.",
                resolution_type="How-to",
            ),
            _act(CUSTOMER, Action.ACCEPT, survey={"solved": "yes", "rating": "5"}),
        ),
        priority=Priority.LOW,
        category="Reports",
    ),
    DemoCase(
        "duplicate-payments",
        CUSTOMER,
        "Duplicate payments sent to two suppliers",
        "The payment batch from yesterday paid two suppliers twice (Fabrikam and Litware). The "
        "batch shows once in the history, but our bank statement shows both payments twice.",
        Severity.CRITICAL,
        "Ledger Cloud",
        1,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "We're looking into this now. Please don't re-run or cancel the batch "
                "until we know what happened.",
            ),
            _act(
                CUSTOMER,
                Action.ESCALATE,
                reason="We are losing money; we need someone senior on this today.",
            ),
        ),
        priority=Priority.CRITICAL,
        category="Billing",
    ),
    DemoCase(
        "excel-export",
        CUSTOMER,
        "Export reports to Excel with formulas",
        "When we export the profit and loss report to Excel, all cells are values. Could the "
        "totals be exported as formulas so our controller can adjust them?",
        Severity.LOW,
        "Ledger Desktop",
        20,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "I've passed this to product management as a feature request. I'll "
                "keep the case on hold until they decide on it.",
            ),
            _act(AGENT, Action.HOLD),
        ),
        priority=Priority.LOW,
        category="Reports",
    ),
    DemoCase(
        "vat-totals",
        CUSTOMER,
        "VAT return totals differ from the VAT report",
        "The VAT return for Q1 shows box 1 as 12,480.20 while the VAT detail report for the same "
        "period totals 12,512.70.",
        Severity.URGENT,
        "Ledger Cloud",
        4,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Are any invoices in the period dated before their tax point? Could "
                "you send the list of invoices with manual VAT adjustments?",
            ),
            _act(AGENT, Action.PENDING_CUSTOMER),
            _reply(
                CUSTOMER,
                "Yes, two credit notes were adjusted by hand. I attached the list to this reply.",
            ),
        ),
        priority=Priority.HIGH,
        category="Reports",
    ),
    DemoCase(
        "sso-new-staff",
        OTHER,
        "Single sign-on fails for new employees",
        "Employees added to our Azure AD group this week get 'User not provisioned' when they "
        "sign in with SSO. Existing staff sign in fine.",
        Severity.URGENT,
        "Ledger Cloud",
        0.5,
        priority=Priority.HIGH,
        category="Access",
    ),
    DemoCase(
        "payslip-address",
        OTHER,
        "Payslips show the old company address",
        "We moved offices in March and updated the address in settings, but payslips still "
        "print the old address.",
        Severity.STANDARD,
        "Payroll",
        5,
        (
            _act(AGENT, Action.PICK_UP),
            _reply(
                AGENT,
                "Payslips use the address of the pay entity, not the company. I'll "
                "walk you through updating it.",
            ),
        ),
        priority=Priority.MEDIUM,
        category="Payroll",
    ),
)


def demo_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(parts))


def seed_demo(sessions: Sessions, now: datetime | None = None) -> dict[str, int]:
    """Create the demo data that is missing; returns how many users and cases were added."""
    now = now or utcnow()
    added_users = sessions.run_write(lambda session: _ensure_users(session, now))
    callers = sessions.run_read(_demo_callers)
    added_cases = 0
    for demo in DEMO_CASES:
        added_cases += sessions.run_write(
            lambda session, demo=demo: _seed_case(session, demo, callers, now)
        )
    return {"users": added_users, "cases": added_cases}


def _ensure_users(session: Session, now: datetime) -> int:
    added = 0
    for demo in DEMO_USERS:
        user = find_user(session, demo.email)
        if user is None:
            user = User(
                email=demo.email,
                name=demo.name,
                role=demo.role.value,
                password_hash=hash_password(demo.password),
                created_at=now,
            )
            session.add(user)
            session.flush()
            added += 1
        if demo.account:
            account, _created = ensure_account(session, demo.account, now)
            add_member(session, user, account, now)
    for name in DEMO_PRODUCTS:
        ensure_product(session, name, now)
    for name in DEMO_CATEGORIES:
        ensure_category(session, name, now)
    if not sla.load_targets(session):
        for priority, (first_response, resolution) in DEMO_SLA.items():
            sla.set_targets(
                session, priority, now, first_response=first_response, resolution=resolution
            )
    for account_name, contact_name, email, phone in DEMO_CONTACTS:
        account, _created = ensure_account(session, account_name, now)
        known = session.scalar(
            select(Contact).where(Contact.account_id == account.id, Contact.email == email)
        )
        if known is None:
            create_contact(
                session,
                account_name=account_name,
                name=contact_name,
                email=email,
                phone=phone,
                now=now,
            )
    return added


def _demo_callers(session: Session) -> dict[str, tuple[CurrentUser, uuid.UUID | None]]:
    """Each demo user as a caller, with the account they open cases for."""
    callers: dict[str, tuple[CurrentUser, uuid.UUID | None]] = {}
    for demo in DEMO_USERS:
        user = find_user(session, demo.email)
        account = find_account(session, demo.account) if demo.account else None
        if user is None or (demo.account and account is None):
            raise RuntimeError(f"Demo user {demo.email} is missing after seeding users")
        callers[demo.email] = (current_user_of(session, user), account.id if account else None)
    return callers


def _seed_case(
    session: Session,
    demo: DemoCase,
    callers: dict[str, tuple[CurrentUser, uuid.UUID | None]],
    now: datetime,
) -> int:
    reporter, account_id = callers[demo.reporter]
    when = now - timedelta(days=demo.days_ago)
    create = CaseCreate(
        id=demo_id(demo.key),
        subject=demo.subject,
        description=demo.description,
        severity=demo.severity,
        product=demo.product,
        account_id=account_id,
        created_at=when,
    )
    _case, created = create_case(session, reporter, create, when)
    agent, _account = callers[AGENT]
    triaged = TriageRequest(
        id=demo_id(demo.key, "triage"), priority=demo.priority, category=demo.category
    )
    triage(session, agent, create.id, triaged, min(when + timedelta(minutes=5), now))
    for index, step in enumerate(demo.steps, start=1):
        when = min(when + timedelta(hours=2 + index), now)
        step_id = demo_id(demo.key, str(index))
        actor, _account = callers[step.actor]
        if step.action is None:
            kind = CommentKind.INTERNAL if step.internal else CommentKind.REPLY
            comment = CommentCreate(id=step_id, body=step.body, kind=kind, created_at=when)
            add_comment(session, actor, create.id, comment, when)
        else:
            request = ActionRequest.model_validate(
                {"id": step_id, "action": step.action, **step.inputs}
            )
            take_action(session, actor, create.id, request, when)
    return 1 if created else 0
