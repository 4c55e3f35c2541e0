"""The merge rules of `srcquiz sync`: plain functions over review events, no I/O.

A review is an *event*. Each carries a stable id: the millisecond it happened,
nudged up past any id already taken, which is exactly how Anki keys its review
log. srcquiz gives its own reviews an id the first time they are synced and
keeps it, so a repeated sync finds every event again and adds nothing.

Merging two sides is a set union by id. Where the union changed a card's
history, the card's state is computed again from the merged history in time
order with FSRS (`srcquiz.study.scheduler.review`, the learner's desired
retention, no fuzz, so that the same history always gives the same state), and
that state is written to both sides; both then show the same next due date.
A card whose history only grew by srcquiz's own newest reviews keeps the state
srcquiz already computed from that same history (fuzz included).

Two changes made by hand in Anki move a card without an answer: "set due date"
and "forget" (Anki logs both, as manual entries). They are events too, of Anki's
log only: a replay applies them in their place in time (`MANUAL`), and a card
whose newest event is one of them takes it on both sides: srcquiz's state due
on that day, or new again. A sync therefore never undoes them.

Conflicts are rare and have one rule each: an id on both sides for different
reviews (a sync cut short, then another device logged a review at that very
millisecond; told apart by card and answer time) gives srcquiz's event a new
id; the same event rated differently (an override after it was sent) takes
srcquiz's rating, which the Anki side is then told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple

from srcquiz.progress.card_state import REVIEW, CardState
from srcquiz.study.scheduler import Rating, Settings, review

CardRef = tuple[str, str]  # (deck id, card key): how srcquiz names a study card


class Event(NamedTuple):
    """One review as both sides can hold it."""

    id: int  # milliseconds since the epoch, unique within one review log
    card: CardRef
    rating: int  # 1 Again .. 4 Easy
    duration_ms: int


class Ours(NamedTuple):
    """One of srcquiz's scheduled reviews: its store row and, once synced, its id."""

    row: int
    event_id: int | None
    at_ms: int
    card: CardRef
    rating: int
    duration_ms: int


SET_DUE, FORGET = "set due", "forget"


class Manual(NamedTuple):
    """A change made by hand in Anki: the card due at `due` (SET_DUE), or new again
    (FORGET). Its id is its review-log entry's."""

    id: int
    card: CardRef
    kind: str
    due: datetime | None = None


class Step(NamedTuple):
    """An event of a replayed history with the card's state before and after it."""

    event: Event
    before: CardState | None
    after: CardState


@dataclass
class Plan:
    """What one sync writes: to srcquiz, to Anki, and the merged card states."""

    to_ours: list[Event] = field(default_factory=list)
    to_theirs: list[Event] = field(default_factory=list)
    rerated: list[Event] = field(default_factory=list)  # in Anki with another rating
    new_ids: dict[int, int] = field(default_factory=dict)  # store row -> event id
    states: dict[CardRef, CardState] = field(default_factory=dict)  # for both sides
    steps: dict[int, Step] = field(default_factory=dict)  # event id -> its replay step
    rescheduled: set[CardRef] = field(default_factory=set)  # srcquiz's state changes
    forgotten: set[CardRef] = field(default_factory=set)  # new again, on both sides
    by_hand: dict[CardRef, str] = field(default_factory=dict)  # newly taken from Anki
    conflicts: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to write on either side."""
        return not (
            self.to_ours
            or self.to_theirs
            or self.rerated
            or self.new_ids
            or self.states
            or self.forgotten
        )

    def settle(self, card: CardRef, state: CardState | None) -> None:
        """The card's merged state, for both sides (None: new)."""
        if state is None:
            self.states.pop(card, None)
            self.forgotten.add(card)
        else:
            self.forgotten.discard(card)
            self.states[card] = state


def free_id(at_ms: int, taken: set[int]) -> int:
    """The first id from `at_ms` up that nobody holds; it is taken from then on."""
    event_id = at_ms
    while event_id in taken:
        event_id += 1
    taken.add(event_id)
    return event_id


