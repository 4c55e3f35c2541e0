"""The store's half for `srcquiz sync`: which reviews moved a schedule, which a
sync has carried (each by its event id), and one transaction for what a sync
brings back. Mixed into `Store`, like the statistics queries."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple

from srcquiz.progress.rows import (
    MAX_DURATION_S,
    MODE_CODES,
    REVIEW_SELECT,
    NewReview,
    ReviewRow,
    insert_reviews,
    placeholders,
    review_from_row,
    save_state,
)

if TYPE_CHECKING:
    from srcquiz.progress.card_state import CardState


class SyncedReview(NamedTuple):
    """A scheduled review as `srcquiz sync` sees it: an event of one card."""

    id: int
    event_id: int | None  # None until its first sync
    reviewed_at: float
    deck_id: str
    card_key: str
    rating: int
    duration_ms: int


class ReceivedReview(NamedTuple):
    """A review made in Anki, to be logged here (`Store.save_synced`)."""

    event_id: int  # Anki's review-log id: the millisecond it was made
    deck_id: str
    card_key: str
    rating: int
    duration_ms: int
    state_before: CardState | None


# Reviews that moved a card's schedule: studied here, or made in Anki and synced.
SYNCED_MODE = "anki"
SCHEDULING_MODES = ("review", "quiz", SYNCED_MODE)
# The setting that counts rating overrides (`Store.update_review`), so that a sync can
# tell an override from no change without reading every review.
REVIEW_EDITS = "review_edits"
SCHEDULING_CODES = tuple(MODE_CODES[m] for m in SCHEDULING_MODES)


class SyncLog(ABC):
    """Reviews as sync events; `Store` supplies the readers and the writer."""

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read-only query."""

    @abstractmethod
    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read-only query, if any."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One committed write transaction."""

    def scheduling_reviews(self, deck_ids: Collection[str]) -> list[SyncedReview]:
        """Every review of these decks that moved a card's schedule, oldest first."""
        out: list[SyncedReview] = []
        ids = list(dict.fromkeys(deck_ids))
        modes = placeholders(len(SCHEDULING_MODES))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._rows(
                "SELECT r.id, r.event_id, r.reviewed_at, d.deck_id, c.card_key, r.rating, "
                "r.duration_ms FROM review_log r JOIN deck_ref d ON d.id = r.deck "
                "JOIN card_ref c ON c.id = r.card "
                f"WHERE r.mode IN ({modes}) AND d.deck_id IN ({placeholders(len(chunk))})",
                [*SCHEDULING_CODES, *chunk],
            )
            out.extend(SyncedReview(*row) for row in rows)
        out.sort()  # oldest (lowest id) first, sorted here rather than by SQLite
        return out

    def review_mark(self) -> tuple[int, int, int]:
        """(highest review id, reviews, rating overrides ever made): how a sync tells,
        in microseconds whatever the log's size, that the log neither grew nor had a
        rating changed since. Reviews are never deleted, and ids only grow."""
        top = self._one("SELECT max(id) FROM review_log")
        count = self._one("SELECT count(*) FROM review_log")  # SQLite counts a b-tree, not rows
        edits = self._one("SELECT value FROM setting WHERE key = ?", (REVIEW_EDITS,))
        return (
            int(top[0] or 0) if top else 0,
            int(count[0]) if count else 0,
            int(edits[0]) if edits else 0,
        )

    def unsynced_after(self, review_id: int) -> int:
        """Scheduling reviews logged after `review_id` that no sync has carried yet."""
        row = self._one(
            f"SELECT count(*) FROM review_log WHERE id > ? AND event_id IS NULL "
            f"AND mode IN ({placeholders(len(SCHEDULING_CODES))})",
            (review_id, *SCHEDULING_CODES),
        )
        return int(row[0]) if row else 0

    def review_by_event(self, event_id: int) -> ReviewRow | None:
        """The review a sync knows by this id, if it is here."""
        row = self._one(f"{REVIEW_SELECT} WHERE r.event_id = ?", (event_id,))
        return None if row is None else review_from_row(row)

    def save_synced(
        self,
        *,
        event_ids: Mapping[int, int],
        received: Sequence[ReceivedReview],
        states: Mapping[tuple[str, str], CardState],
        forgotten: Collection[tuple[str, str]] = (),
    ) -> None:
        """One sync's changes, in one committed transaction: ids given to reviews made
        here, reviews made in Anki, the card states merged from both histories, and
        the cards forgotten in Anki (new again: no state; their reviews stay)."""
        with self._write() as conn:
            # Clear moved ids first: an id may pass from one review to another.
            conn.executemany(
                "UPDATE review_log SET event_id = NULL WHERE id = ?", [(r,) for r in event_ids]
            )
            conn.executemany(
                "UPDATE review_log SET event_id = ? WHERE id = ?",
                [(event_id, row) for row, event_id in event_ids.items()],
            )
            insert_reviews(
                conn,
                (
                    NewReview(
                        r.deck_id,
                        r.card_key,
                        r.event_id / 1000,
                        int(r.rating),
                        "wrong" if r.rating == 1 else "right",
                        0.0 if r.rating == 1 else 1.0,
                        "",
                        max(0, min(int(r.duration_ms), MAX_DURATION_S * 1000)),
                        SYNCED_MODE,
                        None,
                        False,
                        r.event_id,
                        r.state_before,
                    )
                    for r in received
                ),
            )
            for (deck_id, card_key), state in states.items():
                save_state(conn, deck_id, card_key, state)
            conn.executemany("DELETE FROM card WHERE deck_id = ? AND card_key = ?", list(forgotten))
