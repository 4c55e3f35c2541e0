"""The merge rules of `srcquiz sync`, alone: reviews made on both sides in any
interleaving, with due dates set and cards forgotten by hand in Anki, synced in
any order (some syncs cut short), end as one history and one schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from srcquiz.anki.merge import (
    FORGET,
    SET_DUE,
    CardRef,
    Event,
    Manual,
    Ours,
    Plan,
    apply_by_hand,
    free_id,
    history,
    plan_sync,
    replay,
)
from srcquiz.progress.card_state import CardState
from srcquiz.study.scheduler import Rating, Settings, review

START_MS = int(datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp() * 1000)
OURS_SETTINGS = Settings(desired_retention=0.9, fuzz=False)
ANKI_SETTINGS = Settings(desired_retention=0.8, fuzz=False)  # Anki schedules its own way
CARDS: list[CardRef] = [("d", "a"), ("d", "b"), ("d", "b#reverse"), ("e", "c#c1")]


@dataclass
class Srcquiz:
    """srcquiz's side: its review rows (with their event ids once synced) and states."""

    rows: list[Ours] = field(default_factory=list)
    states: dict[CardRef, CardState] = field(default_factory=dict)

    def answer(self, card: CardRef, rating: int, at_ms: int) -> None:
        at = datetime.fromtimestamp(at_ms / 1000, UTC)
        self.states[card] = review(self.states.get(card), Rating(rating), at, OURS_SETTINGS, 3)
        self.rows.append(Ours(len(self.rows) + 1, None, at_ms, card, rating, 3000))

    def apply(self, plan: Plan) -> None:
        rows = [o._replace(event_id=plan.new_ids.get(o.row, o.event_id)) for o in self.rows]
        for e in sorted(plan.to_ours):
            rows.append(Ours(len(rows) + 1, e.id, e.id, e.card, e.rating, e.duration_ms))
        self.rows = rows
        self.states.update(plan.states)
        for card in plan.forgotten:
            self.states.pop(card, None)

    def events(self) -> set[Event]:
        assert all(o.event_id is not None for o in self.rows)
        return {Event(o.event_id or 0, o.card, o.rating, o.duration_ms) for o in self.rows}


@dataclass
class Anki:
    """The Anki side: a review log keyed by id (answers, and changes made by hand,
    which share its ids), and card states."""

    log: dict[int, Event] = field(default_factory=dict)
    manual: dict[int, Manual] = field(default_factory=dict)
    states: dict[CardRef, CardState] = field(default_factory=dict)

    def answer(self, card: CardRef, rating: int, at_ms: int) -> None:
        at = datetime.fromtimestamp(at_ms / 1000, UTC)
        self.states[card] = review(self.states.get(card), Rating(rating), at, ANKI_SETTINGS, 5)
        event_id = free_id(at_ms, set(self.log) | set(self.manual))
        self.log[event_id] = Event(event_id, card, rating, 5000)

    def by_hand(self, card: CardRef, kind: str, days: int, at_ms: int) -> None:
        """ "Set due date" (`days` from now) or "forget", as Anki's browser does them."""
        event_id = free_id(at_ms, set(self.log) | set(self.manual))
        due = datetime.fromtimestamp(at_ms / 1000, UTC) + timedelta(days=days)
        change = Manual(event_id, card, kind, due if kind == SET_DUE else None)
        self.manual[event_id] = change
        after = apply_by_hand(self.states.get(card), change, ANKI_SETTINGS)
        if after is None:
            self.states.pop(card, None)
        else:
            self.states[card] = after

    def apply(self, plan: Plan) -> None:
        for e in (*plan.to_theirs, *plan.rerated):
            self.log[e.id] = e
        self.states.update(plan.states)
        for card in plan.forgotten:
            self.states.pop(card, None)


def sync(ours: Srcquiz, anki: Anki, *, cut_short: bool = False) -> Plan:
    """One sync; `cut_short`: killed after srcquiz's transaction, before Anki's."""
    cards = set(ours.states) | set(anki.states)
    stale = {c for c in cards if anki.states.get(c) != ours.states.get(c)}
    plan = plan_sync(
        ours.rows,
        anki.log.values(),
        ours.states,
        OURS_SETTINGS,
        taken=set(anki.manual),
        stale=stale,
        manual=anki.manual.values(),
    )
    ours.apply(plan)
    if not cut_short:
        anki.apply(plan)
    return plan


actions = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["srcquiz", "anki"]),
            st.sampled_from(CARDS),
            st.integers(1, 4),
            # mostly forward in time, sometimes the same millisecond or a clock set back
            st.one_of(
                st.integers(0, 3), st.integers(60_000, 40 * 86_400_000), st.integers(-3_600_000, -1)
            ),
        ),
        st.tuples(st.sampled_from(["sync", "cut short"])),
        st.tuples(
            st.sampled_from([SET_DUE, FORGET]),
            st.sampled_from(CARDS),
            st.integers(0, 30),  # days from now, for a due date set
            st.integers(0, 3 * 86_400_000),
        ),
    ),
    max_size=40,
)


def _newest(ours: Srcquiz, anki: Anki, card: CardRef) -> int:
    """The id of the card's newest event on either side (0: none)."""
    ids = [o.event_id or o.at_ms for o in ours.rows if o.card == card]
    ids += [e.id for e in anki.log.values() if e.card == card]
    ids += [m.id for m in anki.manual.values() if m.card == card]
    return max(ids, default=0)


