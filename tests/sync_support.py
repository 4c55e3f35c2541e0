"""Helpers shared by the `srcquiz sync` tests: a deck, reviews on each side, and
how both sides look afterwards."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.study.scheduler import Rating, review

FIXTURES = Path(__file__).parent / "fixtures"
DECK_ID = "all-kinds"


def deck_copy(folder: Path) -> Path:
    path = folder / "deck_all_kinds.yaml"
    shutil.copy(FIXTURES / "deck_all_kinds.yaml", path)
    return path


def load(path: Path) -> Deck:
    return load_deck(path)


def new_collection(path: Path) -> Path:
    from anki.collection import Collection

    Collection(str(path)).close()
    return path


def open_col(path: Path) -> Any:
    from anki.collection import Collection

    return Collection(str(path))


def study(store: Store, key: str, rating: int, at: datetime, deck_id: str = DECK_ID) -> int:
    """One scheduled answer in srcquiz, as a review session logs it."""
    before = store.card_state(deck_id, key)
    after = review(before, Rating(rating), at, duration_s=4)
    return store.record_review(
        deck_id=deck_id,
        card_key=key,
        reviewed_at=at,
        rating=rating,
        verdict="wrong" if rating == 1 else "right",
        score=0.0 if rating == 1 else 1.0,
        answer="x",
        duration_s=4,
        mode="review",
        session_id=None,
        state_before=before,
        state_after=after,
    )


def card_id(col: Any, guid: str, ord_: int = 0) -> int:
    return col.db.scalar(
        "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ? AND c.ord = ?",
        guid,
        ord_,
    )


def answer_in_anki(col: Any, cid: int, rating: int) -> None:
    """Answer one card in Anki as its reviewer does (now, by Anki's own scheduler);
    `rating` 1 Again .. 4 Easy, as the review log keeps it (Anki's enum counts from 0)."""
    card = col.get_card(cid)
    card.start_timer()
    states = col._backend.get_scheduling_states(cid)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating - 1))


def anki_due_day(col: Any, cid: int) -> date:
    """The day Anki will first show the card, by the date that day starts on.

    Anki's days start at its rollover hour (4 am): from midnight until then its
    today is still the calendar's yesterday, and a card due in N days comes up N
    rollovers from now. Anki's card-info screen instead counts N times 24 hours from
    this moment, which names the date after between midnight and 4 am (and made
    tests comparing with it fail in those hours). A card in (re)learning is due at
    a moment, not on a day: its date is that moment's."""
    card = col.get_card(cid)
    if card.queue not in (2, 3):  # not a review or day-learning card: `due` is a time
        return datetime.fromtimestamp(col.card_stats_data(cid).due_date).astimezone().date()
    start = col.sched.day_cutoff - (col.sched.today + 1 - card.due) * 86_400
    return datetime.fromtimestamp(start).astimezone().date()


def store_events(store: Store) -> set[tuple[int, str, str, int]]:
    rows = store.connection.execute(
        "SELECT event_id, deck_id, card_key, rating FROM review WHERE event_id IS NOT NULL"
    ).fetchall()
    return {tuple(r) for r in rows}


def anki_events(col: Any) -> set[tuple[int, int, int]]:
    return {tuple(r) for r in col.db.all("SELECT id, cid, ease FROM revlog")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
