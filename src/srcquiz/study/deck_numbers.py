"""The decks screen's numbers, re-read only for the decks that changed.

Each deck's `DeckStats` (cards, new, learning, due today, reviews, 30-day
retention, streak) was once a full read of the deck's card rows and history: at
100k cards and 1M reviews, re-reading every deck after every session was most of
the wait on the way back to the decks screen. A deck's numbers change only when its
history does, or when the day turns (due today, retention and streak count in
days). So they are kept per deck and read again only:

- for the decks a session studied (`touched`: the front end says which);
- for every deck when the day changes, or when another process wrote to the
  database (SQLite's `data_version` moves only for other connections' commits:
  a `srcquiz review --plain` in another terminal, a sync);
- for a deck object that is not the one read before (decks were reloaded).

Reading a deck is cheap now too: its card counts come from counters the card
table's triggers keep, what is due from range counts on the (deck_id, due) index,
its history from per-deck counters and the hourly review counts
(`Store.deck_stats`). What is due *now* moves with the clock within a day
(learning steps come due), so it is counted
afresh for each deck with anything due today: today's due count less the cards
due later today, a short range on the same index. New cards a review could start
(`limits.startable`) and today's budget are read with them, so the decks screen
asks for nothing else on its way back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from srcquiz.progress.queries import end_of_day
from srcquiz.study.limits import startable, todays_budget

if TYPE_CHECKING:
    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DeckStats, TodayStats
    from srcquiz.progress.store import Store
    from srcquiz.study.limits import Budget
    from srcquiz.study.scheduler import Settings


class Numbers(NamedTuple):
    deck_stats: dict[str, DeckStats]
    due_now: dict[str, int]
    today: TodayStats
    startable: dict[str, int]  # new cards a review could start, per deck
    budget: Budget  # what today's daily limits leave


class DeckNumbers:
    """Per-deck numbers for a set of decks over one store; see the module doc."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: dict[str, tuple[Deck, date, DeckStats, int]] = {}
        self._version: int | None = None
        self.reads = 0  # decks whose numbers were read from the store (for tests)

    def touched(self, deck_ids: Iterable[str]) -> None:
        """These decks' history may have changed (a session studied them)."""
        for deck_id in deck_ids:
            self._kept.pop(deck_id, None)

    def read(
        self, decks: Sequence[Deck], now: datetime, settings: Settings | None = None
    ) -> Numbers:
        kept = self._current(decks, now)
        stats = {deck_id: k[2] for deck_id, k in kept.items()}
        end_of_today = end_of_day(now)
        due_now = {d.id: self._due_now(d, stats[d.id], now, end_of_today) for d in decks}
        return Numbers(
            stats,
            due_now,
            self.store.today(now=now),
            {deck_id: k[3] for deck_id, k in kept.items()},
            todays_budget(self.store, now, settings),
        )

    def deck_stats(self, decks: Sequence[Deck], now: datetime) -> dict[str, DeckStats]:
        """The decks' numbers, read only where nothing current is kept (the stats screen)."""
        return {deck_id: k[2] for deck_id, k in self._current(decks, now).items()}

    def _current(
        self, decks: Sequence[Deck], now: datetime
    ) -> dict[str, tuple[Deck, date, DeckStats, int]]:
        version = self._data_version()
        if version != self._version:
            self._kept.clear()  # another process wrote: nothing kept can be trusted
            self._version = version
        day = now.date()
        out = {}
        for deck in decks:
            kept = self._kept.get(deck.id)
            if kept is None or kept[0] is not deck or kept[1] != day:
                st = self.store.deck_stats(deck, now=now)
                new = startable(deck, st.new, partial(self.store.known_keys, deck.id))
                kept = (deck, day, st, new)
                self._kept[deck.id] = kept
                self.reads += 1
            out[deck.id] = kept
        return out

    def _due_now(self, deck: Deck, stats: DeckStats, now: datetime, end: float) -> int:
        """Cards of `deck` a review would offer now: due by `now` and still in the deck,
        i.e. those due today less those due later today. (`DeckStats.due_today` also
        counts learning steps due later today.)"""
        if not stats.due_today:
            return 0
        later = self.store.count_due(deck, math.nextafter(now.timestamp(), math.inf), end)
        return stats.due_today - later

    def _data_version(self) -> int:
        row = self.store.connection.execute("PRAGMA data_version").fetchone()
        return int(row[0]) if row else 0
