"""The Conversation and Activity tabs' text: messages with their files, and the case's history.

Everything a user or the server wrote is escaped: text is never interpreted as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtWidgets import QTextBrowser, QWidget

from casedesktop.domain import CommentKind, Role, Status, activity_template, megabytes
from casedesktop.i18n import _, format_datetime
from casedesktop.store import queries
from casedesktop.store.queries import AttachmentView, SyncState
from casedesktop.ui import icons, theme


def conversation_html(detail: queries.CaseDetail, file_state: Callable[[AttachmentView], str]) -> str:
    """The messages, oldest first, each with the files sent with it and their transfer state."""
    parts = []
    files_of: dict[str, list[str]] = {}
    # The theme's colours (tints of the palette's Base, and text readable on them) and a paperclip
    # drawn as an image: a paperclip glyph is a box in many fonts.
    colours = theme.current()
    text_colour = theme.css_colour(colours.message_text)
    clip = icons.html_image("mail-attachment", 14, "message_text")
    for a in detail.attachments:
        if a.comment_id:
            state = file_state(a)
            files_of.setdefault(a.comment_id, []).append(
                f"{clip} {html.escape(a.filename)} ({megabytes(a.size)}){html.escape(state)}")
    for m in detail.comments:
        staff = m.author_role != Role.CUSTOMER
        background = theme.css_colour(colours.internal_note_background if m.kind == CommentKind.INTERNAL
                                      else colours.support_message_background if staff
                                      else colours.customer_message_background)
        tag = (html.escape(_("Internal note")) + " · " if m.kind == CommentKind.INTERNAL
               else html.escape(_("Support")) + " · " if staff else "")
        pending = " · <i>" + html.escape(_("waiting to sync")) + "</i>" if m.sync_state != SyncState.SYNCED else ""
        parts.append(
            f'<table width="100%" cellpadding="8" style="background:{background}; color:{text_colour}; margin-bottom:6px">'
            f"<tr><td><b>{html.escape(m.author_name)}</b> <small>{tag}{format_datetime(m.created_at)}{pending}</small>"
            f"<br>{html.escape(m.body).replace(chr(10), '<br>')}"
            f"{'<br><small>' + '<br>'.join(files_of[m.id]) + '</small>' if m.id in files_of else ''}</td></tr></table>"
        )
    return "".join(parts) or "<p><i>" + html.escape(_("No replies yet.")) + "</i></p>"


def activity_html(detail: queries.CaseDetail) -> str:
    """Who did what and when, with the status change and the reason given."""
    rows = []
    for a in detail.activity:
        change = ""
        if a.from_status and a.to_status and a.from_status != a.to_status:
            change = " (" + html.escape(_("from {old} to {new}").format(
                old=Status(a.from_status).label, new=Status(a.to_status).label)) + ")"
        reason = f": {html.escape(a.reason)}" if a.reason else ""
        pending = " <i>" + html.escape(_("(waiting to sync)")) + "</i>" if a.sync_state != SyncState.SYNCED else ""
        sentence = html.escape(activity_template(a.action)).replace("{actor}", f"<b>{html.escape(a.actor_name)}</b>")
        rows.append(f"<li>{format_datetime(a.created_at)} — {sentence}{change}{reason}{pending}</li>")
    return f"<ul>{''.join(rows)}</ul>" if rows else "<p><i>" + html.escape(_("No activity yet.")) + "</i></p>"


class ConversationView(QTextBrowser):
    """Shows the conversation; a redraw keeps the reader's place (or the end, if they were there)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(_("Conversation"))
        self.setOpenExternalLinks(False)

    def show_html(self, text: str, keep_place: bool = False) -> None:
        bar = self.verticalScrollBar()
        at_end, value = bar.value() >= bar.maximum(), bar.value()
        self.setHtml(text)
        bar.setValue(bar.maximum() if at_end or not keep_place else value)
