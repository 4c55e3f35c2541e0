"""`srcquiz sync`, reviews: Anki's review log and card states as merge events.

Anki's review log (`revlog`) keys each answer by the millisecond it was made;
that id is the event's stable id on both sides (`srcquiz.anki.merge`). An
answer counts when it moved the schedule: learning, review and relearning
entries rated 1-4. Cramming without rescheduling is not a review and stays
Anki's own. "Set due date" and "forget" (Anki's manual entries, and the
rescheduled entries its FSRS writes when it moves due dates) are not reviews
either, but they are events of the merge (`srcquiz.anki.merge.Manual`): a sync
carries them to srcquiz instead of undoing them.

A card's merged state is written the way Anki keeps it: its type and queue,
its due day (or due second while in a learning step today), its interval, and
its FSRS memory state (stability, difficulty, desired retention, last review),
so Anki shows the same next due date and its own FSRS continues from it.
Everything one sync writes to Anki is one transaction.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from srcquiz.anki.merge import FORGET, SET_DUE, CardRef, Event, Manual, Plan, Step
from srcquiz.anki.sync_notes import OUR_NOTE_TYPE_IDS, card_key
from srcquiz.anki.sync_report import Progress, quiet
from srcquiz.deck.kinds import Question
from srcquiz.deck.model import Deck
from srcquiz.progress.card_state import LEARNING, RELEARNING, REVIEW, CardState
from srcquiz.progress.rows import MAX_DURATION_S

DAY_S = 86_400
# Review-log entry kinds (Anki's `revlog.type`) that moved the schedule.
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN = 0, 1, 2
# Entries that moved a card without an answer: "set due date" and "forget" (Anki's
# manual kind; a forget leaves an interval of 0), and FSRS's own rescheduling.
REVLOG_MANUAL, REVLOG_RESCHEDULED = 4, 5
REVLOG_CRAM = 3  # answered in a filtered deck that does not reschedule
# FSRS's default steps (`fsrs.Scheduler`), as Anki's default deck options have them too.
LEARNING_STEPS, RELEARNING_STEPS = 2, 1
_OURS = ",".join("?" * len(OUR_NOTE_TYPE_IDS))
PROGRESS_EVERY = 200  # cards between two progress reports while writing states


def duration_ms(value: int) -> int:
    """An answer time as both sides keep it (the store caps what it logs)."""
    return max(0, min(int(value), MAX_DURATION_S * 1000))


def card_refs(col: Any, wanted: Mapping[str, tuple[Deck, Question]]) -> dict[int, CardRef]:
    """Anki card id -> (deck id, card key), for the cards of the decks' notes (`wanted`:
    each note's deck and question by GUID)."""
    refs: dict[int, CardRef] = {}
    for cid, guid, ord_ in col.db.all(
        f"SELECT c.id, n.guid, c.ord FROM cards c JOIN notes n ON n.id = c.nid "
        f"WHERE n.mid IN ({_OURS})",
        *OUR_NOTE_TYPE_IDS,
    ):
        want = wanted.get(guid)
        key = None if want is None else card_key(want[1], ord_)
        if want is not None and key is not None:
            refs[cid] = (want[0].id, key)
    return refs


def read_events(col: Any, refs: Mapping[int, CardRef], known: Mapping[int, CardRef]) -> list[Event]:
    """The review-log entries of these cards that moved their schedule, plus entries
    of cards Anki no longer has that srcquiz knows by id (`known`: a question whose
    kind changed got a new note; its reviews stay in the log under the old card)."""
    events = []
    for rid, cid, ease, taken_ms in col.db.all(
        "SELECT r.id, r.cid, r.ease, r.time FROM revlog r "
        "JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid "
        f"WHERE n.mid IN ({_OURS}) AND r.ease BETWEEN 1 AND 4 AND r.type IN (?, ?, ?)",
        *OUR_NOTE_TYPE_IDS,
        REVLOG_LEARN,
        REVLOG_REVIEW,
        REVLOG_RELEARN,
    ):
        ref = refs.get(cid)
        if ref is not None:
            events.append(Event(rid, ref, ease, duration_ms(taken_ms)))
    if known:
        have = {e.id for e in events}
        for start in range(0, len(ids := sorted(set(known) - have)), 500):
            chunk = ids[start : start + 500]
            for rid, ease, taken_ms in col.db.all(
                f"SELECT r.id, r.ease, r.time FROM revlog r WHERE r.id IN "
                f"({','.join('?' * len(chunk))}) AND NOT EXISTS "
                "(SELECT 1 FROM cards c WHERE c.id = r.cid) AND r.ease BETWEEN 1 AND 4",
                *chunk,
            ):
                events.append(Event(rid, known[rid], ease, duration_ms(taken_ms)))
    return events


