"""The Conversation tab's content as plain data: one thread, oldest first.

The customer's description (with the files sent with the case) opens the thread; replies follow
as messages; lifecycle events (status changes, escalations, close requests, with their reasons)
sit between them as short lines; a resolved case ends with its resolution and what the customer
can do about it. Built without Qt, so it can be made off the GUI thread and tested alone; the view
turns each item into widgets only when it is shown.

For staff the thread is the case's one stream: replies, internal notes and the activity (triage,
assignment, status changes) in time order. Each item says which of the three it is (`kind`), so
the view can label it and the stream's filter can show one kind alone (`shown_in`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from casedesktop.domain import Action, CommentKind, Role, Status, activity_template
from casedesktop.i18n import _, format_datetime, format_size
from casedesktop.store.meta import Identity
from casedesktop.store.queries import AttachmentView, CaseDetail, SyncState

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mkv", ".mov", ".m4v"})
# Files sent without a reply this soon after the case was opened went with the description.
WITH_THE_CASE = timedelta(minutes=10)
# Lines that repeat what the thread shows anyway (the description, the messages).
NOT_SHOWN = frozenset({"create", "reply"})

# http(s) and mailto links; the trailing punctuation of a sentence is not part of the link.
_LINK = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"

# The stream's kinds, and the filter's choices: every kind, or one of them alone.
CONVERSATION = "conversation"  # what the customer sees too: the description, replies, the resolution
INTERNAL = "internal"  # staff's internal notes
ACTIVITY = "activity"  # who changed what: status, triage, assignment
EVERYTHING = "all"


SAID_BY_THE_SENTENCE = frozenset({"delete-note"})  # activities whose sentence says it all


def linkify(text: str) -> str:
    """`text` as rich text: everything escaped, then http, https and mailto addresses made links.
    Nothing the text holds is ever interpreted as markup."""
    parts: list[str] = []
    end = 0
    for match in _LINK.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        if len(url) <= len("mailto:") or url.lower().rstrip("/") in ("http:", "https:"):
            continue
        start = match.start()
        parts.append(html.escape(text[end:start]))
        escaped = html.escape(url)
        parts.append(f'<a href="{escaped}">{escaped}</a>')
        end = start + len(url)
    parts.append(html.escape(text[end:]))
    return "".join(parts)


def file_kind(attachment: AttachmentView) -> str:
    """"image", "video" or "file": what the thread can show of it in place."""
    suffix = PurePath(attachment.filename).suffix.lower()
    content = (attachment.content_type or "").lower()
    if content.startswith("image/") and content != "image/svg+xml" or suffix in IMAGE_SUFFIXES:
        return "image"
    if content.startswith("video/") or suffix in VIDEO_SUFFIXES:
        return "video"
    return "file"


@dataclass(frozen=True)
class ThreadFile:
    attachment: AttachmentView
    kind: str  # image, video, file
    local: bool  # its bytes are in the blob store
    state: str  # "" or " — Uploading 40% (...)"

    @property
    def text(self) -> str:
        """"console.log (300 KB)", then its state if there is one to tell."""
        return f"{self.attachment.filename} ({format_size(self.attachment.size)}){self.state}"


@dataclass(frozen=True)
class Message:
    key: str
    author: str  # "You", "Support", a colleague's name
    name: str  # the author's name as written ("" for the customer's own)
    mine: bool
    staff: bool
    internal: bool
    when: datetime
    body: str  # plain text as written
    files: tuple[ThreadFile, ...] = ()
    pending: bool = False
    description: bool = False
    deletable: bool = False  # the reader's own internal note: they may take it back

    @property
    def kind(self) -> str:
        return INTERNAL if self.internal else CONVERSATION

    @property
    def heading(self) -> str:
        """"Support, 2026-12-05 10:42": the message's accessible name and the start of its plain text."""
        return _("{author}, {when}").format(author=self.author, when=format_datetime(self.when))

    @property
    def plain(self) -> str:
        lines = [self.heading, _("waiting to sync") if self.pending else "", self.body, *(f.text for f in self.files)]
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Event:
    key: str
    text: str  # "Dana asked to close the case: the invoice is right now"
    when: datetime
    pending: bool = False
    kind = ACTIVITY

    @property
    def plain(self) -> str:
        return _("{event} ({when})").format(event=self.text, when=format_datetime(self.when))


@dataclass(frozen=True)
class Resolution:
    key: str
    summary: str
    when: datetime | None
    actions: tuple[Action, ...]  # what the reader may do about it here: accept, reject
    kind = CONVERSATION

    @property
    def plain(self) -> str:
        return _("Resolution: {summary}").format(summary=self.summary)


Item = Message | Event | Resolution


