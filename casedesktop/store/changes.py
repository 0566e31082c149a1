"""What an operation changed, so one dispatcher can tell the views what to refresh."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    case_ids: frozenset[str] = field(default_factory=frozenset)
    list_changed: bool = False  # rows added, removed or reordered
    outbox_changed: bool = False
    new_staff_activity: tuple[str, ...] = ()  # case ids with a staff reply or status change
    # Case ids where sync has news for the user about their own changes: refused, overtaken by
    # someone else, or applied to a case that had moved on (store/conflicts.py keeps the notices).
    conflicts: tuple[str, ...] = ()

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.case_ids | other.case_ids,
            self.list_changed or other.list_changed,
            self.outbox_changed or other.outbox_changed,
            self.new_staff_activity + other.new_staff_activity,
            tuple(dict.fromkeys(self.conflicts + other.conflicts)),
        )

    @property
    def empty(self) -> bool:
        return not (self.case_ids or self.list_changed or self.outbox_changed)