def read_manual(col: Any, refs: Mapping[int, CardRef], clock: Clock) -> list[Manual]:
    """The changes made by hand in Anki to these cards. A "set due date" that is still
    its card's newest entry is due when the card is; an older one when its interval
    says (what came after it decides the card's state anyway)."""
    rows = col.db.all(
        "SELECT r.id, r.cid, r.type, r.ivl FROM revlog r "
        "JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid "
        f"WHERE n.mid IN ({_OURS}) AND r.type IN (?, ?)",
        *OUR_NOTE_TYPE_IDS,
        REVLOG_MANUAL,
        REVLOG_RESCHEDULED,
    )
    if not rows:
        return []
    cids = sorted({cid for _, cid, _, _ in rows if cid in refs})
    newest: dict[int, int] = {}
    due_day: dict[int, int] = {}
    for start in range(0, len(cids), 500):
        chunk = cids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        newest.update(
            col.db.all(
                f"SELECT cid, max(id) FROM revlog WHERE cid IN ({marks}) AND type != ? "
                "GROUP BY cid",
                *chunk,
                REVLOG_CRAM,  # cramming moves nothing
            )
        )
        for cid, due, odid, odue in col.db.all(
            f"SELECT id, due, odid, odue FROM cards WHERE id IN ({marks}) AND type = 2", *chunk
        ):
            due_day[cid] = odue if odid else due
    out = []
    for rid, cid, kind, ivl in rows:
        ref = refs.get(cid)
        if ref is None:
            continue
        if kind == REVLOG_MANUAL and ivl == 0:
            out.append(Manual(rid, ref, FORGET))
            continue
        at = datetime.fromtimestamp(rid / 1000, UTC)
        day = due_day.get(cid) if newest.get(cid) == rid else None
        due = clock.start(day) if day is not None else at + timedelta(days=max(1, ivl))
        out.append(Manual(rid, ref, SET_DUE, due))
    return out


def taken_ids(col: Any, since_ms: int | None) -> set[int]:
    """Review-log ids from `since_ms` on: a new event id must avoid them."""
    if since_ms is None:
        return set()
    return set(col.db.list("SELECT id FROM revlog WHERE id >= ?", since_ms))


@dataclass(frozen=True, slots=True)
class Clock:
    """Anki's day numbering for this collection: `today` is the day that ends at
    `cutoff` (a Unix time; Anki's day starts at the learner's rollover hour)."""

    today: int
    cutoff: int

    @classmethod
    def of(cls, col: Any) -> Clock:
        timing = col.sched._timing_today()
        return cls(int(timing.days_elapsed), int(timing.next_day_at))

    def day(self, moment: datetime) -> int:
        return self.today + math.floor((moment.timestamp() - self.cutoff) / DAY_S) + 1

    def start(self, day: int) -> datetime:
        """The moment Anki's day `day` begins (`day(start(d)) == d`)."""
        return datetime.fromtimestamp(self.cutoff + (day - self.today - 1) * DAY_S, UTC)


def _memory(data: str) -> tuple[float, float] | None:
    try:
        parsed = json.loads(data) if data else {}
        return float(parsed["s"]), float(parsed["d"])
    except (ValueError, KeyError, TypeError):
        return None


def stale_cards(
    col: Any, refs: Mapping[int, CardRef], states: Mapping[CardRef, CardState], clock: Clock
) -> set[CardRef]:
    """Cards whose Anki state is not srcquiz's: another type, due day or memory state
    (a sync cut short between the two sides' writes, a card rescheduled by hand)."""
    stale: set[CardRef] = set()
    for cid, ctype, queue, due, odid, odue, data in col.db.all(
        "SELECT c.id, c.type, c.queue, c.due, c.odid, c.odue, c.data FROM cards c "
        f"JOIN notes n ON n.id = c.nid WHERE n.mid IN ({_OURS})",
        *OUR_NOTE_TYPE_IDS,
    ):
        ref = refs.get(cid)
        state = None if ref is None else states.get(ref)
        if ref is None or state is None:
            if ref is not None and ctype != 0:  # new in srcquiz only: set due in Anki?
                stale.add(ref)
            continue
        due = odue if odid else due
        day = clock.day(datetime.fromtimestamp(due, UTC)) if queue == 1 or due > 10**9 else due
        memory = _memory(data)
        if (
            ctype != state.state
            or day != clock.day(state.due)
            or memory is None
            or not _close(memory, (state.stability, state.difficulty))
        ):
            stale.add(ref)
    return stale


def _close(anki: tuple[float, float], ours: tuple[float | None, float | None]) -> bool:
    return all(
        b is not None and math.isclose(a, b, rel_tol=1e-4, abs_tol=2e-3)
        for a, b in zip(anki, ours, strict=True)
    )


def _interval(state: CardState | None, at: datetime) -> int:
    """The review log's interval: days for a card in review, minus seconds in a step."""
    if state is None:
        return 0
    seconds = (state.due - at).total_seconds()
    if state.state == REVIEW:
        return max(1, round(seconds / DAY_S))
    return -max(0, round(seconds))


