"""Statistics over the review log: today's counts, per-deck numbers, per-day
history and forecasts, the streak. Read-only queries, mixed into `Store`.

Days are the learner's local calendar days (the offset of `now`), so "today"
and the streak follow the clock on the wall, not UTC.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from srcquiz.digests import blake2b
from srcquiz.progress.rows import MODE_CODES, WRONG, placeholders
from srcquiz.progress.sync_log import SCHEDULING_CODES

if TYPE_CHECKING:
    from srcquiz.deck.model import Deck

# FSRS learning states (srcquiz.scheduler.LEARNING/RELEARNING, checked by a test):
# the scheduler module is not needed to open the store and show the decks screen.
_LEARNING_STATES = (1, 3)
# Answers that count against the daily limits, and "every deck" in a form that keeps
# the per-deck time index usable (a handful of decks, one index range each).
_STUDY_MODES = f"({', '.join(map(str, SCHEDULING_CODES))})"
_EPOCH_DAY = date(1970, 1, 1)
# Answers in cram and missed sessions are practice: they move no due dates, so they
# count apart, never in the reviews, right answers, retention or streak (the hourly
# counts leave them out too: see the log's triggers in schema.py).
PRACTICE_MODES = ("cram", "missed")
_REAL = f"mode NOT IN ({', '.join(str(MODE_CODES[m]) for m in PRACTICE_MODES)})"


# Query results are NamedTuples, not dataclasses: they are built on the start-up
# path, where each dataclass definition costs about a millisecond.
class DeckStats(NamedTuple):
    deck_id: str
    questions: int
    cards: int
    new: int
    learning: int
    due_today: int
    reviews: int
    retention_30d: float | None
    streak: int


class KeyCheck(NamedTuple):
    """What `_stale` found for a deck object at a card-counter version."""

    deck: Deck
    version: int
    cards: int  # the deck's card keys
    gone: frozenset[str]  # stored keys the deck no longer has
    stale: tuple[tuple[int, float], ...]  # their (state, due)
    digest: str  # of the deck's card keys (`keys_digest`): a kept check holds for these


# Where a deck's check is kept between processes (the `setting` table): the card
# counter's version and the keys' digest it was made at, and the keys it found gone.
KEY_CHECK_SETTING = "keycheck:"


def keys_digest(deck: Deck) -> str:
    """A digest of the deck's card keys, in order: a kept check is for these keys."""
    return blake2b("\n".join(deck.card_keys()).encode(), digest_size=16).hexdigest()


class DayCounts(NamedTuple):
    """Today's scheduled answers: deck id -> (new cards introduced, answers), and the
    answers of every deck together."""

    per_deck: dict[str, tuple[int, int]]
    total: int


class TodayStats(NamedTuple):
    reviews: int  # real reviews (they move due dates); practice is counted apart
    right: int
    streak: int
    new: int = 0
    practice: int = 0  # answers in cram and missed sessions


