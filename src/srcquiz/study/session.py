"""A study session: which cards to ask, in what order, and what each answer did.

The TUI and the plain line mode both drive this class; neither talks to the
grader, scheduler or store directly. Every answer is committed to the store
before `answer()` returns, so a session killed at any moment keeps every
answer it showed feedback for.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import accumulate, islice
from typing import Literal

from srcquiz.deck.kinds import Question
from srcquiz.deck.model import Deck, split_card_key
from srcquiz.progress.card_state import CardState
from srcquiz.progress.queries import end_of_day
from srcquiz.progress.rows import MAX_DURATION_S
from srcquiz.progress.store import Store
from srcquiz.study.grading import Grade, Verdict, grade
from srcquiz.study.items import LazyItems, Shuffled
from srcquiz.study.items import StudyItem as StudyItem  # re-exported: the front ends use it
from srcquiz.study.items import layout as _layout
from srcquiz.study.learning import LearningQueue
from srcquiz.study.limits import Budget, short_quiz_notice, todays_budget
from srcquiz.study.responses import Response
from srcquiz.study.scheduler import (
    Rating,
    Settings,
    load_settings,
    review,
    suggest_rating,
    verdict_for_rating,
)
from srcquiz.study.terms import known_terms

Mode = Literal["review", "quiz", "cram", "missed"]
MODES: tuple[Mode, ...] = ("review", "quiz", "cram", "missed")
SCHEDULED_MODES = frozenset({"review", "quiz"})  # cram and missed never move due dates
# Where cards in a learning step come back before the session ends. Not in a quiz:
# it is an exam of N questions; what it leaves in a learning step the next review asks.
LEARNING_MODES = frozenset({"review"})
DEFAULT_QUIZ_LIMIT = 20
# How far a front end's answer time may exceed the session's own monotonic measure
# before it is taken for a wall-clock jump (see `Session.duration`).
CLOCK_SLACK_S = 60.0


class AskAgain(Exception):
    """The answer could not be read at all (a number the grader cannot parse): nothing
    was recorded; the front end says why (`str(exc)`) and asks the same card again."""

    def __init__(self, grade: Grade):
        super().__init__(grade.diff or "that answer could not be read; try again.")
        self.grade = grade


@dataclass(frozen=True)
class AnswerResult:
    item: StudyItem
    grade: Grade
    rating: Rating
    review_id: int
    response: Response = None  # as the front end gave it: the summary shows it again


@dataclass(frozen=True)
class SummaryRow:
    """One card of the session, as first answered (what the learner knew coming in)."""

    item: StudyItem
    given: str
    expected: str
    verdict: Verdict
    rating: Rating
    asked: int = 1  # times asked in the session: more than once when it came back


@dataclass(frozen=True)
class Summary:
    rows: tuple[SummaryRow, ...]
    right: int
    almost: int
    wrong: int
    elapsed_s: float
    score: float  # mean score 0..1 over each card's first answer
    came_back: int = 0  # cards asked again in a learning step

    @property
    def answered(self) -> int:
        """Cards answered, each counted once however often it came back."""
        return len(self.rows)


@dataclass
class _Answer:
    result: AnswerResult
    position: int
    before: CardState | None
    at: datetime
    elapsed_s: float
    hint_used: bool
    after: CardState | None  # the card's state after its (final) rating; None: not scheduled


def _now() -> datetime:
    return datetime.now().astimezone()


class Session:
    """Use `Session.start(...)`; then loop current() / answer() / advance()."""

    notice: str | None = None  # why a quiz is shorter than asked (the daily limits)

    def __init__(
        self,
        store: Store,
        decks: Sequence[Deck],
        mode: Mode,
        items: MutableSequence[StudyItem],
        settings: Settings,
        session_id: int,
        clock: Callable[[], datetime] = _now,
        timer: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.rng = rng or random.Random()  # the start's seeded one: retries lay out anew
        self.decks = list(decks)
        self.mode: Mode = mode
        self.items = items
        self.settings = settings
        self.session_id = session_id
        self.clock = clock
        self.timer = timer  # seconds, monotonic; None: time.monotonic
        self.position = 0
        # Every term of the decks, so another real term is never taken for a typo;
        # built on the first near miss, not here.
        self.terms = known_terms(self.decks)
        self._answers: list[_Answer] = []
        self._learning: LearningQueue[StudyItem] = LearningQueue()
        self._shown_at = self._seconds()

    # --- building the queue ----------------------------------------------------

    @classmethod
    def start(
        cls,
        store: Store,
        decks: list[Deck],
        mode: Mode = "review",
        limit: int | None = None,
        seed: int | None = None,
        settings: Settings | None = None,
        now: datetime | None = None,
        timer: Callable[[], float] | None = None,
    ) -> Session:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        settings = settings or load_settings(store)
        rng = random.Random(seed)
        clock: Callable[[], datetime] = (lambda: now) if now is not None else _now
        at = clock()
        notice = None
        items: MutableSequence[StudyItem]
        if mode == "review":
            items = _review_items(store, decks, todays_budget(store, at, settings, limit), rng, at)
        elif mode == "quiz":
            asked = DEFAULT_QUIZ_LIMIT if limit is None else limit
            items = _quiz_items(store, decks, asked, rng, todays_budget(store, at, settings))
            notice = short_quiz_notice(len(items), asked, decks)
        elif mode == "cram":
            items = _cram_items(decks, limit, rng)
        else:
            items = _missed_items(store, decks, limit, rng)
        session_id = store.start_session(mode, [d.id for d in decks], at)
        session = cls(store, decks, mode, items, settings, session_id, clock, timer, rng)
        session.notice = notice
        if mode in LEARNING_MODES:
            session._wait_for_steps(at)
        return session

    def _wait_for_steps(self, at: datetime) -> None:
        """Cards earlier sessions left in a learning step that falls due later today
        join the learning queue: asked when the step is due, as in Anki, not left for
        the next session (a card missed an hour ago is due again mid-session). They use
        no daily limit, like the steps of this session's own cards."""
        catalog, queued = _Catalog(self.decks), {(i.deck.id, i.card_key) for i in self.items}
        until = datetime.fromtimestamp(end_of_day(at), UTC)
        for deck_id, key, due in self.store.learning_later([d.id for d in self.decks], at, until):
            if (deck_id, key) not in queued and (item := catalog.item(deck_id, key, self.rng)):
                self._learning.wait(item, due)

    @classmethod
    def retry(cls, session: Session, items: list[StudyItem]) -> Session:
        """Practise `items` again without moving their due dates (like cram), each
        shuffled anew: in the first try's layout, a match is answered from memory of
        the screen, not of the subject."""
        at, s = session.clock(), session
        session_id = s.store.start_session("missed", [d.id for d in s.decks], at)
        fresh = [replace(i, order=_layout(i.question, s.rng, i.order)) for i in items]
        return cls(
            s.store, s.decks, "missed", fresh, s.settings, session_id, s.clock, s.timer, s.rng
        )

    # --- moving through it -----------------------------------------------------

    def current(self) -> StudyItem | None:
        return self.items[self.position] if 0 <= self.position < len(self.items) else None

    def advance(self, *, at: datetime | None = None) -> StudyItem | None:
        """Go on to the next card (`at`: now, by the front end's clock).

        A card the last answer left in a learning step waits in the learning queue;
        one whose step is due is asked next, before the rest, and once the rest are
        done one due within the learn-ahead window is (see `study.learning`). It goes
        into `items` right after the current card, so position and count stay simple.
        """
        if self.position < len(self.items):
            if self.answered_current() and self.mode in LEARNING_MODES:
                last = self._answers[-1]
                self._learning.update(last.result.item, last.after)
            others_left = self.position + 1 < len(self.items)
            back = self._learning.pick(self._queue_now(at), others_left)
            if back is not None:
                self.items.insert(self.position + 1, back)
            self.position += 1
            self._shown_at = self._seconds()
        return self.current()

    def _queue_now(self, at: datetime | None) -> datetime:
        """Now, for learning steps: never before the last answer (a session started
        with a fixed `now` keeps that clock, while the front end times its answers)."""
        moments = [at or self.clock()]
        if self._answers:
            moments.append(self._answers[-1].at)
        return max(moments)

    def _seconds(self) -> float:
        return (self.timer or time.monotonic)()

    def duration(self, elapsed_s: float) -> float:
        """The answer time to rate and log, from the front end's `elapsed_s`.

        Front ends may time answers with the wall clock, which jumps (NTP, a suspended
        laptop, a clock set by hand). The session's own monotonic measure since the
        card became current bounds it: a time that is negative, not a number, or more
        than `CLOCK_SLACK_S` beyond that measure is replaced by the measure. Either
        way it is capped at `MAX_DURATION_S`.
        """
        measured = max(0.0, self._seconds() - self._shown_at)
        plausible = math.isfinite(elapsed_s) and 0 <= elapsed_s <= measured + CLOCK_SLACK_S
        return min(elapsed_s if plausible else measured, float(MAX_DURATION_S))

    @property
    def done(self) -> bool:
        return self.position >= len(self.items)

    @property
    def scheduled(self) -> bool:
        """Whether answers in this session move due dates."""
        return self.mode in SCHEDULED_MODES

    @property
    def results(self) -> list[AnswerResult]:
        return [a.result for a in self._answers]

    def asked_before(self, item: StudyItem) -> bool:
        """Whether `item` was answered earlier in this session (it came back)."""
        return any(a.result.item == item for a in self._answers)

    def answered_current(self) -> bool:
        return bool(self._answers) and self._answers[-1].position == self.position

    # --- answering -------------------------------------------------------------

    def answer(
        self,
        response: Response,
        elapsed_s: float,
        hint_used: bool = False,
        *,
        at: datetime | None = None,
    ) -> AnswerResult:
        """Grade the current card, schedule it, and commit before returning."""
        item = self._require_current()
        if item.self_graded:
            raise ValueError("a self-graded card is rated with self_grade()")
        result = grade(item.question, item.card_key, response, self.terms)
        if result.ask_again:
            raise AskAgain(result)
        elapsed_s = self.duration(elapsed_s)
        state = self.store.card_state(item.deck.id, item.card_key)
        rating = suggest_rating(
            result, elapsed_s, hint_used, question=item.question, state=state
        )
        return self._record(item, result, rating, elapsed_s, hint_used, at, response)

    def self_grade(
        self, rating: Rating, elapsed_s: float, *, at: datetime | None = None
    ) -> AnswerResult:
        """Record the user's own rating of a `card`; commits before returning."""
        item = self._require_current()
        rating = Rating(rating)
        elapsed_s = self.duration(elapsed_s)
        verdict = verdict_for_rating(rating)
        result = Grade(
            verdict,
            0.0 if verdict == "wrong" else 1.0,
            item.expected_text(),
            "",
            "",
        )
        return self._record(item, result, rating, elapsed_s, False, at)

    def rate(self, rating: Rating) -> AnswerResult:
        """Override the rating of the last answer; recomputes the card's state from
        the state before that answer, and commits."""
        if not self._answers:
            raise RuntimeError("no answer to rate yet")
        last = self._answers[-1]
        rating = Rating(rating)
        if last.hint_used:  # the hint helped: Hard at best, whatever the key
            rating = min(rating, Rating.HARD)
        old = last.result
        after = None
        if self.scheduled:
            after = review(last.before, rating, last.at, self.settings, last.elapsed_s)
        new_grade = old.grade
        verdict = None
        if old.item.self_graded:
            verdict = verdict_for_rating(rating)
            new_grade = replace(
                old.grade, verdict=verdict, score=0.0 if verdict == "wrong" else 1.0
            )
        self.store.update_review(old.review_id, int(rating), after, verdict)
        last.result = replace(old, grade=new_grade, rating=rating)
        last.after = after
        return last.result

    def _require_current(self) -> StudyItem:
        item = self.current()
        if item is None:
            raise RuntimeError("the session is over")
        if self.answered_current():
            raise RuntimeError("this card is already answered; call advance()")
        return item

    def _record(
        self,
        item: StudyItem,
        result: Grade,
        rating: Rating,
        elapsed_s: float,
        hint_used: bool,
        at: datetime | None,
        response: Response = None,
    ) -> AnswerResult:
        when = at or self.clock()
        before = self.store.card_state(item.deck.id, item.card_key)
        after = review(before, rating, when, self.settings, elapsed_s) if self.scheduled else None
        review_id = self.store.record_review(
            deck_id=item.deck.id,
            card_key=item.card_key,
            reviewed_at=when,
            rating=int(rating),
            verdict=result.verdict,
            score=result.score,
            answer=result.given,
            duration_s=elapsed_s,
            mode=self.mode,
            session_id=self.session_id,
            state_before=before,
            state_after=after,
            hint_used=hint_used,
        )
        answer = AnswerResult(item, result, rating, review_id, response)
        self._answers.append(
            _Answer(answer, self.position, before, when, elapsed_s, hint_used, after)
        )
        return answer

    # --- afterwards ------------------------------------------------------------

    def summary(self) -> Summary:
        """Each card once, as first answered (a card that came back is not counted
        twice, and its later answers do not hide what the learner knew); the time is
        every answer's."""
        first: dict[StudyItem, _Answer] = {}
        asked: dict[StudyItem, int] = {}
        for a in self._answers:
            first.setdefault(a.result.item, a)
            asked[a.result.item] = asked.get(a.result.item, 0) + 1
        rows = tuple(
            SummaryRow(
                item,
                a.result.grade.given,
                a.result.grade.expected,
                a.result.grade.verdict,
                a.result.rating,
                asked[item],
            )
            for item, a in first.items()
        )
        scores = [a.result.grade.score for a in first.values()]
        return Summary(
            rows=rows,
            right=sum(r.verdict == "right" for r in rows),
            almost=sum(r.verdict == "almost" for r in rows),
            wrong=sum(r.verdict == "wrong" for r in rows),
            elapsed_s=sum(max(0.0, a.elapsed_s) for a in self._answers),
            score=sum(scores) / len(scores) if scores else 0.0,
            came_back=sum(n > 1 for n in asked.values()),
        )

    def missed_items(self) -> list[StudyItem]:
        """Cards whose last answer in this session was wrong, in the order asked."""
        last: dict[StudyItem, bool] = {}
        for a in self._answers:
            last[a.result.item] = a.result.grade.verdict == "wrong"
        return [item for item, missed in last.items() if missed]


