"""How a review and a card's state are kept as SQLite rows, and what one answer
may put in the log. Shared by the store's reads and writes and the sync log."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
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


# The version-4 log keeps labels as small integers (`review_mode`, `review_verdict`:
# these are the codes the migration creates; a label outside them gets its own row).
MODE_CODES = {"review": 1, "quiz": 2, "cram": 3, "missed": 4, "anki": 5}
VERDICT_CODES = {"wrong": 0, "almost": 1, "right": 2}
WRONG = VERDICT_CODES["wrong"]

# A review as `ReviewRow` reads it: the log joined to its names.
REVIEW_SELECT = (
    "SELECT r.id, d.deck_id, c.card_key, r.reviewed_at, r.rating, v.name, r.score, r.answer, "
    "r.duration_ms, m.name, r.before_state, r.before_step, r.before_stability, "
    "r.before_difficulty, r.before_interval, r.before_elapsed_us, r.session_id, r.hint_used "
    "FROM review_log r JOIN deck_ref d ON d.id = r.deck JOIN card_ref c ON c.id = r.card "
    "JOIN review_mode m ON m.id = r.mode JOIN review_verdict v ON v.id = r.verdict"
)
DAY_US = 86_400_000_000


def whole_us(ts: float) -> int:
    """A timestamp as whole microseconds: exact for a datetime's timestamp, which is
    what lets the log keep times as offsets without losing anything."""
    return round(ts * 1_000_000)


def before_columns(state: CardState | None, reviewed_at: float) -> tuple[Any, ...]:
    """The six `before_*` columns of a review at `reviewed_at` of a card in `state`
    (all NULL for a new card): the due date as days after the last review, whole days
    for a review-state card, and the last review as microseconds before this answer."""
    if state is None:
        return (None,) * 6
    at = whole_us(reviewed_at)
    last = None if state.last_review is None else whole_us(state.last_review.timestamp())
    interval = (whole_us(state.due.timestamp()) - (at if last is None else last)) / DAY_US
    return (
        state.state,
        state.step,
        state.stability,
        state.difficulty,
        interval,
        None if last is None else at - last,
    )


def state_from_columns(row: Sequence[Any], reviewed_at: float) -> CardState | None:
    """`before_columns` read back: the very state that was written."""
    from srcquiz.progress.card_state import CardState

    state, step, stability, difficulty, interval, elapsed_us = row
    if state is None:
        return None
    ref = whole_us(reviewed_at) - (elapsed_us or 0)
    due = (ref + round(interval * DAY_US)) / 1_000_000
    return CardState(
        due=datetime.fromtimestamp(due, UTC),
        state=int(state),
        step=None if step is None else int(step),
        stability=stability,
        difficulty=difficulty,
        last_review=None if elapsed_us is None else datetime.fromtimestamp(ref / 1_000_000, UTC),
    )


def review_from_row(row: Sequence[Any]) -> ReviewRow:
    """A `REVIEW_SELECT` row as a `ReviewRow`."""
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
        state_before=state_from_columns(row[10:16], row[3]),
        session_id=row[16],
        hint_used=bool(row[17]),
    )


def _code(conn: sqlite3.Connection, table: str, known: dict[str, int], name: str) -> int:
    if name in known:
        return known[name]
    conn.execute(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", (name,))
    return int(conn.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()[0])


def mode_code(conn: sqlite3.Connection, mode: str) -> int:
    return _code(conn, "review_mode", MODE_CODES, mode)


def verdict_code(conn: sqlite3.Connection, verdict: str) -> int:
    return _code(conn, "review_verdict", VERDICT_CODES, verdict)


def deck_ref(conn: sqlite3.Connection, deck_id: str) -> int:
    """The deck's number in the log, given on its first review."""
    row = conn.execute("SELECT id FROM deck_ref WHERE deck_id = ?", (deck_id,)).fetchone()
    if row is not None:
        return int(row[0])
    return int(conn.execute("INSERT INTO deck_ref (deck_id) VALUES (?)", (deck_id,)).lastrowid or 0)


def card_ref(conn: sqlite3.Connection, deck: int, card_key: str) -> int:
    """The card's number in the log, given on its first review."""
    row = conn.execute(
        "SELECT id FROM card_ref WHERE deck = ? AND card_key = ?", (deck, card_key)
    ).fetchone()
    if row is not None:
        return int(row[0])
    cur = conn.execute("INSERT INTO card_ref (deck, card_key) VALUES (?, ?)", (deck, card_key))
    return int(cur.lastrowid or 0)


INSERT_REVIEW = (
    "INSERT INTO review_log (deck, card, reviewed_at, rating, verdict, score, answer, "
    "duration_ms, mode, session_id, hint_used, event_id, before_state, before_step, "
    "before_stability, before_difficulty, before_interval, before_elapsed_us) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class NewReview(NamedTuple):
    """One row for `insert_reviews`, with names, as the app knows it."""

    deck_id: str
    card_key: str
    reviewed_at: float
    rating: int
    verdict: str
    score: float
    answer: str
    duration_ms: int
    mode: str
    session_id: int | None
    hint_used: bool
    event_id: int | None
    state_before: CardState | None


def _known_refs(conn: sqlite3.Connection, batch: list[NewReview]) -> dict[tuple[str, str], int]:
    """Card numbers for a big batch, given in two statements rather than two a row."""
    decks = {d: deck_ref(conn, d) for d in dict.fromkeys(r.deck_id for r in batch)}
    conn.executemany(
        "INSERT OR IGNORE INTO card_ref (deck, card_key) VALUES (?, ?)",
        dict.fromkeys((decks[r.deck_id], r.card_key) for r in batch),
    )
    out: dict[tuple[str, str], int] = {}
    for deck_id, deck in decks.items():
        for key, ref in conn.execute("SELECT card_key, id FROM card_ref WHERE deck = ?", (deck,)):
            out[(deck_id, key)] = int(ref)
    return out


def insert_reviews(conn: sqlite3.Connection, reviews: Iterable[NewReview]) -> int:
    """Log reviews (inside the caller's transaction); returns the last row id."""
    batch = list(reviews)
    refs = _known_refs(conn, batch) if len(batch) > 100 else {}
    decks: dict[str, int] = {}

    def rows() -> Iterator[tuple[Any, ...]]:
        for r in batch:
            deck = decks.get(r.deck_id)
            if deck is None:
                deck = decks[r.deck_id] = deck_ref(conn, r.deck_id)
            card = refs.get((r.deck_id, r.card_key))
            if card is None:
                card = refs[(r.deck_id, r.card_key)] = card_ref(conn, deck, r.card_key)
            yield (
                deck,
                card,
                r.reviewed_at,
                int(r.rating),
                verdict_code(conn, r.verdict),
                float(r.score),
                r.answer,
                int(r.duration_ms),
                mode_code(conn, r.mode),
                r.session_id,
                int(r.hint_used),
                r.event_id,
                *before_columns(r.state_before, r.reviewed_at),
            )

    conn.executemany(INSERT_REVIEW, rows())
    row = conn.execute("SELECT last_insert_rowid()").fetchone()
    return int(row[0]) if row else 0


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
