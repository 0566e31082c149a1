"""What a desktop notification says: which cases have news from someone else, the line that tells
the news, and one grouped notice when several cases changed at once.

Plain functions with no Qt, so the decision "what to notify, grouped, for which case" is tested
directly; `read_news` and `store.queries.unread_count` read the cache and run on a worker lane, never on the GUI
thread. The sync layer decides which cases have news (`Changes.new_staff_activity`: comments and
events by others, never during the first download); this module only words it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from casedesktop.domain import Role, Status
from casedesktop.domain.fields import status_phrase
from casedesktop.i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from casedesktop.store.database import CacheDB
    from casedesktop.store.meta import Identity
    from casedesktop.store.queries import ActivityView, CaseDetail, CommentView

MAX_LINE = 160  # characters of a reply's first line a notice shows
LISTED_IN_GROUP = 4  # case numbers a grouped notice names before "and N more"


@dataclass(frozen=True)
class CaseNews:
    """The latest news on one case, worded for a notice."""

    case_id: str
    title: str  # "Support replied on CS-1042"
    body: str  # the first line of the reply, or the status change's reason
    label: str  # the case as a grouped notice names it: its number
    at: datetime | None = None


@dataclass(frozen=True)
class Announcement:
    """One notice: what it says, and the cases a click opens (the first) or that it covers."""

    title: str
    body: str
    case_ids: tuple[str, ...]

    @property
    def case_id(self) -> str:
        return self.case_ids[0]


def first_line(text: str, limit: int = MAX_LINE) -> str:
    """The first line with words in it, cut at `limit` characters."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _is_mine(name: str, role: str, me: Identity) -> bool:
    return name == me.name and role == me.role.value


def _reply_title(comment: CommentView, label: str, me: Identity) -> str:
    if comment.kind == "internal":
        return _("{name} added an internal note to {case}").format(name=comment.author_name, case=label)
    if me.role is Role.CUSTOMER and comment.author_role != Role.CUSTOMER.value:
        return _("Support replied on {case}").format(case=label)
    return _("{name} replied on {case}").format(name=comment.author_name, case=label)


def _status_title(status: Status, label: str, me: Identity) -> str:
    if status is Status.RESOLVED:
        return _("{case} was resolved").format(case=label)
    if status is Status.CLOSED:
        return _("{case} was closed").format(case=label)
    if status is Status.PENDING_CUSTOMER and me.role is Role.CUSTOMER:
        return _("Support needs more information on {case}").format(case=label)
    return _("{case} is now {status}").format(case=label, status=status_phrase(status, me.role))


def news_of(detail: CaseDetail, me: Identity) -> CaseNews:
    """The newest reply or status change on a case that is not the user's own (their own work
    is in the cache before it reaches the server, and the sync layer never reports it)."""
    case = detail.case
    label = case.number or _("“{subject}”").format(subject=case.subject)
    visible = ("reply", "internal") if me.role.is_staff else ("reply",)
    replies = [c for c in detail.comments
               if c.kind in visible and c.sync_state == "synced" and not _is_mine(c.author_name, c.author_role, me)]
    moves = [a for a in detail.activity
             if a.to_status and a.to_status != a.from_status and a.sync_state == "synced"
             and a.actor_name != me.name]
    reply: CommentView | None = replies[-1] if replies else None
    move: ActivityView | None = moves[-1] if moves else None
    if move is not None and (reply is None or move.created_at > reply.created_at):
        try:
            status = Status(move.to_status)
        except ValueError:
            status = None
        if status is not None:
            body = first_line(move.reason) or case.subject
            return CaseNews(case.id, _status_title(status, label, me), body, label, move.created_at)
    if reply is not None:
        return CaseNews(case.id, _reply_title(reply, label, me), first_line(reply.body) or case.subject, label,
                        reply.created_at)
    return CaseNews(case.id, _("{case} was updated").format(case=label), case.subject, label, case.updated_at)


def read_news(db: CacheDB, case_ids: Iterable[str], me: Identity) -> list[CaseNews]:
    """The news of each case still in the cache, newest first (runs on a worker lane)."""
    from casedesktop.store import queries

    found: list[CaseNews] = []
    for case_id in dict.fromkeys(case_ids):
        try:
            found.append(news_of(queries.case_detail(db, case_id), me))
        except LookupError:
            continue  # merged away or no longer visible: nothing to open
    return sorted(found, key=lambda n: n.at.timestamp() if n.at else 0.0, reverse=True)


def announcement_for(news: Sequence[CaseNews]) -> Announcement | None:
    """One notice for what arrived together: the case's own words for one case, a count and the
    case numbers for several (a burst of news never becomes a burst of notices)."""
    if not news:
        return None
    if len(news) == 1:
        return Announcement(news[0].title, news[0].body, (news[0].case_id,))
    count = len(news)
    title = ngettext("{count} case was updated", "{count} cases were updated", count).format(count=count)
    listed = pgettext("between items of a list", ", ").join(n.label for n in news[:LISTED_IN_GROUP])
    rest = count - LISTED_IN_GROUP
    body = listed if rest <= 0 else ngettext(
        "{cases} and {count} more", "{cases} and {count} more", rest).format(cases=listed, count=rest)
    return Announcement(title, body, tuple(n.case_id for n in news))


