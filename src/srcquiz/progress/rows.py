"""How a review and a card's state are kept as SQLite rows, and what one answer
may put in the log. Shared by the store's reads and writes and the sync log."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import sqlite3

    from srcquiz.progress.card_state import CardState

# What one answer may put in the log: a pasted novel is cut (with a marker saying so),
# and a card left on screen for hours counts as this long, not as hours of work.
MAX_ANSWER_CHARS = 4000
MAX_DURATION_S = 15 * 60


def stored_answer(answer: str) -> str:
    """`answer`, cut to `MAX_ANSWER_CHARS` with a marker that says how long it was."""
    if len(answer) <= MAX_ANSWER_CHARS:
        return answer
    marker = f" … [cut: {len(answer)} characters]"
    return answer[: MAX_ANSWER_CHARS - len(marker)] + marker


def stored_duration_ms(seconds: float) -> int:
    """A duration for the log: 0 to `MAX_DURATION_S`, whatever the caller measured."""
    if not math.isfinite(seconds):
        return 0 if math.isnan(seconds) or seconds < 0 else MAX_DURATION_S * 1000
    return int(min(max(0.0, seconds), MAX_DURATION_S) * 1000)


class ReviewRow(NamedTuple):
    id: int
    deck_id: str
    card_key: str
    reviewed_at: datetime
    rating: int
    verdict: str
    score: float
    answer: str
    duration_ms: int
    mode: str
    state_before: CardState | None
    session_id: int | None
    hint_used: bool


def placeholders(n: int) -> str:
    return ",".join("?" * n)


REVIEW_COLUMNS = (
    "id, deck_id, card_key, reviewed_at, rating, verdict, score, answer, duration_ms, mode, "
    "state_before, session_id, hint_used"
)


def review_from_row(row: Sequence[Any]) -> ReviewRow:
    from srcquiz.progress.card_state import CardState

    before = row[10]
    return ReviewRow(
        id=int(row[0]),
        deck_id=row[1],
        card_key=row[2],
        reviewed_at=datetime.fromtimestamp(row[3], UTC),
        rating=int(row[4]),
        verdict=row[5],
        score=float(row[6]),
        answer=row[7],
        duration_ms=int(row[8]),
        mode=row[9],
        state_before=None if before is None else CardState.from_dict(json.loads(before)),
        session_id=row[11],
        hint_used=bool(row[12]),
    )


def state_from_row(row: Sequence[Any]) -> CardState:
    from srcquiz.progress.card_state import CardState

    due, state, step, stability, difficulty, last_review = row
    return CardState(
        due=datetime.fromtimestamp(due, UTC),
        state=int(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        last_review=None if last_review is None else datetime.fromtimestamp(last_review, UTC),
    )


def save_state(conn: sqlite3.Connection, deck_id: str, card_key: str, state: CardState) -> None:
    conn.execute(
        "INSERT INTO card (deck_id, card_key, state, step, stability, difficulty, due, "
        "last_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, card_key) DO UPDATE "
        "SET state = excluded.state, step = excluded.step, stability = excluded.stability, "
        "difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review",
        (
            deck_id,
            card_key,
            state.state,
            state.step,
            state.stability,
            state.difficulty,
            state.due.timestamp(),
            None if state.last_review is None else state.last_review.timestamp(),
        ),
    )