def replay(
    events: Iterable[Event], settings: Settings, manual: Iterable[Manual] = ()
) -> list[Step]:
    """A card's history in time order, each event applied to the state before it."""
    return history(events, settings, manual)[0]


def history(
    events: Iterable[Event], settings: Settings, manual: Iterable[Manual] = ()
) -> tuple[list[Step], CardState | None]:
    """A card's replayed reviews, and its state after the whole history (None: new)."""
    settings = replace(settings, fuzz=False)  # the same history gives the same state
    steps: list[Step] = []
    state: CardState | None = None
    # In time order; an answer and a change by hand in the same millisecond: the answer first.
    timeline: list[tuple[int, int, Event | None, Manual | None]] = [
        (e.id, 0, e, None) for e in events
    ]
    timeline += [(m.id, 1, None, m) for m in manual]
    for _, _, event, change in sorted(timeline, key=lambda t: t[:2]):
        if change is not None:
            state = apply_by_hand(state, change, settings)
            continue
        assert event is not None
        at = datetime.fromtimestamp(event.id / 1000, UTC)
        after = review(state, Rating(event.rating), at, settings, event.duration_ms / 1000)
        steps.append(Step(event, state, after))
        state = after
    return steps, state


def _set_due(state: CardState | None, change: Manual, settings: Settings) -> CardState | None:
    """Anki's "set due date": a review card due that day, its memory kept. A card never
    answered gets the memory of a first Good answer, its interval as its stability."""
    at = datetime.fromtimestamp(change.id / 1000, UTC)
    due = change.due or at
    if state is None or state.stability is None or state.difficulty is None:
        first = review(None, Rating.GOOD, at, settings)
        days = max(1.0, (due - at).total_seconds() / 86_400)
        return CardState(due, REVIEW, None, days, first.difficulty, at)
    return replace(state, due=due, state=REVIEW, step=None)


def _forget(state: CardState | None, change: Manual, settings: Settings) -> CardState | None:
    """Anki's "forget": the card is new again, its history kept."""
    return None


MANUAL: dict[str, Callable[[CardState | None, Manual, Settings], CardState | None]] = {
    SET_DUE: _set_due,
    FORGET: _forget,
}


def apply_by_hand(state: CardState | None, change: Manual, settings: Settings) -> CardState | None:
    """The card's state after a change made by hand in Anki."""
    return MANUAL[change.kind](state, change, settings)


def plan_sync(
    ours: Sequence[Ours],
    theirs: Iterable[Event],
    states: Mapping[CardRef, CardState],
    settings: Settings,
    taken: Collection[int] = (),
    stale: Collection[CardRef] = (),
    manual: Iterable[Manual] = (),
) -> Plan:
    """Everything one sync must write so that both sides hold the same events and
    the same state for every card whose history changed.

    `ours` are srcquiz's scheduled reviews of cards both sides know, `theirs` the
    Anki review log of those cards, `states` srcquiz's card states, `taken` any
    other id Anki's review log already holds (a new id must avoid it), and `stale`
    the cards whose Anki state is not srcquiz's (a sync cut short between the two
    sides' writes, or a card changed in Anki without an answer): they get srcquiz's
    again, unless their newest event is a change made by hand in `manual` (Anki's
    "set due date" and "forget" entries of these cards), which both sides then take.
    """
    plan = Plan()
    by_id: dict[int, Event] = {e.id: e for e in theirs}
    others = set(taken) - set(by_id)  # ids of Anki reviews that are not srcquiz cards'
    used = others | set(by_id) | {o.event_id for o in ours if o.event_id is not None}
    merged: dict[CardRef, dict[int, Event]] = defaultdict(dict)
    for e in by_id.values():
        merged[e.card][e.id] = e
    seen: set[int] = set()
    sent_rows: dict[int, int] = {}  # event id -> store row, of the events Anki lacks
    for o in sorted(ours, key=lambda o: (o.event_id is None, o.event_id or o.at_ms, o.row)):
        event_id = o.event_id
        other = None if event_id is None else by_id.get(event_id)
        if (
            event_id is None
            or event_id in seen
            or event_id in others
            or (other is not None and (other.card, other.duration_ms) != (o.card, o.duration_ms))
        ):
            plan.conflicts += event_id is not None
            event_id = free_id(o.at_ms, used)
            plan.new_ids[o.row] = event_id
            other = None
        seen.add(event_id)
        event = Event(event_id, o.card, o.rating, o.duration_ms)
        if other is None:
            plan.to_theirs.append(event)
            sent_rows[event_id] = o.row
        elif other.rating != o.rating:
            plan.rerated.append(event)
            plan.conflicts += 1
        merged[o.card][event_id] = event
    plan.to_ours = [e for e in by_id.values() if e.id not in seen]
    hands: dict[CardRef, list[Manual]] = defaultdict(list)
    for m in manual:
        hands[m.card].append(m)
    _settle(plan, merged, states, settings, sent_rows, hands)
    _restore(plan, merged, states, settings, stale, hands)
    return plan


