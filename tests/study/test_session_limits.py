"""Daily limits in the queue: each deck's own limits, the cap on all decks, `quiz`
counting the new cards it introduces, and reviews synced from Anki counting (#13, #15)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from srcquiz.deck.kinds import Short
from srcquiz.progress.store import Store
from srcquiz.progress.sync_log import ReceivedReview
from srcquiz.study.limits import DeckOverride, save_cap, save_deck_limits
from srcquiz.study.scheduler import Rating, Settings, review
from srcquiz.study.session import Session

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEADY = Settings(fuzz=False)


@pytest.fixture
def other(deck):
    return dataclasses.replace(deck, id="other", title="Other")


def per_deck(session: Session) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in session.items:
        out[item.deck.id] = out.get(item.deck.id, 0) + 1
    return out


def introduce(store: Store, deck_id: str, keys: list[str], at: datetime, mode: str) -> None:
    """Log a first review of each card, as a session or a sync would."""
    for key in keys:
        after = review(None, Rating.GOOD, at, STEADY)
        store.record_review(
            deck_id=deck_id, card_key=key, reviewed_at=at, rating=3, verdict="right",
            score=1.0, answer="x", duration_s=5, mode=mode, session_id=None,
            state_before=None, state_after=after,
        )  # fmt: skip


def test_each_deck_gets_its_own_new_card_limit(store, deck, other):
    save_deck_limits(store, "other", DeckOverride(new_per_day=3))
    s = Session.start(store, [deck, other], settings=Settings(new_per_day=5), now=NOW)
    assert per_deck(s) == {"engine-kinds": 5, "other": 3}


def test_the_cap_bounds_all_decks_together(store, deck, other):
    save_cap(store, 7)
    s = Session.start(store, [deck, other], settings=Settings(new_per_day=5), now=NOW)
    assert len(s.items) == 7
    # Answers in a deck not studied now count toward the cap too.
    introduce(store, "elsewhere", ["a", "b"], NOW, "review")
    s = Session.start(store, [deck, other], settings=Settings(new_per_day=5), now=NOW)
    assert len(s.items) == 5


def test_a_deck_review_limit_bounds_its_due_and_new_cards(store, deck, other):
    first = Session.start(store, [deck], settings=Settings(new_per_day=6, fuzz=False), now=NOW)
    for _ in range(len(first.items)):  # once each (a missed card would come back)
        first.self_grade(Rating.AGAIN, 5.0) if first.current().self_graded else first.answer(
            None, 5.0
        )
        first.advance()
    later = NOW + timedelta(hours=2)  # all six are due again
    save_deck_limits(store, deck.id, DeckOverride(reviews_per_day=10))
    s = Session.start(store, [deck, other], settings=Settings(new_per_day=6), now=later)
    # engine-kinds: 6 answers used of 10, its new-card limit is used too: 4 due cards;
    # the other deck keeps its own limits.
    assert per_deck(s) == {"engine-kinds": 4, "other": 6}


def test_limits_count_what_the_review_log_says_not_memory(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=4), now=NOW)
    assert len(s.items) == 4
    # Another terminal (or a quiz) introduced two cards: only two new ones are left.
    introduce(store, deck.id, ["reload-signal-name", "test-flag"], NOW, "review")
    again = Session.start(store, [deck], settings=Settings(new_per_day=4), now=NOW)
    assert [i.card_key for i in again.items] == ["strict-name", "thread-count"]
    # Yesterday's count does not: tomorrow four again.
    tomorrow = Session.start(
        store, [deck], settings=Settings(new_per_day=4), now=NOW + timedelta(days=1)
    )
    assert len([i for i in tomorrow.items if store.card_state(deck.id, i.card_key) is None]) == 4


def test_a_review_synced_from_anki_today_lowers_what_review_offers(store, deck):
    settings = Settings(new_per_day=4, max_reviews_per_day=100)
    before = Session.start(store, [deck], settings=settings, now=NOW)
    new_before = [i for i in before.items if store.card_state(deck.id, i.card_key) is None]
    at_ms = int((NOW - timedelta(hours=1)).timestamp() * 1000)
    store.save_synced(
        event_ids={},
        received=[
            ReceivedReview(at_ms, deck.id, "strict-name", 3, 4000, None),
            ReceivedReview(at_ms + 1, deck.id, "thread-count", 3, 4000, None),
        ],
        states={},
    )
    after = Session.start(store, [deck], settings=settings, now=NOW)
    new_after = [i for i in after.items if store.card_state(deck.id, i.card_key) is None]
    assert len(new_before) == 4 and len(new_after) == 2
    assert store.today_counts(NOW) == (2, 2)


def test_a_quiz_introduces_no_more_new_cards_than_the_limits_leave(store, deck):
    big = dataclasses.replace(
        deck,
        questions=tuple(
            Short(id=f"q{i}", prompt=f"question {i}", answer=f"answer {i}") for i in range(30)
        ),
    )
    introduce(store, big.id, ["q0", "q1", "q2"], NOW - timedelta(days=1), "review")
    s = Session.start(store, [big], mode="quiz", settings=Settings(new_per_day=4), now=NOW)
    fresh = [i for i in s.items if store.card_state(big.id, i.card_key) is None]
    assert len(fresh) == 4
    assert len(s.items) == 3 + 4
    assert s.notice is not None and "7 questions, not 20" in s.notice
    roomy = Session.start(store, [big], mode="quiz", settings=Settings(new_per_day=50), now=NOW)
    assert len(roomy.items) == 20 and roomy.notice is None


def test_new_cards_a_quiz_introduced_count_against_review(store, deck):
    s = Session.start(store, [deck], mode="quiz", seed=3, settings=Settings(new_per_day=3), now=NOW)
    assert len(s.items) == 3
    for _ in s.items:
        s.self_grade(Rating.GOOD, 5.0) if s.current().self_graded else s.answer(None, 5.0)
        s.advance()
    later = Session.start(store, [deck], settings=Settings(new_per_day=3), now=NOW)
    assert [i for i in later.items if store.card_state(deck.id, i.card_key) is None] == []