def now_or_local(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now().astimezone()
    if now.tzinfo is None:
        return now.astimezone()
    return now


def _fixed_tz(now: datetime) -> tzinfo:
    return timezone(now.utcoffset() or timedelta(0))


def _day_start(day: date, tz: tzinfo) -> float:
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()


def _day_bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    """Start of `day` and of the day after, as timestamps."""
    return _day_start(day, tz), _day_start(day + timedelta(days=1), tz)


def end_of_day(now: datetime) -> float:
    """When the learner's day that holds `now` ends, as a timestamp ("due today")."""
    now = now_or_local(now)
    return _day_bounds(now.date(), _fixed_tz(now))[1]


def _day_ends(first: date, days: int, tz: tzinfo) -> list[float]:
    """End (the next day's start) of each of `days` days from `first`."""
    return [_day_start(first + timedelta(days=i + 1), tz) for i in range(days)]


class StatsQueries(ABC):
    """The statistics half of the store; `Store` supplies the two readers."""

    _key_checks: dict[str, KeyCheck]  # deck id -> `_stale`'s last finding
    # (decks, offset, day) -> (real reviews before that day, the run of days before it)
    _streaks: dict[tuple[tuple[int, ...], timedelta | None, date], tuple[int, int]]

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read-only query."""

    @abstractmethod
    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read-only query, if any."""

    def _deck_refs(self, deck_ids: Collection[str]) -> list[int]:
        """The log's numbers for these decks (decks never reviewed have none)."""
        ids = list(dict.fromkeys(deck_ids))
        if not ids:
            return []
        rows = self._rows(
            f"SELECT id FROM deck_ref WHERE deck_id IN ({placeholders(len(ids))})", ids
        )
        return [int(r[0]) for r in rows]

    # --- counts for the daily limits -----------------------------------------

    def today_counts(self, now: datetime | None = None) -> tuple[int, int]:
        """(new cards introduced today, scheduled reviews today), across all decks."""
        per_deck, total = self.today_by_deck(now)
        return sum(new for new, _ in per_deck.values()), total

    def today_by_deck(self, now: datetime | None = None) -> DayCounts:
        """What each deck used of today's limits: answers that moved a schedule, made
        here (review, quiz) or in Anki and synced; one range over today's rows.

        As in Anki, a learning step's answer (a card still in learning or relearning)
        uses no limit: a missed card coming back within the day is not a new review,
        and a day of hard cards must not lock the learner out of tomorrow's due ones.
        A new card's first answer counts as new and as a review."""
        now = now_or_local(now)
        start, end = _day_bounds(now.date(), _fixed_tz(now))
        # Today's rows, found between the ids of today's hours, counted here: a few
        # thousand at most, and no GROUP BY sort over the log.
        rows = self._in_time_rows(
            f"d.deck_id, r.before_state FROM review_log r "
            f"JOIN deck_ref d ON d.id = r.deck WHERE r.mode IN {_STUDY_MODES} AND",
            start,
            end,
        )
        per_deck: dict[str, tuple[int, int]] = {}
        for deck_id, before in rows:
            if before in _LEARNING_STATES:
                continue
            n, count = per_deck.get(deck_id, (0, 0))
            per_deck[deck_id] = (n + (before is None), count + 1)
        return DayCounts(per_deck, sum(count for _, count in per_deck.values()))

    # --- statistics ----------------------------------------------------------

    def deck_stats(self, deck: Deck, now: datetime | None = None) -> DeckStats:
        """A deck's numbers from SQL aggregates: the card counters the card table's
        triggers keep, one range count on the (deck_id, due) index, the hourly review
        counts; rows of cards no longer in the deck are taken off (`_stale`). Five
        small queries a deck: the decks screen asks this of every deck at start-up."""
        now = now_or_local(now)
        row = self._one(
            "SELECT cards, learning, version FROM deck_card WHERE deck_id = ?", (deck.id,)
        )
        stored, learning, version = (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
        check = self._stale(deck, version)
        cards, stale = check.cards, check.stale
        refs = self._deck_refs([deck.id])
        return DeckStats(
            deck_id=deck.id,
            questions=deck.question_count(),  # a lazily read deck: from its head
            cards=cards,
            new=cards - (stored - len(stale)),
            learning=learning - sum(state in _LEARNING_STATES for state, _ in stale),
            due_today=self.count_due(deck, None, end_of_day(now), check),
            reviews=self._real_reviews(refs) if refs else 0,
            retention_30d=self._retention(refs, now - timedelta(days=30), None),
            streak=self._streak(refs, now),
        )

    def count_due(
        self, deck: Deck, since: float | None, before: float, check: KeyCheck | None = None
    ) -> int:
        """Cards of `deck` (still in it) due from `since` (None: any time) to before
        `before`: a range count on the (deck_id, due) index (`check`: the deck's
        `_stale` finding, when the caller has it)."""
        low = "" if since is None else " AND due >= ?"
        row = self._one(
            f"SELECT count(*) FROM card WHERE deck_id = ?{low} AND due < ?",
            [deck.id, *(() if since is None else (since,)), before],
        )
        lo = -math.inf if since is None else since
        stale = sum(lo <= due < before for _, due in (check or self._stale(deck)).stale)
        return (int(row[0]) if row else 0) - stale

    def _stale(self, deck: Deck, version: int | None = None) -> KeyCheck:
        """(state, due) of the deck's card rows whose key the deck no longer has (a
        question removed or renumbered): usually none. Found by reading the deck's keys
        once per deck object, then again only when the deck's card `version` (read
        here unless given) moved by a write this store did not account for
        (`_wrote_card`): another process, a sync."""
        if version is None:
            row = self._one("SELECT version FROM deck_card WHERE deck_id = ?", (deck.id,))
            version = int(row[0]) if row else 0
        kept = self._key_checks.get(deck.id)
        if kept is not None and kept.deck is deck and kept.version == version:
            return kept
        digest = keys_digest(deck)
        gone = self._kept_gone(deck.id, version, digest)
        if gone is None:  # no check kept by an earlier process holds: read the keys
            keys = set(deck.card_keys())
            gone = [
                k
                for (k,) in self._rows("SELECT card_key FROM card WHERE deck_id = ?", (deck.id,))
                if k not in keys
            ]
        stale: list[tuple[int, float]] = []
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            stale += self._rows(
                "SELECT state, due FROM card WHERE deck_id = ? "
                f"AND card_key IN ({placeholders(len(chunk))})",
                [deck.id, *chunk],
            )
        kept = KeyCheck(deck, version, len(deck.card_keys()), frozenset(gone), tuple(stale), digest)
        self._key_checks[deck.id] = kept
        return kept

    def _kept_gone(self, deck_id: str, version: int, digest: str) -> list[str] | None:
        """The gone keys an earlier process found, if its check still holds: made at
        this card-counter version (no card row written since: the triggers move it on
        every write) for these very keys. None otherwise, or if it cannot be read."""
        row = self._one("SELECT value FROM setting WHERE key = ?", (KEY_CHECK_SETTING + deck_id,))
        try:
            kept = json.loads(row[0]) if row else None
            if kept and kept["version"] == version and kept["digest"] == digest:
                gone = kept["gone"]
                if isinstance(gone, list) and all(isinstance(k, str) for k in gone):
                    return gone
        except (ValueError, KeyError, TypeError):
            pass
        return None

    def kept_key_checks(self) -> list[tuple[str, str]]:
        """(setting key, value) of each deck's check, for the next process to start
        from (`Store.close` writes them): 300 ms of key reading at 100k cards saved."""
        return [
            (
                KEY_CHECK_SETTING + deck_id,
                json.dumps({"version": k.version, "digest": k.digest, "gone": sorted(k.gone)}),
            )
            for deck_id, k in self._key_checks.items()
        ]

    def _wrote_card(self, deck_id: str, card_key: str) -> None:
        """This store wrote one card row (committed): a key of the deck moves the kept
        check's version with the counter; any other key makes the deck be read again."""
        kept = self._key_checks.get(deck_id)
        if kept is None:
            return
        qid = card_key.partition("#")[0]
        question = kept.deck.question(qid)
        if card_key in kept.gone or question is None or card_key not in question.card_keys():
            del self._key_checks[deck_id]
        else:
            self._key_checks[deck_id] = kept._replace(version=kept.version + 1)

    def today(self, now: datetime | None = None) -> TodayStats:
        now = now_or_local(now)
        start, end = _day_bounds(now.date(), _fixed_tz(now))
        row = self._in_time(
            f"coalesce(sum({_REAL}), 0), coalesce(sum(verdict != {WRONG} AND {_REAL}), 0), "
            f"coalesce(sum(before_state IS NULL AND mode IN {_STUDY_MODES}), 0), "
            f"coalesce(sum(NOT {_REAL}), 0)",
            None,
            start,
            end,
        )
        reviews, right, new, practice = row if row else (0, 0, 0, 0)
        return TodayStats(
            int(reviews), int(right), self._streak(None, now), int(new), int(practice)
        )

    def reviews_per_day(
        self, deck_ids: Collection[str], days: int = 30, now: datetime | None = None
    ) -> list[tuple[date, int]]:
        return [(d, total) for d, total, _, _ in self._per_day(deck_ids, days, now)]

    def retention_per_day(
        self, deck_ids: Collection[str], days: int = 30, now: datetime | None = None
    ) -> list[tuple[date, float | None]]:
        """Share of reviews not rated Again, per day (None on days without reviews of
        cards already studied)."""
        return [
            (d, good / seen if seen else None)
            for d, _, seen, good in self._per_day(deck_ids, days, now)
        ]

    def due_forecast(
        self, deck_ids: Collection[str], days: int = 14, now: datetime | None = None
    ) -> list[tuple[date, int]]:
        """Cards coming due on each of the next `days` days; today includes overdue ones."""
        now = now_or_local(now)
        tz = _fixed_tz(now)
        today = now.date()
        ids = list(deck_ids)
        bounds = _day_ends(today, days, tz)
        counts = [0] * days
        if ids and days > 0:
            # One range count per day on the (deck_id, due) index.
            prev = None
            for i, bound in enumerate(bounds):
                cond = "due < ?" if prev is None else "due >= ? AND due < ?"
                params: list[Any] = [bound] if prev is None else [prev, bound]
                row = self._one(
                    f"SELECT count(*) FROM card WHERE deck_id IN ({placeholders(len(ids))}) "
                    f"AND {cond}",
                    [*ids, *params],
                )
                counts[i] = int(row[0]) if row else 0
                prev = bound
        return [(today + timedelta(days=i), counts[i]) for i in range(days)]

    def deck_forecast(
        self, deck: Deck, days: int = 14, now: datetime | None = None
    ) -> list[tuple[date, int]]:
        """Like `due_forecast` for one deck, counting only cards still in the deck: one
        range count a day on the (deck_id, due) index."""
        now = now_or_local(now)
        today = now.date()
        bounds = _day_ends(today, days, _fixed_tz(now))
        counts = [
            self.count_due(deck, None if i == 0 else bounds[i - 1], bound)
            for i, bound in enumerate(bounds)
        ]
        return [(today + timedelta(days=i), counts[i]) for i in range(days)]

    def _per_day(
        self, deck_ids: Collection[str], days: int, now: datetime | None
    ) -> list[tuple[date, int, int, int]]:
        """Per day: (day, reviews, reviews of cards already studied, those not rated
        Again), each day added up from the hourly counts."""
        now = now_or_local(now)
        tz = _fixed_tz(now)
        first = now.date() - timedelta(days=days - 1)
        decks = self._deck_refs(deck_ids)
        out: list[tuple[date, int, int, int]] = []
        start = _day_start(first, tz)
        if decks and days > 0 and not start % 3600:
            return self._per_day_by_hours(decks, first, days, start)
        for i, end in enumerate(_day_ends(first, days, tz)):
            counts = self._span(decks, start, end) if decks else (0, 0, 0)
            out.append((first + timedelta(days=i), *counts))
            start = end
        return out

    def _per_day_by_hours(
        self, decks: list[int], first: date, days: int, start: float
    ) -> list[tuple[date, int, int, int]]:
        """`_per_day` for days that start on the hour: the hourly counts of the whole
        span in one range read on their key, added up by day (at most a few thousand
        hourly rows grouped, never the review log)."""
        totals = [(0, 0, 0)] * days
        hour0 = int(start) // 3600
        for day, reviews, seen, good in self._rows(
            "SELECT (hour - ?) / 24 AS day, sum(reviews), sum(seen), sum(good) FROM review_hour "
            f"WHERE deck IN ({placeholders(len(decks))}) AND hour >= ? AND hour < ? GROUP BY day",
            [hour0, *decks, hour0, hour0 + 24 * days],
        ):
            totals[int(day)] = (int(reviews), int(seen), int(good))
        return [(first + timedelta(days=i), *t) for i, t in enumerate(totals)]

    def _in_time(
        self, aggregates: str, decks: list[int] | None, start: float, end: float
    ) -> tuple[Any, ...] | None:
        """`aggregates` over the reviews of these decks (None: every deck) from `start`
        to `end`, read between the lowest and highest row id of those hours."""
        where = "" if decks is None else f" AND deck IN ({placeholders(len(decks))})"
        base: list[Any] = [] if decks is None else list(decks)
        hours = self._one(
            "SELECT min(first_id), max(last_id) FROM review_hour WHERE hour >= ? AND hour <= ?"
            + (where or " AND deck IN (SELECT id FROM deck_ref)"),
            [int(start // 3600), int(end // 3600), *base],
        )
        first, last = hours if hours and hours[0] is not None else (1, 0)
        return self._one(
            f"SELECT {aggregates} FROM review_log WHERE id >= ? AND id <= ?{where} "
            "AND reviewed_at >= ? AND reviewed_at < ?",
            [first, last, *base, start, end],
        )

    def _in_time_rows(self, select: str, start: float, end: float) -> list[tuple[Any, ...]]:
        """`SELECT {select} ...` (ending in WHERE ... AND) over every deck's rows from
        `start` to `end`, read between the lowest and highest row id of those hours."""
        hours = self._one(
            "SELECT min(first_id), max(last_id) FROM review_hour WHERE hour >= ? AND hour <= ? "
            "AND deck IN (SELECT id FROM deck_ref)",
            [int(start // 3600), int(end // 3600)],
        )
        first, last = hours if hours and hours[0] is not None else (1, 0)
        return self._rows(
            f"SELECT {select} r.id >= ? AND r.id <= ? AND r.reviewed_at >= ? AND r.reviewed_at < ?",
            [first, last, start, end],
        )

    def _span(self, decks: list[int], start: float, end: float | None) -> tuple[int, int, int]:
        """(reviews, of cards already studied, of those not rated Again) of these decks
        from `start` to `end` (None: no end): whole hours from `review_hour`, and the
        log's covering index for the part of an hour at each edge."""
        marks = placeholders(len(decks))
        first = math.ceil(start / 3600)
        last = None if end is None else max(first, math.floor(end / 3600))
        edges = [(start, min(first * 3600.0, end if end is not None else math.inf))]
        if last is not None and end is not None and last * 3600.0 < end:
            edges.append((max(last * 3600.0, start), end))
        totals = [0, 0, 0]
        if last is None or last > first:
            row = self._one(
                "SELECT coalesce(sum(reviews), 0), coalesce(sum(seen), 0), "
                f"coalesce(sum(good), 0) FROM review_hour WHERE deck IN ({marks}) AND hour >= ?"
                + ("" if last is None else " AND hour < ?"),
                [*decks, first, *(() if last is None else (last,))],
            )
            totals = [int(v) for v in row] if row else totals
        for lo, hi in edges:
            if lo >= hi:
                continue
            row = self._in_time(
                f"coalesce(sum({_REAL}), 0), "
                f"coalesce(sum(before_state IS NOT NULL AND {_REAL}), 0), "
                f"coalesce(sum(rating > 1 AND before_state IS NOT NULL AND {_REAL}), 0)",
                decks,
                lo,
                hi,
            )
            if row:
                totals = [t + int(v) for t, v in zip(totals, row, strict=True)]
        return totals[0], totals[1], totals[2]

    def _retention(self, decks: list[int], since: datetime, until: datetime | None) -> float | None:
        """The share of reviews of cards seen before that were remembered, in these
        decks (the log's numbers: `_deck_refs`) over the span."""
        if not decks:
            return None
        _, seen, good = self._span(
            decks, since.timestamp(), None if until is None else until.timestamp()
        )
        return good / seen if seen else None

    def _streak(self, decks: list[int] | None, now: datetime) -> int:
        """Days in a row with at least one real review (practice does not keep a
        streak), up to today (or yesterday, so a streak is not lost before today's
        study), in these decks (the log's numbers; None: every deck)."""
        tz = _fixed_tz(now)
        if decks is None:
            decks = [int(r[0]) for r in self._rows("SELECT id FROM deck_ref")]
        if not decks:
            return 0

        today = now.date()
        on_today = self._span(decks, *_day_bounds(today, tz))[0]
        # The run of days up to yesterday is kept for the day: it changes only when a
        # review of another day is added or removed (a sync, an import), which moves the
        # count of real reviews not made today (the per-deck counters less today's).
        before = self._real_reviews(decks) - on_today
        key = (tuple(sorted(decks)), tz.utcoffset(None), today)
        kept = self._streaks.get(key)
        if kept is None or kept[0] != before:
            if len(self._streaks) >= 64:
                self._streaks.clear()
            kept = (before, self._run_until(decks, tz, today - timedelta(days=1)))
            self._streaks[key] = kept
        return kept[1] + (on_today > 0)

    def _run_until(self, decks: list[int], tz: tzinfo, day: date) -> int:
        """Days in a row with a real review, ending on `day`."""
        studied: Callable[[date], bool]
        if (tz.utcoffset(None) or timedelta(0)).total_seconds() % 3600:
            # An offset of part of an hour: days do not split into whole hours.
            studied = lambda d: self._span(decks, *_day_bounds(d, tz))[0] > 0  # noqa: E731
        else:
            studied = self._studied_days(decks, tz, day)
        streak = 0
        while studied(day):
            streak += 1
            day -= timedelta(days=1)
        return streak

    def _studied_days(self, decks: list[int], tz: tzinfo, today: date) -> Callable[[date], bool]:
        """`studied(day)` for an offset of whole hours, reading the hourly counts 64 days
        at a time (one query per 64 days of a streak, not one a day)."""
        seen: set[int] = set()  # days since 1970-01-01, local
        offset = int((tz.utcoffset(None) or timedelta(0)).total_seconds())
        read_from = today + timedelta(days=1)
        marks = placeholders(len(decks))

        def hour_of(d: date) -> int:
            return int(_day_start(d, tz)) // 3600

        def studied(d: date) -> bool:
            nonlocal read_from
            while d < read_from:
                start = read_from - timedelta(days=64)
                rows = self._rows(
                    f"SELECT DISTINCT (hour * 3600 + ?) / 86400 FROM review_hour "
                    f"WHERE deck IN ({marks}) AND hour >= ? AND hour < ? AND reviews > 0",
                    [offset, *decks, hour_of(start), hour_of(read_from)],
                )
                seen.update(int(r[0]) for r in rows)
                read_from = start
                if not rows and not self._one(
                    f"SELECT 1 FROM review_hour WHERE deck IN ({marks}) "
                    "AND hour < ? AND reviews > 0 LIMIT 1",
                    [*decks, hour_of(start)],
                ):
                    read_from = date.min
            return (d - _EPOCH_DAY).days in seen

        return studied

    def _real_reviews(self, decks: list[int]) -> int:
        """Real reviews (not practice) of these decks, from the counters the log's
        triggers keep (`deck_ref.real`)."""
        if not decks:
            return 0
        row = self._one(
            f"SELECT coalesce(sum(real), 0) FROM deck_ref WHERE id IN ({placeholders(len(decks))})",
            decks,
        )
        return int(row[0]) if row else 0

    def review_count(
        self, deck_ids: Collection[str] | None = None, *, real_only: bool = False
    ) -> int:
        """Answers logged, from the per-deck counters the log's triggers keep;
        `real_only`: reviews only, not practice (cram, missed)."""
        if real_only:
            decks = (
                [int(r[0]) for r in self._rows("SELECT id FROM deck_ref")]
                if deck_ids is None
                else self._deck_refs(deck_ids)
            )
            return self._real_reviews(decks)
        if deck_ids is None:
            row = self._one("SELECT coalesce(sum(reviews), 0) FROM deck_ref")
        else:
            ids = list(dict.fromkeys(deck_ids))
            if not ids:
                return 0
            row = self._one(
                "SELECT coalesce(sum(reviews), 0) FROM deck_ref "
                f"WHERE deck_id IN ({placeholders(len(ids))})",
                ids,
            )
        return int(row[0]) if row else 0