def revlog_row(cid: int, step: Step) -> tuple[int, ...]:
    """The `revlog` row of one srcquiz review (usn -1: sent at the next sync)."""
    e, before, after = step
    at = datetime.fromtimestamp(e.id / 1000, UTC)
    kind = {REVIEW: REVLOG_REVIEW, RELEARNING: REVLOG_RELEARN}.get(
        LEARNING if before is None else before.state, REVLOG_LEARN
    )
    last = 0
    if before is not None and before.last_review is not None:
        last = _interval(before, before.last_review)
    factor = 0 if kind == REVLOG_LEARN else 2500
    return (e.id, cid, -1, e.rating, _interval(after, at), last, factor, e.duration_ms, kind)


def write_plan(
    col: Any,
    plan: Plan,
    refs: Mapping[int, CardRef],
    histories: Mapping[CardRef, Iterable[Event]],
    retention: float,
    progress: Progress = quiet,
) -> None:
    """Write one sync's Anki half in one transaction: the reviews Anki lacks, ratings
    srcquiz changed, and the merged state of each card."""
    if not (plan.to_theirs or plan.rerated or plan.states or plan.forgotten):
        return
    cids = {ref: cid for cid, ref in refs.items()}
    clock = Clock.of(col)

    def write() -> None:
        sent = len(plan.to_theirs)
        if sent:
            progress("sending reviews", 0, sent)
        col.db.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [revlog_row(cids[e.card], plan.steps[e.id]) for e in plan.to_theirs],
        )
        col.db.executemany(
            "UPDATE revlog SET ease = ?, usn = -1 WHERE id = ?",
            [(e.rating, e.id) for e in plan.rerated],
        )
        if sent:
            progress("sending reviews", sent, sent)
        cards: list[Any] = []
        total = len(plan.states)
        for ref, state in plan.states.items():
            if len(cards) % PROGRESS_EVERY == 0:
                progress("rescheduling cards", len(cards), total)
            card = col.get_card(cids[ref])
            _set_state(card, state, clock, retention, list(histories.get(ref, ())), plan)
            cards.append(card)
        cards += _new_again(col, [cids[ref] for ref in plan.forgotten])
        if cards:
            col.update_cards(cards, skip_undo_entry=True)
            progress("rescheduling cards", total, total)
        col.db.execute("UPDATE col SET mod = ?", int(time.time() * 1000))  # there is news

    col.db.transact(write)


def _new_again(col: Any, cids: Iterable[int]) -> list[Any]:
    """The cards of `cids` that are not new, made new (the merge says they were
    forgotten; Anki logs no entry for this, the forget it follows is logged)."""
    cards = []
    position = None
    for cid in cids:
        card = col.get_card(cid)
        if card.type == 0:
            continue
        if position is None:
            position = col.db.scalar("SELECT coalesce(max(due), 0) FROM cards WHERE type = 0")
        position += 1
        if card.odid:  # in a filtered deck: its home deck's position
            card.odue = position
        else:
            card.due = position
        card.type, card.ivl, card.left = 0, 0, 0
        if card.queue >= 0:
            card.queue = 0
        card.memory_state = None
        cards.append(card)
    return cards


def _set_state(
    card: Any, state: CardState, clock: Clock, retention: float, history: list[Event], plan: Plan
) -> None:
    from anki.cards import FSRSMemoryState

    in_step = state.state in (LEARNING, RELEARNING)
    today = in_step and state.due.timestamp() < clock.cutoff
    due = int(state.due.timestamp()) if today else clock.day(state.due)
    last = state.last_review or state.due
    if card.odid:  # in a filtered deck: its home deck's due is what moves
        card.odue = due
    else:
        card.due = due
        if card.queue >= 0:  # a suspended or buried card stays so
            card.queue = (1 if today else 3) if in_step else 2
    card.type = state.state
    if state.state == REVIEW:
        card.ivl = max(1, round((state.due - last).total_seconds() / DAY_S))
    else:  # a relearning card's interval is the one it returns to
        card.ivl = 0 if state.state == LEARNING else max(1, round(state.stability or 1))
    steps = LEARNING_STEPS if state.state == LEARNING else RELEARNING_STEPS
    card.left = max(0, steps - (state.step or 0)) if in_step else 0
    if state.state == REVIEW and not card.factor:
        card.factor = 2500
    if state.stability is not None and state.difficulty is not None:
        card.memory_state = FSRSMemoryState(stability=state.stability, difficulty=state.difficulty)
    card.desired_retention = retention
    card.last_review_time = None if state.last_review is None else int(last.timestamp())
    if history:
        card.reps = len(history)
    if history and all(e.id in plan.steps for e in history):
        befores = [plan.steps[e.id].before for e in history if e.rating == 1]
        card.lapses = sum(1 for b in befores if b is not None and b.state == REVIEW)
