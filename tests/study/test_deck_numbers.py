"""The decks screen's numbers are re-read only for decks that changed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.study.deck_numbers import DeckNumbers, Numbers
from srcquiz.study.scheduler import Rating, Settings
from srcquiz.study.session import Session

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def decks() -> list[Deck]:
    deck = load_deck(FIXTURE)
    return [deck, dataclasses.replace(deck, id="other", title="Other")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "progress.sqlite3"


def _study_one(store: Store, deck: Deck, at: datetime) -> None:
    """One answered card of `deck`, committed as a session commits it (a quiz: cram
    is practice, which the review counts leave out)."""
    s = Session.start(store, [deck], mode="quiz", limit=1, seed=1, settings=Settings(), now=at)
    if s.current().self_graded:
        s.self_grade(Rating.GOOD, 5.0)
    else:
        s.answer(None, 5.0)


def test_only_the_decks_a_session_studied_are_read_again(decks: list[Deck], db: Path) -> None:
    with Store.open(db) as store:
        numbers = DeckNumbers(store)
        first = numbers.read(decks, NOW)
        assert numbers.reads == 2
        unchanged = numbers.read(decks, NOW + timedelta(minutes=1))
        assert numbers.reads == 2 and unchanged.deck_stats == first.deck_stats
        _study_one(store, decks[0], NOW + timedelta(minutes=2))
        numbers.touched([decks[0].id])
        after = numbers.read(decks, NOW + timedelta(minutes=3))
        assert numbers.reads == 3  # the studied deck only
        assert after.deck_stats[decks[0].id].reviews == 1
        assert after.deck_stats[decks[1].id] == first.deck_stats[decks[1].id]
        assert after.today.reviews == 1  # today's totals are always read


def test_another_process_writing_makes_every_deck_read_again(decks: list[Deck], db: Path) -> None:
    with Store.open(db) as store, Store.open(db) as elsewhere:
        numbers = DeckNumbers(store)
        numbers.read(decks, NOW)
        _study_one(elsewhere, decks[1], NOW + timedelta(minutes=1))  # e.g. --plain in a terminal
        after = numbers.read(decks, NOW + timedelta(minutes=2))
        assert numbers.reads == 4
        assert after.deck_stats[decks[1].id].reviews == 1


def test_a_new_day_or_reloaded_decks_are_read_again(decks: list[Deck], db: Path) -> None:
    with Store.open(db) as store:
        numbers = DeckNumbers(store)
        numbers.read(decks, NOW)
        numbers.read(decks, NOW + timedelta(days=1))
        assert numbers.reads == 4
        reloaded = [load_deck(FIXTURE), decks[1]]
        numbers.read(reloaded, NOW + timedelta(days=1))
        assert numbers.reads == 5


def _fresh(db: Path, decks: list[Deck], now: datetime) -> tuple[object, ...]:
    """Every number the decks screen shows, read from scratch by a new store."""
    with Store.open(db) as store:
        return _shown(DeckNumbers(store).read(decks, now, Settings()), decks)


def _shown(numbers: Numbers, decks: list[Deck]) -> tuple[object, ...]:
    budget = numbers.budget
    return (
        numbers.deck_stats,
        numbers.due_now,
        numbers.today,
        numbers.startable,
        [(budget.used(d.id), budget.new_left(d.id), budget.reviews_left(d.id)) for d in decks],
    )


def _due_by_queue(store: Store, deck: Deck, now: datetime) -> int:
    keys = set(deck.card_keys())
    return sum(key in keys for _, key, _ in store.due_cards([deck.id], now))


def test_kept_numbers_are_what_a_fresh_read_gives(decks: list[Deck], db: Path) -> None:
    """After answers here, answers elsewhere, later the same day and on a new day, the
    kept and counted numbers equal a from-scratch read, and what is due now is what
    the review queue would offer."""
    with Store.open(db) as store, Store.open(db) as elsewhere:
        numbers = DeckNumbers(store)
        numbers.read(decks, NOW, Settings())
        steps = [
            (lambda at: _study_one(store, decks[0], at), True),
            (lambda at: _study_one(elsewhere, decks[1], at), False),
            (lambda at: _study_one(store, decks[0], at), True),
            (lambda at: None, False),
        ]
        at = NOW
        for step, touched in steps:
            at += timedelta(minutes=30)
            step(at)
            if touched:
                numbers.touched([decks[0].id])
            for later in (at, at + timedelta(hours=2), at + timedelta(days=1)):
                got = numbers.read(decks, later, Settings())
                assert _shown(got, decks) == _fresh(db, decks, later)
                for deck in decks:
                    assert got.due_now[deck.id] == _due_by_queue(store, deck, later)
        assert numbers.read(decks, at, Settings()).deck_stats[decks[0].id].reviews == 2


def test_the_stats_screen_shares_the_kept_numbers(decks: list[Deck], db: Path) -> None:
    with Store.open(db) as store:
        numbers = DeckNumbers(store)
        read = numbers.read(decks, NOW)
        assert numbers.deck_stats(decks[:1], NOW) == {decks[0].id: read.deck_stats[decks[0].id]}
        assert numbers.reads == 2
