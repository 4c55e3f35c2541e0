"""The merge step of `srcquiz sync` on an open collection: notes, then both sides'
reviews and states (`srcquiz.anki.sync` says why in this order).

Imported only when a sync has something to merge, so a sync with nothing new
loads none of the exporter, FSRS or the merge rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from srcquiz.anki.merge import FORGET, SET_DUE, CardRef, Event, Ours, Plan, plan_sync
from srcquiz.anki.previous import note_guid
from srcquiz.anki.sync_notes import sync_notes, wanted_notes
from srcquiz.anki.sync_report import Progress, SyncSummary, quiet
from srcquiz.anki.sync_reviews import (
    Clock,
    card_refs,
    duration_ms,
    read_events,
    read_manual,
    stale_cards,
    taken_ids,
    write_plan,
)
from srcquiz.deck.kinds import Question
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.progress.sync_log import ReceivedReview


def merge_collection(
    col: Any,
    store: Store,
    decks: Sequence[Deck],
    *,
    parent: str = "srcquiz",
    progress: Progress | None = None,
    notes_known: bool = False,
) -> SyncSummary:
    """Merge srcquiz's store with an open collection, both ways (the module's steps).
    `notes_known`: neither the decks nor the collection's notes changed since the last
    sync, so the notes are not built (the slow part: every field rendered) nor checked."""
    from srcquiz.study.scheduler import load_settings

    say = progress or quiet
    summary = SyncSummary()
    refs = card_refs(col, _notes(col, decks, parent, summary, say, notes_known))
    say("reading reviews")
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
    clock = Clock.of(col)
    plan = plan_sync(
        ours,
        theirs,
        states,
        settings,
        taken=taken_ids(col, min(unsent, default=None)),
        stale=stale_cards(col, refs, states, clock),
        manual=read_manual(col, refs, clock),
    )
    _save_ours(store, plan, states, say)
    histories = _histories(plan, ours, theirs)
    write_plan(col, plan, refs, histories, settings.desired_retention, progress=say)
    _count(summary, plan)
    return summary


def _notes(
    col: Any,
    decks: Sequence[Deck],
    parent: str,
    summary: SyncSummary,
    say: Progress,
    known: bool,
) -> dict[str, tuple[Deck, Question]]:
    """Each note's deck and question by GUID, once the collection's notes follow the
    decks (unless they are `known` to: then no note is built)."""
    if known:
        return {note_guid(d.id, q.id): (d, q) for d in decks for q in d.questions}
    say("checking notes")
    wanted, media = wanted_notes(decks, parent)
    summary.notes = sync_notes(col, wanted, media, {d.id for d in decks}, progress=say)
    return {guid: (w.deck, w.question) for guid, w in wanted.items()}


def _count(summary: SyncSummary, plan: Plan) -> None:
    """The summary line's counts of what the merge did."""
    summary.sent = len(plan.to_theirs)
    summary.received = len(plan.to_ours)
    summary.rescheduled = len(plan.rescheduled)
    summary.due_set = sum(kind == SET_DUE for kind in plan.by_hand.values())
    summary.forgotten = sum(kind == FORGET for kind in plan.by_hand.values())
    summary.conflicts = plan.conflicts


def _save_ours(store: Store, plan: Plan, states: dict[CardRef, Any], say: Progress) -> None:
    received = [
        ReceivedReview(e.id, e.card[0], e.card[1], e.rating, e.duration_ms, plan.steps[e.id].before)
        for e in plan.to_ours
    ]
    changed = {card: state for card, state in plan.states.items() if states.get(card) != state}
    forgotten = [card for card in plan.forgotten if card in states]
    if plan.new_ids or received or changed or forgotten:
        total = len(plan.new_ids) + len(received) + len(changed) + len(forgotten)
        say("saving to srcquiz", 0, total)
        store.save_synced(
            event_ids=plan.new_ids, received=received, states=changed, forgotten=forgotten
        )
        say("saving to srcquiz", total, total)


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
