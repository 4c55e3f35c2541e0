"""Fill a progress database fast, for benchmarks: many rows in one transaction,
written through the store's own row writers so the data is exactly as the app writes it."""

from __future__ import annotations

from collections.abc import Iterable

from srcquiz.progress.card_state import CardState
from srcquiz.progress.rows import NewReview, insert_reviews
from srcquiz.progress.rows import save_state as _save_state
from srcquiz.progress.store import Store


def bulk_load(
    store: Store,
    cards: Iterable[tuple[str, str, CardState]],
    reviews: Iterable[NewReview] = (),
    sessions: Iterable[tuple[int, str, float, str, int]] = (),
) -> None:
    """Insert many rows in one transaction (benchmarks): sessions as
    (id, mode, started_at, deck_ids JSON, the last review id before it)."""
    with store._write() as conn:
        conn.executemany(
            "INSERT INTO session (id, mode, started_at, deck_ids, after_review) "
            "VALUES (?, ?, ?, ?, ?)",
            sessions,
        )
        insert_reviews(conn, reviews)
        for deck_id, key, state in cards:
            _save_state(conn, deck_id, key, state)