def _settle(
    plan: Plan,
    merged: Mapping[CardRef, Mapping[int, Event]],
    states: Mapping[CardRef, CardState],
    settings: Settings,
    sent_rows: Mapping[int, int],
    hands: Mapping[CardRef, Sequence[Manual]],
) -> None:
    """The state of every card whose history changed on either side."""
    received = {e.card for e in (*plan.to_ours, *plan.rerated)}
    sent: dict[CardRef, list[Event]] = defaultdict(list)
    for e in plan.to_theirs:
        sent[e.card].append(e)
    for card in received | set(sent):
        mine = hands.get(card, ())
        steps, final = history(merged[card].values(), settings, mine)
        plan.steps.update((step.event.id, step) for step in steps)
        own = states.get(card)
        if (
            card not in received
            and own is not None
            and _appended(sent[card], steps, sent_rows, mine)
        ):
            plan.states[card] = own  # srcquiz made it from this very history, in time order
            continue
        plan.settle(card, final)
        if own == final:
            continue
        newest = max(merged[card])
        after = [m for m in mine if m.id > newest]
        if after:  # the card ends as a change by hand left it: listed as such
            plan.by_hand[card] = max(after).kind
        else:
            plan.rescheduled.add(card)


def _restore(
    plan: Plan,
    merged: Mapping[CardRef, Mapping[int, Event]],
    states: Mapping[CardRef, CardState],
    settings: Settings,
    stale: Collection[CardRef],
    hands: Mapping[CardRef, Sequence[Manual]],
) -> None:
    """Stale cards with no new review: a change made by hand in Anki since the card's
    newest review is taken by both sides (applied to srcquiz's own state); anything
    else gets srcquiz's state again."""
    for card in stale:
        if card in plan.states or card in plan.forgotten:
            continue
        events = merged.get(card, {})
        newest = max(events, default=0)
        fresh = sorted(m for m in hands.get(card, ()) if m.id > newest)
        own = states.get(card)
        if fresh:
            state = own
            for change in fresh:
                state = apply_by_hand(state, change, settings)
            plan.settle(card, state)
            if state != own:
                plan.by_hand[card] = fresh[-1].kind
        elif events:
            if own is None:
                steps, own = history(events.values(), settings, hands.get(card, ()))
                plan.steps.update((step.event.id, step) for step in steps)
            plan.settle(card, own)


def _appended(
    sent: list[Event], steps: list[Step], sent_rows: Mapping[int, int], manual: Sequence[Manual]
) -> bool:
    """Whether srcquiz's unsent reviews of a card came after all its other reviews and
    in the order it made them, and no change by hand came after the last review both
    sides knew: then srcquiz's own state followed the history in time order (with its
    fuzz), and replaying it would only lose the fuzz."""
    in_row_order = [e.id for e in sorted(sent, key=lambda e: sent_rows[e.id])]
    if in_row_order != sorted(in_row_order):
        return False
    fresh = set(in_row_order)
    older = [s.event.id for s in steps if s.event.id not in fresh]
    if any(m.id > max(older, default=-1) for m in manual):
        return False
    return not older or min(fresh) > max(older)
