"""Statistics over the review log: today's counts, per-deck numbers, per-day
history and forecasts, the streak. Read-only queries, mixed into `Store`.

Days are the learner's local calendar days (the offset of `now`), so "today"
and the streak follow the clock on the wall, not UTC.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from srcquiz.progress.rows import placeholders
from srcquiz.progress.sync_log import SCHEDULING_MODES

if TYPE_CHECKING:
    from srcquiz.deck.model import Deck

# FSRS learning states (srcquiz.scheduler.LEARNING/RELEARNING, checked by a test):
# the scheduler module is not needed to open the store and show the decks screen.
_LEARNING_STATES = (1, 3)
# Answers in cram and missed sessions are practice: they move no due dates, so they
# count apart, never in the reviews, right answers, retention or streak.
PRACTICE_MODES = ("cram", "missed")
_REAL = "mode NOT IN ('cram', 'missed')"


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


def _day_ends(first: date, days: int, tz: tzinfo) -> list[float]:
    """End (the next day's start) of each of `days` days from `first`."""
    return [_day_start(first + timedelta(days=i + 1), tz) for i in range(days)]


class StatsQueries(ABC):
    """The statistics half of the store; `Store` supplies the two readers."""

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read-only query."""

    @abstractmethod
    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read-only query, if any."""

    # --- counts for the daily limits -----------------------------------------

    def today_counts(self, now: datetime | None = None) -> tuple[int, int]:
        """(new cards introduced today, scheduled reviews today), across all decks."""
        per_deck, total = self.today_by_deck(now)
        return sum(new for new, _ in per_deck.values()), total

    def today_by_deck(self, now: datetime | None = None) -> DayCounts:
        """What each deck used of today's limits: reviews that moved a schedule, made
        here (review, quiz) or in Anki and synced; one range over today's rows."""
        now = now_or_local(now)
        start, end = _day_bounds(now.date(), _fixed_tz(now))
        rows = self._rows(
            "SELECT deck_id, coalesce(sum(state_before IS NULL), 0), count(*) FROM review "
            "WHERE reviewed_at >= ? AND reviewed_at < ? "
            f"AND mode IN ({placeholders(len(SCHEDULING_MODES))}) GROUP BY deck_id",
            (start, end, *SCHEDULING_MODES),
        )
        per_deck = {str(d): (int(new), int(count)) for d, new, count in rows}
        return DayCounts(per_deck, sum(count for _, count in per_deck.values()))

    # --- statistics ----------------------------------------------------------

    def deck_stats(self, deck: Deck, now: datetime | None = None) -> DeckStats:
        now = now_or_local(now)
        _, end_of_today = _day_bounds(now.date(), _fixed_tz(now))
        keys = deck.card_keys()
        states = self._rows("SELECT card_key, state, due FROM card WHERE deck_id = ?", (deck.id,))
        by_key = {k: (s, d) for k, s, d in states}
        present = [by_key[k] for k in keys if k in by_key]
        return DeckStats(
            deck_id=deck.id,
            questions=len(deck.questions),
            cards=len(keys),
            new=len(keys) - len(present),
            learning=sum(s in _LEARNING_STATES for s, _ in present),
            due_today=sum(d < end_of_today for _, d in present),
            reviews=self.review_count([deck.id], real_only=True),
            retention_30d=self._retention([deck.id], now - timedelta(days=30), None),
            streak=self._streak([deck.id], now),
        )

    def today(self, now: datetime | None = None) -> TodayStats:
        now = now_or_local(now)
        start, end = _day_bounds(now.date(), _fixed_tz(now))
        row = self._one(
            f"SELECT coalesce(sum({_REAL}), 0), coalesce(sum(verdict != 'wrong' AND {_REAL}), 0), "
            "coalesce(sum(state_before IS NULL AND "
            f"mode IN ({placeholders(len(SCHEDULING_MODES))})), 0), "
            f"coalesce(sum(NOT {_REAL}), 0) "
            "FROM review WHERE reviewed_at >= ? AND reviewed_at < ?",
            (*SCHEDULING_MODES, start, end),
        )
        reviews, right, new, practice = row if row else (0, 0, 0, 0)
        return TodayStats(
            int(reviews), int(right), self._streak(None, now), int(new), int(practice)
        )

    def reviews_per_day(
        self, deck_ids: Collection[str], days: int = 30, now: datetime | None = None
    ) -> list[tuple[date, int]]:
        per_day = self._per_day(deck_ids, days, now)
        return [(d, len(ratings)) for d, ratings in per_day]

    def retention_per_day(
        self, deck_ids: Collection[str], days: int = 30, now: datetime | None = None
    ) -> list[tuple[date, float | None]]:
        """Share of reviews not rated Again, per day (None on days without reviews of
        cards already studied)."""
        out: list[tuple[date, float | None]] = []
        for d, ratings in self._per_day(deck_ids, days, now, seen_only=True):
            out.append((d, (sum(r > 1 for r in ratings) / len(ratings)) if ratings else None))
        return out

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
        """Like `due_forecast` for one deck, counting only cards still in the deck."""
        now = now_or_local(now)
        tz = _fixed_tz(now)
        today = now.date()
        bounds = _day_ends(today, days, tz)
        keys = set(deck.card_keys())
        counts = [0] * days
        for key, due in self._rows(
            "SELECT card_key, due FROM card WHERE deck_id = ? AND due < ?",
            (deck.id, bounds[-1] if bounds else 0),
        ):
            if key in keys:
                counts[bisect.bisect_right(bounds, due)] += 1
        return [(today + timedelta(days=i), counts[i]) for i in range(days)]

    def _per_day(
        self,
        deck_ids: Collection[str],
        days: int,
        now: datetime | None,
        seen_only: bool = False,
    ) -> list[tuple[date, list[int]]]:
        now = now_or_local(now)
        tz = _fixed_tz(now)
        first = now.date() - timedelta(days=days - 1)
        ids = list(deck_ids)
        buckets: dict[date, list[int]] = {first + timedelta(days=i): [] for i in range(days)}
        if ids and days > 0:
            sql = (
                f"SELECT reviewed_at, rating FROM review WHERE reviewed_at >= ? AND {_REAL} "
                f"AND deck_id IN ({placeholders(len(ids))})"
            )
            if seen_only:
                sql += " AND state_before IS NOT NULL"
            for ts, rating in self._rows(sql, [_day_start(first, tz), *ids]):
                day = datetime.fromtimestamp(ts, tz).date()
                if day in buckets:
                    buckets[day].append(int(rating))
        return sorted(buckets.items())

    def _retention(
        self, deck_ids: Collection[str], since: datetime, until: datetime | None
    ) -> float | None:
        ids = list(deck_ids)
        if not ids:
            return None
        sql = (
            "SELECT count(*), coalesce(sum(rating > 1), 0) FROM review "
            f"WHERE deck_id IN ({placeholders(len(ids))}) AND reviewed_at >= ? "
            f"AND state_before IS NOT NULL AND {_REAL}"
        )
        params: list[Any] = [*ids, since.timestamp()]
        if until is not None:
            sql += " AND reviewed_at < ?"
            params.append(until.timestamp())
        row = self._one(sql, params)
        if not row or not row[0]:
            return None
        return int(row[1]) / int(row[0])

    def _streak(self, deck_ids: Collection[str] | None, now: datetime) -> int:
        """Days in a row with at least one real review (practice does not keep a
        streak), up to today (or yesterday, so a streak is not lost before today's study)."""
        tz = _fixed_tz(now)
        day = now.date()
        if deck_ids is None:
            where, base = "", []
        else:
            ids = list(deck_ids)
            if not ids:
                return 0
            where, base = f" AND deck_id IN ({placeholders(len(ids))})", ids

        def studied(d: date) -> bool:
            row = self._one(
                f"SELECT 1 FROM review WHERE reviewed_at >= ? AND reviewed_at < ? "
                f"AND {_REAL}{where} LIMIT 1",
                [*_day_bounds(d, tz), *base],
            )
            return row is not None

        if not studied(day):
            day -= timedelta(days=1)
        streak = 0
        while studied(day):
            streak += 1
            day -= timedelta(days=1)
        return streak

    def review_count(
        self, deck_ids: Collection[str] | None = None, *, real_only: bool = False
    ) -> int:
        """Answers logged; `real_only`: reviews only, not practice (cram, missed)."""
        real = f" AND {_REAL}" if real_only else ""
        if deck_ids is None:
            row = self._one(f"SELECT count(*) FROM review WHERE 1{real}")
        else:
            ids = list(deck_ids)
            if not ids:
                return 0
            row = self._one(
                f"SELECT count(*) FROM review WHERE deck_id IN ({placeholders(len(ids))}){real}",
                ids,
            )
        return int(row[0]) if row else 0
