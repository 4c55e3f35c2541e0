"""`srcquiz sync`: one schedule in srcquiz and Anki, merged both ways.

The `anki` package (Anki's own Rust backend, an optional extra) is imported
only here and in the modules this one calls, so every other command starts
without it. A sync has three halves, each safe to cut short:

1. notes: the collection's srcquiz notes follow the decks (`sync_notes`);
2. srcquiz: reviews made in Anki, ids for srcquiz's own, merged card states,
   in one store transaction;
3. Anki: srcquiz's reviews, changed ratings and merged card states, in one
   collection transaction.

Both sides are compared afresh every time (`srcquiz.anki.merge`), so a second
run finishes what a killed one started and a run with nothing new writes
nothing. A collection on a sync server goes through `srcquiz.anki.sync_server`,
which brings it here first and takes it back afterwards.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srcquiz.anki.merge import CardRef, Event, Ours, Plan, plan_sync
from srcquiz.anki.sync_marker import Marker
from srcquiz.anki.sync_notes import NoteReport, sync_notes, wanted_notes
from srcquiz.anki.sync_reviews import (
    Clock,
    card_refs,
    duration_ms,
    read_events,
    stale_cards,
    taken_ids,
    write_plan,
)
from srcquiz.deck.model import Deck
from srcquiz.errors import UserError
from srcquiz.progress.store import ReceivedReview, Store

NEEDS_ANKI = (
    "`srcquiz sync` needs the anki package (Anki's own sync client); install it with "
    "pip install 'srcquiz[anki]'."
)

Progress = Callable[[str], None]


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


def anki_available() -> None:
    """Refuse in one sentence when the optional `anki` package is missing."""
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        raise UserError(NEEDS_ANKI) from None


def open_collection(path: Path, *, create: bool = False) -> Any:
    """An open `anki.collection.Collection`, or one sentence saying why not."""
    anki_available()
    from anki.collection import Collection
    from anki.errors import DBError

    path = Path(path).expanduser()
    if not create and not path.is_file():
        raise UserError(
            f"no Anki collection at {path}: give the path of a collection.anki2 file "
            "(Anki keeps one in each profile folder)."
        )
    try:
        return Collection(str(path))
    except DBError as exc:
        raise collection_error(path, str(exc)) from None


def collection_error(path: Path, message: str) -> UserError:
    if "already open" in message.lower():
        return UserError(
            f"the Anki collection {path} is open in Anki (or being synced); close Anki and "
            "run `srcquiz sync` again."
        )
    if "toonew" in message.lower().replace(" ", ""):
        from anki.buildinfo import version

        return UserError(
            f"the Anki collection {path} was written by a newer Anki than the anki package "
            f"here ({version}); upgrade it with pip install -U 'srcquiz[anki]'."
        )
    if "notadatabase" in message.lower().replace(" ", "") or "not a database" in message:
        return UserError(f"{path} is not an Anki collection (not an SQLite database).")
    return UserError(f"cannot open the Anki collection {path}: {message.strip().rstrip('.')}.")


def sync_file(
    path: Path, store: Store, decks: Sequence[Deck], *, progress: Progress | None = None
) -> SyncSummary:
    """`srcquiz sync --collection PATH`: merge with a collection file (Anki closed)."""
    from srcquiz.paths import data_dir

    col = open_collection(path)
    try:
        where = str(Path(path).expanduser().resolve()).encode()
        name = hashlib.sha256(where).hexdigest()[:16]
        marker = new_marker(data_dir() / "anki-sync" / "files" / f"{name}.json", store, decks)
        summary, mark = merge_marked(col, store, decks, marker, progress)
        if mark is not None:
            marker.save(mark, col.mod)
        return summary
    finally:
        col.close()


def new_marker(path: Path, store: Store, decks: Sequence[Deck], parent: str = "srcquiz") -> Marker:
    from srcquiz.study.scheduler import load_settings

    return Marker(path, decks, parent, load_settings(store).desired_retention)


def merge_marked(
    col: Any, store: Store, decks: Sequence[Deck], marker: Marker, progress: Progress | None
) -> tuple[SyncSummary, dict[str, Any] | None]:
    """`merge_collection`, skipped when neither side changed since the last sync; the
    review log's mark to save once this sync is complete (None: skipped)."""
    if marker.unchanged(store, col.mod):
        return SyncSummary(), None
    mark = marker.watermark(store)
    return merge_collection(col, store, decks, progress=progress), mark


def merge_collection(
    col: Any,
    store: Store,
    decks: Sequence[Deck],
    *,
    parent: str = "srcquiz",
    progress: Progress | None = None,
) -> SyncSummary:
    """Merge srcquiz's store with an open collection, both ways (the module's steps)."""
    from srcquiz.study.scheduler import load_settings

    say = progress or (lambda _stage: None)
    summary = SyncSummary()
    say("notes")
    wanted, media = wanted_notes(decks, parent)
    summary.notes = sync_notes(col, wanted, media, {d.id for d in decks})
    say("reviews")
    refs = card_refs(col, wanted)
    cards = set(refs.values())
    ours = [
        Ours(
            r.id,
            r.event_id,
            round(r.reviewed_at * 1000),
            card,
            r.rating,
            duration_ms(r.duration_ms),
        )
        for r in store.scheduling_reviews([d.id for d in decks])
        if (card := (r.deck_id, r.card_key)) in cards
    ]
    theirs = read_events(col, refs, {o.event_id: o.card for o in ours if o.event_id is not None})
    states = {
        (deck.id, key): state
        for deck in decks
        for key, state in store.card_states(deck.id).items()
        if (deck.id, key) in cards
    }
    have = {e.id for e in theirs}
    unsent = [o.at_ms if o.event_id is None else o.event_id for o in ours if o.event_id not in have]
    settings = load_settings(store)
    plan = plan_sync(
        ours,
        theirs,
        states,
        settings,
        taken=taken_ids(col, min(unsent, default=None)),
        stale=stale_cards(col, refs, states, Clock.of(col)),
    )
    say("saving")
    _save_ours(store, plan, states)
    write_plan(col, plan, refs, _histories(plan, ours, theirs), settings.desired_retention)
    summary.sent = len(plan.to_theirs)
    summary.received = len(plan.to_ours)
    summary.rescheduled = len(plan.rescheduled)
    summary.conflicts = plan.conflicts
    return summary


def _save_ours(store: Store, plan: Plan, states: dict[CardRef, Any]) -> None:
    received = [
        ReceivedReview(e.id, e.card[0], e.card[1], e.rating, e.duration_ms, plan.steps[e.id].before)
        for e in plan.to_ours
    ]
    changed = {card: state for card, state in plan.states.items() if states.get(card) != state}
    if plan.new_ids or received or changed:
        store.save_synced(event_ids=plan.new_ids, received=received, states=changed)


def _histories(plan: Plan, ours: Sequence[Ours], theirs: Sequence[Event]) -> dict[CardRef, list]:
    """Each rescheduled card's merged events (for Anki's review and lapse counts)."""
    out: dict[CardRef, dict[int, Event]] = defaultdict(dict)
    for e in theirs:
        if e.card in plan.states:
            out[e.card][e.id] = e
    for o in ours:
        event_id = plan.new_ids.get(o.row, o.event_id)
        if o.card in plan.states and event_id is not None:
            out[o.card][event_id] = Event(event_id, o.card, o.rating, o.duration_ms)
    return {card: list(events.values()) for card, events in out.items()}
