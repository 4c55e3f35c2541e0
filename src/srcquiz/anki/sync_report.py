"""What one `srcquiz sync` did: the counts of its summary line and the sentences a
learner should read (notes edited in Anki, questions that changed kind, full syncs);
and how far a long sync has got, told to a `Progress` callback as it goes.

The sync's steps report the stages srcquiz runs itself (notes added, reviews
written, cards rescheduled); while Anki's backend works (a sync round trip, a full
upload or download, media, a package import) `watch` polls Anki's own progress
from a thread, as Anki desktop does. Drawing it is the front end's business
(`srcquiz.cli.progress`): nothing here knows about terminals.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

POLL_S = 0.1  # how often `watch` asks Anki how far it has got


class Progress(Protocol):
    """Told the stage a long sync is in and how much of it is done (`total` 0: not
    known; `unit` names what is counted when it is not items, e.g. "kB")."""

    def __call__(self, stage: str, done: int = 0, total: int = 0, unit: str = "") -> None: ...


def quiet(stage: str, done: int = 0, total: int = 0, unit: str = "") -> None:
    """The `Progress` of a sync nobody watches."""


@contextlib.contextmanager
def watch(col: Any, progress: Progress, stage: str, *, announce: bool = True) -> Iterator[None]:
    """Report Anki's own progress as `stage` while the body runs a backend call that
    reports it (the call releases the GIL; the poll runs beside it). Only counts
    are passed on: a message without one leaves what is shown as it is."""
    if announce:
        progress(stage)
    if progress is quiet:
        yield
        return
    stop = threading.Event()
    try:
        first = col.latest_progress()
    except Exception:  # noqa: BLE001 - no progress is no reason to fail a sync
        first = None

    def poll() -> None:
        last = first
        while not stop.wait(POLL_S):
            try:
                now = col.latest_progress()
            except Exception:  # noqa: BLE001 - the collection is closing
                return
            if now != last:
                last = now
                done, total, unit = anki_counts(now)
                if total:
                    progress(stage, done, total, unit)

    thread = threading.Thread(target=poll, name="srcquiz-sync-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def anki_counts(message: Any) -> tuple[int, int, str]:
    """(done, total, unit) of one of Anki's progress messages: bytes of a full sync in
    kB; other kinds give no count Anki keeps as a number."""
    if message.WhichOneof("value") == "full_sync" and message.full_sync.total:
        sync = message.full_sync
        return sync.transferred // 1024, max(1, sync.total // 1024), "kB"
    return 0, 0, ""


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
    due_set: int = 0  # cards whose due date was set by hand in Anki, now so in srcquiz too
    forgotten: int = 0  # cards forgotten in Anki, now new in srcquiz too
    conflicts: int = 0
    notices: list[str] = field(default_factory=list)  # full syncs, media and the like

    def line(self) -> str:
        n = self.notes
        return (
            f"notes: {n.added} added, {n.updated} updated, {n.removed} removed; "
            f"reviews: {self.sent} sent, {self.received} received; "
            f"{self.rescheduled} card(s) rescheduled; "
            f"by hand in Anki: {self.due_set} due date(s) set, {self.forgotten} forgotten; "
            f"{self.conflicts} conflict(s)"
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