@settings(max_examples=150, deadline=None)
@given(actions)
def test_any_interleaving_ends_in_one_history_and_one_schedule(steps: list[tuple]) -> None:
    ours, anki = Srcquiz(), Anki()
    now = START_MS
    made = 0
    for step in steps:
        if step[0] in ("sync", "cut short"):
            sync(ours, anki, cut_short=step[0] == "cut short")
            continue
        if step[0] in (SET_DUE, FORGET):
            # A change by hand comes after everything the card already has: a clock set
            # back behind a card's newest event would make it older than that event, and
            # time order would then put it before what it followed (reviews may be so).
            kind, card, days, dt = step
            now = max(now + dt, _newest(ours, anki, card) + 1)
            anki.by_hand(card, kind, days, now)
            continue
        side, card, rating, dt = step
        now += dt
        (ours if side == "srcquiz" else anki).answer(card, rating, now)
        made += 1
    sync(ours, anki)

    # Both sides hold the same events, each review once, every one with its own id.
    assert ours.events() == set(anki.log.values())
    assert len(ours.rows) == len(anki.log) == made
    # The same next due date per card on both sides, from the merged history in time
    # order with the changes made by hand in their place (a forgotten card: new on both).
    assert set(ours.states) == set(anki.states)
    for card in {o.card for o in ours.rows} | {m.card for m in anki.manual.values()}:
        events = [e for e in anki.log.values() if e.card == card]
        _, replayed = history(
            events, OURS_SETTINGS, [m for m in anki.manual.values() if m.card == card]
        )
        if replayed is None:
            assert card not in ours.states
            continue
        assert ours.states[card] == anki.states[card]
        assert abs(ours.states[card].due - replayed.due) <= timedelta(days=1)
    # Syncing again changes nothing.
    again = sync(ours, anki)
    assert again.empty and again.states == {} and again.conflicts == 0 and not again.by_hand


def test_a_repeated_sync_adds_nothing() -> None:
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[0], 3, START_MS)
    anki.answer(CARDS[0], 1, START_MS + 60_000)
    first = sync(ours, anki)
    assert len(first.to_ours) == 1 and len(first.to_theirs) == 1
    assert sync(ours, anki).empty


def test_an_answer_on_the_other_side_reschedules_from_the_whole_history() -> None:
    """srcquiz said Good, the phone said Again a day later: the card is relearnt
    on both sides, not left at srcquiz's interval."""
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[0], 4, START_MS)
    sync(ours, anki)
    before = ours.states[CARDS[0]]
    anki.answer(CARDS[0], 1, START_MS + 86_400_000)
    plan = sync(ours, anki)
    assert plan.rescheduled == {CARDS[0]}
    after = ours.states[CARDS[0]]
    assert after.due < before.due
    assert after.last_review == datetime.fromtimestamp((START_MS + 86_400_000) / 1000, UTC)
    assert anki.states[CARDS[0]] == after


def test_srcquiz_keeps_its_own_state_when_only_its_newest_reviews_are_sent() -> None:
    """A fuzzed interval srcquiz already showed the learner stays as it was."""
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[1], 3, START_MS)
    own = CardState(
        due=datetime(2026, 3, 20, tzinfo=UTC),
        state=2,
        step=None,
        stability=11.0,
        difficulty=5.0,
        last_review=datetime.fromtimestamp(START_MS / 1000, UTC),
    )
    ours.states[CARDS[1]] = own
    plan = sync(ours, anki)
    assert plan.rescheduled == set()
    assert anki.states[CARDS[1]] == own


def test_a_clock_set_back_replays_in_time_order() -> None:
    """A review stamped before one the other side already has is placed by its time."""
    ours, anki = Srcquiz(), Anki()
    anki.answer(CARDS[0], 3, START_MS + 3_600_000)
    sync(ours, anki)
    ours.answer(CARDS[0], 1, START_MS)  # this computer's clock is an hour behind
    plan = sync(ours, anki)
    history = sorted(anki.log.values())
    assert [e.rating for e in history] == [1, 3]
    assert ours.states[CARDS[0]] == replay(history, OURS_SETTINGS)[-1].after
    assert plan.rescheduled == {CARDS[0]}


def test_an_id_taken_by_another_card_is_moved_not_merged() -> None:
    """A sync cut short gave srcquiz's review an id; before the rerun the phone
    logged another card at that very millisecond: both reviews survive."""
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[0], 3, START_MS)
    sync(ours, anki, cut_short=True)
    anki.answer(CARDS[1], 2, START_MS)
    plan = sync(ours, anki)
    assert plan.conflicts == 1
    assert ours.events() == set(anki.log.values())
    assert {e.card for e in anki.log.values()} == {CARDS[0], CARDS[1]}


def test_an_id_held_by_a_card_srcquiz_does_not_know_is_avoided() -> None:
    ours = Srcquiz()
    ours.answer(CARDS[0], 3, START_MS)
    plan = plan_sync(ours.rows, [], ours.states, OURS_SETTINGS, taken={START_MS, START_MS + 1})
    assert [e.id for e in plan.to_theirs] == [START_MS + 2]


def test_a_rating_changed_after_sending_is_srcquizs() -> None:
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[0], 3, START_MS)
    sync(ours, anki)
    ours.rows[0] = ours.rows[0]._replace(rating=1)  # overridden after the sync
    plan = sync(ours, anki)
    assert [e.rating for e in plan.rerated] == [1]
    assert [e.rating for e in anki.log.values()] == [1]
    assert sync(ours, anki).empty


def test_the_same_card_answered_in_the_same_millisecond_on_both_sides_is_two_reviews() -> None:
    """The id srcquiz gave its review before a sync was cut short is taken by the
    phone's answer to the same card: told apart by answer time, both are kept."""
    ours, anki = Srcquiz(), Anki()
    ours.answer(CARDS[0], 1, START_MS)
    sync(ours, anki, cut_short=True)
    anki.answer(CARDS[0], 1, START_MS)
    sync(ours, anki)
    assert len(anki.log) == len(ours.rows) == 2
    assert ours.events() == set(anki.log.values())
