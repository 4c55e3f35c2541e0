"""The decks screen's numbers are re-read only for decks that changed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.study.deck_numbers import DeckNumbers
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
