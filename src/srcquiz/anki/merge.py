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

Conflicts are rare and have one rule each: an id on both sides for different
reviews (a sync cut short, then another device logged a review at that very
millisecond; told apart by card and answer time) gives srcquiz's event a new
id; the same event rated differently (an override after it was sent) takes
srcquiz's rating, which the Anki side is then told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple

from srcquiz.progress.card_state import CardState
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
    conflicts: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to write on either side."""
        return not (self.to_ours or self.to_theirs or self.rerated or self.new_ids or self.states)


def free_id(at_ms: int, taken: set[int]) -> int:
    """The first id from `at_ms` up that nobody holds; it is taken from then on."""
    event_id = at_ms
    while event_id in taken:
        event_id += 1
    taken.add(event_id)
    return event_id


def replay(events: Iterable[Event], settings: Settings) -> list[Step]:
    """A card's history in time order, each event applied to the state before it."""
    settings = replace(settings, fuzz=False)  # the same history gives the same state
    steps: list[Step] = []
    state: CardState | None = None
    for event in sorted(events):
        at = datetime.fromtimestamp(event.id / 1000, UTC)
        after = review(state, Rating(event.rating), at, settings, event.duration_ms / 1000)
        steps.append(Step(event, state, after))
        state = after
    return steps


def plan_sync(
    ours: Sequence[Ours],
    theirs: Iterable[Event],
    states: Mapping[CardRef, CardState],
    settings: Settings,
    taken: Collection[int] = (),
    stale: Collection[CardRef] = (),
) -> Plan:
    """Everything one sync must write so that both sides hold the same events and
    the same state for every card whose history changed.

    `ours` are srcquiz's scheduled reviews of cards both sides know, `theirs` the
    Anki review log of those cards, `states` srcquiz's card states, `taken` any
    other id Anki's review log already holds (a new id must avoid it), and `stale`
    the cards whose Anki state is not srcquiz's (a sync cut short between the two
    sides' writes, or a card rescheduled by hand in Anki): they get srcquiz's again.
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
    _settle(plan, merged, states, settings, sent_rows)
    for card in stale:
        if card not in plan.states and merged.get(card):
            own = states.get(card)
            plan.states[card] = own if own is not None else _replayed(plan, merged[card], settings)
    return plan


def _settle(
    plan: Plan,
    merged: Mapping[CardRef, Mapping[int, Event]],
    states: Mapping[CardRef, CardState],
    settings: Settings,
    sent_rows: Mapping[int, int],
) -> None:
    """The state of every card whose history changed on either side."""
    received = {e.card for e in (*plan.to_ours, *plan.rerated)}
    sent: dict[CardRef, list[Event]] = defaultdict(list)
    for e in plan.to_theirs:
        sent[e.card].append(e)
    for card in received | set(sent):
        steps = replay(merged[card].values(), settings)
        plan.steps.update((step.event.id, step) for step in steps)
        own = states.get(card)
        if card not in received and own is not None and _appended(sent[card], steps, sent_rows):
            plan.states[card] = own  # srcquiz made it from this very history, in time order
            continue
        plan.states[card] = steps[-1].after
        if own != steps[-1].after:
            plan.rescheduled.add(card)


def _replayed(plan: Plan, events: Mapping[int, Event], settings: Settings) -> CardState:
    steps = replay(events.values(), settings)
    plan.steps.update((step.event.id, step) for step in steps)
    return steps[-1].after


def _appended(sent: list[Event], steps: list[Step], sent_rows: Mapping[int, int]) -> bool:
    """Whether srcquiz's unsent reviews of a card came after all its other reviews and
    in the order it made them: then srcquiz's own state followed the history in time
    order (with its fuzz), and replaying it would only lose the fuzz."""
    in_row_order = [e.id for e in sorted(sent, key=lambda e: sent_rows[e.id])]
    if in_row_order != sorted(in_row_order):
        return False
    fresh = set(in_row_order)
    older = [s.event.id for s in steps if s.event.id not in fresh]
    return not older or min(fresh) > max(older)
