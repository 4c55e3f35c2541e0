"""Fill a progress database fast, for benchmarks: many rows in one transaction,
written through the store's own row writer so the data looks as the app writes it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from srcquiz.progress.card_state import CardState
from srcquiz.progress.rows import save_state as _save_state
from srcquiz.progress.store import Store


def bulk_load(
    store: Store,
    cards: Iterable[tuple[str, str, CardState]],
    reviews: Iterable[tuple[Any, ...]] = (),
) -> None:
    """Insert many rows in one transaction (benchmarks and imports)."""
    with store._write() as conn:
        for deck_id, key, state in cards:
            _save_state(conn, deck_id, key, state)
        conn.executemany(
            "INSERT INTO review (deck_id, card_key, reviewed_at, rating, verdict, score, "
            "answer, duration_ms, mode, state_before, session_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            reviews,
        )
