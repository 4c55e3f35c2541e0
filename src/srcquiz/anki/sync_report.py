"""What one `srcquiz sync` did: the counts of its summary line and the sentences a
learner should read (notes edited in Anki, questions that changed kind, full syncs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Progress = Callable[[str], None]  # told the stage a long sync is in


@dataclass
class NoteReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    cards_removed: int = 0
    edited: list[str] = field(default_factory=list)  # "deck/question", kept as edited in Anki
    retyped: list[str] = field(default_factory=list)  # changed kind: a new note


@dataclass
class SyncSummary:
    """What one sync did, for the one-line report."""

    notes: NoteReport = field(default_factory=NoteReport)
    sent: int = 0
    received: int = 0
    rescheduled: int = 0
    conflicts: int = 0
    notices: list[str] = field(default_factory=list)  # full syncs, media and the like

    def line(self) -> str:
        n = self.notes
        return (
            f"notes: {n.added} added, {n.updated} updated, {n.removed} removed; "
            f"reviews: {self.sent} sent, {self.received} received; "
            f"{self.rescheduled} card(s) rescheduled; {self.conflicts} conflict(s)"
        )

    def details(self) -> list[str]:
        """Sentences for what the learner should know beyond the counts."""
        out = list(self.notices)
        if self.notes.edited:
            shown = ", ".join(self.notes.edited[:10])
            more = f" and {len(self.notes.edited) - 10} more" if len(self.notes.edited) > 10 else ""
            out.append(
                f"{len(self.notes.edited)} note(s) edited in Anki were kept as edited, not "
                f"replaced by the deck: {shown}{more}; bring the edits into the YAML with "
                "`srcquiz import` of a package exported from that collection."
            )
        if self.notes.retyped:
            out.append(
                f"{len(self.notes.retyped)} question(s) changed kind and got a new Anki note: "
                f"{', '.join(self.notes.retyped[:10])}; their schedule carries over, their "
                "earlier Anki cards' reviews stay in Anki's log."
            )
        return out
