"""Turn rows into the wire models of casedesktop.api (names resolved, enums checked).

A case reads differently for staff and customers (`Viewer`): staff's triage (priority, category,
owner) and the service level standing are staff's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from casedesktop.api import (
    AccountOut,
    ActivityOut,
    AttachmentOut,
    CaseOut,
    CommentOut,
    ContactOut,
    UserOut,
)
from casedesktop.domain import CommentKind, Role, Severity, SlaTargets, Status, safe_filename
from casedesktop.server.base import utcnow
from casedesktop.server.identity import CurrentUser
from casedesktop.server.models import Account, Activity, Attachment, Comment, Contact, User
from casedesktop.server.services.sla import load_targets, sla_out


@dataclass(frozen=True)
class Viewer:
    """Whom a case is written for: staff, with the service level targets as of `now`, or a
    customer (CUSTOMER_VIEW)."""

    staff: bool
    targets: Mapping[str, SlaTargets] = field(default_factory=dict)
    now: datetime | None = None


CUSTOMER_VIEW = Viewer(staff=False)


def viewer_of(session: Session, user: CurrentUser, now: datetime | None = None) -> Viewer:
    """How `user` sees cases; for staff this reads the targets (one small query)."""
    if not user.is_staff:
        return CUSTOMER_VIEW
    return Viewer(staff=True, targets=load_targets(session), now=now or utcnow())


def user_out(user: CurrentUser) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        account_ids=sorted(user.account_ids, key=str),
    )


def case_out(case: Any, viewer: Viewer) -> CaseOut:
    """A Case row (or the feed's light copy of one) as `viewer` may see it."""
    staff = viewer.staff
    return CaseOut(
        id=case.id,
        number=case.number,
        account_id=case.account_id,
        account_name=case.account.name,
        reported_by=case.reported_by,
        reported_by_name=case.reporter.name,
        subject=case.subject,
        description=case.description,
        status=Status(case.status),
        severity=Severity(case.severity),
        priority=case.priority if staff else None,
        product=case.product,
        escalated=case.escalated,
        close_requested=case.close_requested,
        owner_id=case.owner_id if staff else None,
        owner_name=case.owner.name if staff and case.owner else "",
        parent_case_id=case.parent_case_id,
        resolution_summary=case.resolution_summary,
        resolution_root_cause=case.resolution_root_cause,
        resolution_type=case.resolution_type,
        created_at=case.created_at,
        updated_at=case.updated_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        # No contact chosen: the case is about the person who reported it.
        contact_id=case.contact_id,
        contact_name=case.contact.name if case.contact else case.reporter.name,
        contact_email=case.contact.email if case.contact else case.reporter.email,
        contact_phone=case.contact.phone if case.contact else "",
        environment=case.environment,
        case_type=case.case_type,
        category=case.category if staff else "",
        source=case.source,
        cc_emails=list(case.cc_emails or []),
        survey={str(k): str(v) for k, v in (case.survey or {}).items()},
        sla=sla_out(case, viewer.targets, viewer.now or utcnow()) if staff else None,
    )


def _name_and_role(user: User | None) -> tuple[str, Role]:
    # Rows outlive deleted users; show them as staff-side "former user" rather than failing.
    if user is None:
        return "Former user", Role.AGENT
    return user.name, Role(user.role)


def comment_out(comment: Comment) -> CommentOut:
    name, role = _name_and_role(comment.author)
    return CommentOut(
        id=comment.id,
        case_id=comment.case_id,
        author_id=comment.author_id,
        author_name=name,
        author_role=role,
        kind=CommentKind(comment.kind),
        body=comment.body,
        created_at=comment.created_at,
        deleted_at=comment.deleted_at,
    )


def activity_out(activity: Activity) -> ActivityOut:
    name, _role = _name_and_role(activity.actor)
    return ActivityOut(
        id=activity.id,
        case_id=activity.case_id,
        actor_id=activity.actor_id,
        actor_name=name,
        action=activity.action,
        from_status=Status(activity.from_status) if activity.from_status else None,
        to_status=Status(activity.to_status) if activity.to_status else None,
        reason=activity.reason,
        created_at=activity.created_at,
        details={str(k): str(v) for k, v in (activity.details or {}).items()},
    )


def attachment_out(attachment: Attachment) -> AttachmentOut:
    name, _role = _name_and_role(attachment.uploader)
    return AttachmentOut(
        id=attachment.id,
        case_id=attachment.case_id,
        comment_id=attachment.comment_id,
        filename=safe_filename(attachment.filename),  # stored safe; again for older rows
        size=attachment.size,
        sha256=attachment.sha256,
        content_type=attachment.content_type,
        uploader_id=attachment.uploader_id,
        uploader_name=name,
        created_at=attachment.created_at,
        staff_only=attachment.staff_only,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        account_id=contact.account_id,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
        user_id=contact.user_id,
    )


def account_out(account: Account, contacts: list[Contact]) -> AccountOut:
    return AccountOut(id=account.id, name=account.name, contacts=[contact_out(c) for c in contacts])