# --- queue builders ------------------------------------------------------------


class _Catalog:
    """Finds a card's question in the loaded decks (removed ones are simply absent)."""

    def __init__(self, decks: Sequence[Deck]):
        self.decks = {d.id: d for d in decks}

    def item(self, deck_id: str, key: str, rng: random.Random) -> StudyItem | None:
        deck = self.decks.get(deck_id)
        if deck is None:
            return None
        q = deck.question(split_card_key(key)[0])  # a table made once per deck
        if q is None or key not in q.card_keys():
            return None
        return StudyItem(deck, q, key, _layout(q, rng))


def _review_items(
    store: Store, decks: Sequence[Deck], budget: Budget, rng: random.Random, now: datetime
) -> list[StudyItem]:
    """Due cards (most overdue first), then new ones round-robin across decks, each
    deck within its own daily limits and all of them within the cap (`budget`)."""
    catalog = _Catalog(decks)
    items: list[StudyItem] = []
    # Each deck's due cards up to its own limit (reading stops there), merged by due.
    streams = [_due_items(store, catalog, budget.reviews_left(d.id), d, rng, now) for d in decks]
    for _due, _n, item in heapq.merge(*streams, key=lambda t: t[:2]):
        if not budget.take_review(item.deck.id):
            break  # only the cap stops a merged stream: every deck is full
        items.append(item)
    asked = {(i.deck.id, i.question.id) for i in items}
    # New cards round-robin across decks, in deck order, one card per question a day.
    queues = [_new_keys(store, deck) for deck in decks if budget.new_left(deck.id)]
    while queues and budget.overall > 0:
        for queue in list(queues):
            pick = next(queue, None)
            if pick is None:
                queues.remove(queue)
                continue
            deck, q, key = pick
            if (deck.id, q.id) in asked:
                continue
            if not budget.take_new(deck.id):
                queues.remove(queue)
                continue
            asked.add((deck.id, q.id))
            items.append(StudyItem(deck, q, key, _layout(q, rng)))
    return items