def _event_text(action: str, actor: str, from_status: str | None, to_status: str | None, reason: str,
                role: Role) -> str:
    sentence = activity_template(action).replace("{actor}", actor)
    if from_status and to_status and from_status != to_status and _known(to_status):
        sentence = _("{event}; now {status}").format(event=sentence, status=Status(to_status).label_for(role))
    if reason:
        sentence = _("{event}: {reason}").format(event=sentence, reason=reason)
    return sentence


def _known(status: str) -> bool:
    return status in {s.value for s in Status}


def build_thread(detail: CaseDetail, identity: Identity, file_state: Callable[[AttachmentView], str],
                 is_local: Callable[[str], bool], actions: list[Action]) -> list[Item]:
    """The thread of `detail`, as `identity` reads it. `file_state` adds a file's transfer state,
    `is_local(sha256)` tells whether its bytes are here, `actions` what the reader may do now."""
    case = detail.case
    role = identity.role

    def thread_file(a: AttachmentView) -> ThreadFile:
        return ThreadFile(a, file_kind(a), is_local(a.sha256), file_state(a))

    def who(name: str, author_role: str) -> tuple[str, bool, bool]:
        staff = author_role != Role.CUSTOMER
        mine = name == identity.name and staff == role.is_staff
        if mine:
            return _("You"), True, staff
        if staff and not role.is_staff:
            return _("Support"), False, True
        return name or (_("Support") if staff else _("Customer")), False, staff

    first_reply = min((c.created_at for c in detail.comments), default=None)
    by_comment: dict[str, list[ThreadFile]] = {}
    with_case: list[ThreadFile] = []
    later: list[AttachmentView] = []
    for a in detail.attachments:
        if a.comment_id:
            by_comment.setdefault(a.comment_id, []).append(thread_file(a))
        elif a.created_at <= case.created_at + WITH_THE_CASE and (first_reply is None or a.created_at <= first_reply):
            with_case.append(thread_file(a))
        else:
            later.append(a)

    reporter = case.reported_by_name or case.contact_name
    author, mine, _staff = who(reporter, Role.CUSTOMER) if reporter else (_("You"), not role.is_staff, False)
    items: list[tuple[datetime, int, Item]] = []
    opening = Message(f"description:{case.id}", author, reporter, mine, False, False, case.created_at,
                      case.description, tuple(with_case), description=True,
                      pending=detail.sync_state == SyncState.WAITING and not case.number)
    for c in detail.comments:
        author, mine, staff = who(c.author_name, c.author_role)
        internal = c.kind == CommentKind.INTERNAL
        message = Message(c.id, author, c.author_name, mine, staff, internal, c.created_at,
                          c.body, tuple(by_comment.get(c.id, ())), c.sync_state != SyncState.SYNCED,
                          deletable=internal and mine and role.is_staff)
        items.append((c.created_at, 1, message))
    for a in later:
        uploader_role = (role if a.uploader_name == identity.name
                         else Role.CUSTOMER if a.uploader_name == reporter else Role.AGENT)
        author, mine, staff = who(a.uploader_name, uploader_role)
        items.append((a.created_at, 1, Message(f"file:{a.id}", author, a.uploader_name, mine, staff, False,
                                               a.created_at, "", (thread_file(a),), a.sync_state != SyncState.SYNCED)))
    for entry in detail.activity:
        if entry.action in NOT_SHOWN:
            continue
        actor = _("You") if entry.actor_name == identity.name else entry.actor_name
        shown_below = case.status == Status.RESOLVED and entry.action == Action.RESOLVE
        reason = "" if shown_below and entry.reason == case.resolution_summary else entry.reason  # the card has it
        if entry.action in SAID_BY_THE_SENTENCE:
            reason = ""  # the server's English note would only repeat the sentence
        text = _event_text(entry.action, actor, entry.from_status, entry.to_status, reason, role)
        items.append((entry.created_at, 0, Event(entry.id, text, entry.created_at,
                                                 entry.sync_state != SyncState.SYNCED)))
    items.sort(key=lambda item: (item[0], item[1]))
    thread: list[Item] = [opening, *(item for _when, _order, item in items)]
    if case.status == Status.RESOLVED:
        offered = tuple(a for a in (Action.ACCEPT, Action.REJECT) if a in actions)
        thread.append(Resolution(f"resolution:{case.id}:{case.resolved_at}", case.resolution_summary,
                                 case.resolved_at, offered))
    return thread


def shown_in(items: list[Item], choice: str) -> list[Item]:
    """The items the stream's filter `choice` keeps: all of them, or those of one kind."""
    return list(items) if choice == EVERYTHING else [item for item in items if item.kind == choice]


def plain_text(items: list[Item]) -> str:
    """The whole thread as text: what a copy or a test reads."""
    return "\n\n".join(item.plain for item in items)
