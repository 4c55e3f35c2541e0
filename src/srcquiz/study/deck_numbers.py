"""The decks screen's numbers, re-read only for the decks that changed.

Each deck's `DeckStats` (cards, new, learning, due today, reviews, 30-day
retention, streak) is a full read of the deck's card rows and history: at 100k
cards and 1M reviews, re-reading every deck after every session was most of the
wait on the way back to the decks screen. A deck's numbers change only when its
history does, or when the day turns (due today, retention and streak count in
days). So they are kept per deck and read again only:

- for the decks a session studied (`touched`: the front end says which);
- for every deck when the day changes, or when another process wrote to the
  database (SQLite's `data_version` moves only for other connections' commits:
  a `srcquiz review --plain` in another terminal, a sync);
- for a deck object that is not the one read before (decks were reloaded).

What is due *now* moves with the clock within a day (learning steps come due), so
it is counted afresh, from the due index, for each deck with anything due today.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DeckStats, TodayStats
    from srcquiz.progress.store import Store


class Numbers(NamedTuple):
    deck_stats: dict[str, DeckStats]
    due_now: dict[str, int]
    today: TodayStats


class DeckNumbers:
    """Per-deck numbers for a set of decks over one store; see the module doc."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: dict[str, tuple[Deck, date, DeckStats]] = {}
        self._version: int | None = None
        self.reads = 0  # decks whose numbers were read from the store (for tests)

    def touched(self, deck_ids: Iterable[str]) -> None:
        """These decks' history may have changed (a session studied them)."""
        for deck_id in deck_ids:
            self._kept.pop(deck_id, None)

    def read(self, decks: Sequence[Deck], now: datetime) -> Numbers:
        version = self._data_version()
        if version != self._version:
            self._kept.clear()  # another process wrote: nothing kept can be trusted
            self._version = version
        day = now.date()
        stats: dict[str, DeckStats] = {}
        for deck in decks:
            kept = self._kept.get(deck.id)
            if kept is None or kept[0] is not deck or kept[1] != day:
                kept = (deck, day, self.store.deck_stats(deck, now=now))
                self._kept[deck.id] = kept
                self.reads += 1
            stats[deck.id] = kept[2]
        due_now = {d.id: self._due_now(d, now) if stats[d.id].due_today else 0 for d in decks}
        return Numbers(stats, due_now, self.store.today(now=now))

    def _due_now(self, deck: Deck, now: datetime) -> int:
        """Cards of `deck` a review would offer now: due by `now` and still in the deck.
        (`DeckStats.due_today` also counts learning steps due later today.)"""
        keys = set(deck.card_keys())
        return sum(key in keys for _deck, key, _due in self.store.due_cards([deck.id], now))

    def _data_version(self) -> int:
        row = self.store.connection.execute("PRAGMA data_version").fetchone()
        return int(row[0]) if row else 0