def _due_items(
    store: Store, catalog: _Catalog, room: int, deck: Deck, rng: random.Random, now: datetime
) -> list[tuple[float, int, StudyItem]]:
    """Up to `room` of the deck's due cards (its review limit's rest), as (due, n, item)."""
    out: list[tuple[float, int, StudyItem]] = []
    if room <= 0:
        return out
    for deck_id, key, due in store.due_cards([deck.id], now):
        item = catalog.item(deck_id, key, rng)
        if item is None:  # the question left the deck; its history stays
            continue
        out.append((due.timestamp(), len(out), item))
        if len(out) >= room:
            break
    return out


def _new_keys(store: Store, deck: Deck) -> Iterator[tuple[Deck, Question, str]]:
    """Cards of `deck` never studied, in deck order."""
    known = store.studied_keys(deck.id)  # one indexed range scan, even for 100k cards
    for key in deck.card_keys():  # worked out once per deck: no question is touched
        if key not in known:
            q = deck.question(split_card_key(key)[0])
            if q is not None:
                yield deck, q, key


def _quiz_items(
    store: Store, decks: Sequence[Deck], limit: int, rng: random.Random, budget: Budget
) -> list[StudyItem]:
    """Shuffled questions; a card never studied is asked only while its deck's new-card
    limit (and the cap) leaves room, since answering it introduces it. Questions are
    drawn one at a time from a lazy shuffle (`Shuffled`) until the quiz is full:
    only the questions looked at are ever built or asked about."""
    draw = _question_draw(decks, rng)
    items: list[StudyItem] = []
    while len(items) < max(0, limit):
        # Which cards are known: a batch at a time, no more than the quiz still needs
        # (each question drawn is decoded, on a lazily read deck), at most 64.
        batch = list(islice(draw, min(64, max(8, limit - len(items)))))
        if not batch:
            break
        asked: dict[str, list[str]] = {}
        for d, q in batch:
            asked.setdefault(d.id, []).extend(q.card_keys())
        known = {(d, k) for d, keys in asked.items() for k in store.known_keys(d, keys)}
        for deck, q in batch:
            if len(items) >= max(0, limit):
                return items
            key = rng.choice(q.card_keys())
            if (deck.id, key) not in known and not budget.take_new(deck.id):
                seen = [k for k in q.card_keys() if (deck.id, k) in known]
                if not seen:
                    continue  # held back: today's new cards of this deck are used up
                key = rng.choice(seen)
            items.append(StudyItem(deck, q, key, _layout(q, rng)))
    return items


def _question_draw(decks: Sequence[Deck], rng: random.Random) -> Iterator[tuple[Deck, Question]]:
    """Every question with a card, of every deck, in a random order drawn lazily."""
    ends = list(accumulate(d.question_count() for d in decks))
    for n in Shuffled(ends[-1] if ends else 0, rng):
        at = bisect_right(ends, n)
        deck = decks[at]
        q = deck.question_at(n - (ends[at - 1] if at else 0))
        if q.card_keys():
            yield deck, q


def _cram_items(
    decks: Sequence[Deck], limit: int | None, rng: random.Random
) -> LazyItems:
    """Every card (or `limit` of them) in a random order, each built when the session
    reaches it: a cram of 100k cards starts with the count, not 100k items. The draw
    has its own generator, seeded from the session's, so what the session's draws
    later (a retry's layouts) never changes which cards come."""
    keys = [(deck, deck.card_count()) for deck in decks]
    ends = list(accumulate(n for _, n in keys))
    total = ends[-1] if ends else 0
    own = random.Random(rng.getrandbits(64))
    order = Shuffled(total, own)

    def make() -> StudyItem:
        n = next(order)
        at = bisect_right(ends, n)
        deck = keys[at][0]
        key, q = deck.card_at(n - (ends[at - 1] if at else 0))
        return StudyItem(deck, q, key, _layout(q, own))

    return LazyItems(total if limit is None else min(total, max(0, limit)), make)


def _missed_items(
    store: Store, decks: Sequence[Deck], limit: int | None, rng: random.Random
) -> list[StudyItem]:
    catalog = _Catalog(decks)
    items = []
    for deck_id, key in store.last_session_missed([d.id for d in decks]):
        item = catalog.item(deck_id, key, rng)
        if item is not None:
            items.append(item)
    if limit is not None:
        items = items[: max(0, limit)]
    return items
