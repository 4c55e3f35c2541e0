"""Progress numbers: what `srcquiz stats` and the decks screen show."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from srcquiz.cli import parser as cli
from srcquiz.deck.loader import load_deck
from srcquiz.progress.card_state import LEARNING, RELEARNING, REVIEW, CardState
from srcquiz.progress.stats import collect, render
from srcquiz.progress.store import Store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DECK = "engine-kinds"


@pytest.fixture
def deck():
    return load_deck(FIXTURE)


def state(kind: int, due: datetime) -> CardState:
    return CardState(
        due=due,
        state=kind,
        step=None if kind == REVIEW else 0,
        stability=3.0,
        difficulty=5.0,
        last_review=NOW - timedelta(days=1),
    )


def put(store, key, at, rating=3, after=None, seen=True, deck_id=DECK, mode="review"):
    store.record_review(
        deck_id=deck_id,
        card_key=key,
        reviewed_at=at,
        rating=rating,
        verdict="wrong" if rating == 1 else "right",
        score=0.0 if rating == 1 else 1.0,
        answer="",
        duration_s=3,
        mode=mode,
        session_id=None,
        state_before=state(REVIEW, at) if seen else None,
        state_after=after,
    )


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "p.sqlite3")
    day = timedelta(days=1)
    # A streak of three days (today, yesterday, the day before) and an older lone day.
    put(s, "thread-count", NOW - 6 * day, seen=False)
    put(s, "thread-count", NOW - 2 * day, rating=1)
    put(s, "ratio", NOW - 2 * day, rating=3)
    put(s, "ratio", NOW - 1 * day, rating=4)
    put(s, "reload-choice", NOW - timedelta(hours=1), rating=3, seen=False)
    put(s, "reload-choice", NOW, rating=3)
    # Card states: one due in three days, one learning today, one overdue, one relearning
    # tomorrow, and one for a question no longer in the deck.
    put(s, "thread-count", NOW - 40 * day, after=state(REVIEW, NOW + 3 * day), seen=False)
    put(s, "ratio", NOW - 40 * day, after=state(LEARNING, NOW + timedelta(hours=1)), seen=False)
    put(s, "reload-choice", NOW - 40 * day, after=state(REVIEW, NOW - 2 * day), seen=False)
    put(s, "usr2-ignored", NOW - 40 * day, after=state(RELEARNING, NOW + day), seen=False)
    put(s, "removed-question", NOW - 40 * day, after=state(REVIEW, NOW - day), seen=False)
    put(s, "other-card", NOW - 3 * day, deck_id="other-deck")
    yield s
    s.close()


def test_deck_stats(store, deck):
    stats = store.deck_stats(deck, NOW)
    assert stats.deck_id == DECK
    assert stats.questions == 12
    assert stats.cards == 14
    assert stats.new == 10  # 14 cards, 4 studied (the removed question does not count)
    assert stats.learning == 2  # learning + relearning
    assert stats.due_today == 2  # the overdue one and the learning one
    assert stats.reviews == 11
    # Reviews of already-studied cards in the last 30 days: ratings 1, 3, 4, 3.
    assert stats.retention_30d == pytest.approx(0.75)
    assert stats.streak == 3


def test_streak_survives_until_today_is_studied(store, deck):
    tomorrow = NOW + timedelta(days=1)
    assert store.deck_stats(deck, tomorrow).streak == 3
    assert store.deck_stats(deck, NOW + timedelta(days=2)).streak == 0
    assert store.today(NOW).streak == 4  # the other deck's review three days ago joins it


def test_today(store):
    today = store.today(NOW)
    assert (today.reviews, today.right, today.new) == (2, 2, 1)


@pytest.mark.parametrize("mode", ["cram", "missed"])
def test_practice_counts_apart_from_reviews(store, deck, mode):
    """Cram and missed answers move no due dates: today's reviews, right answers,
    retention, the streak and the charts leave them out; today counts them apart."""
    before_today, before_deck = store.today(NOW), store.deck_stats(deck, NOW)
    before_days = store.reviews_per_day([DECK], days=7, now=NOW)
    before_retention = store.retention_per_day([DECK], days=7, now=NOW)
    put(store, "ratio", NOW, rating=1, mode=mode)  # a studied card, missed in practice
    put(store, "thread-count", NOW, rating=3, mode=mode)
    for n in range(3, 6):  # practice alone on days that had no review: no streak
        put(store, "ratio", NOW - timedelta(days=n), rating=3, mode=mode)
    today = store.today(NOW)
    assert today == before_today._replace(practice=2)
    assert store.deck_stats(deck, NOW) == before_deck
    assert store.deck_stats(deck, NOW + timedelta(days=1)).streak == 3
    assert store.reviews_per_day([DECK], days=7, now=NOW) == before_days
    assert store.retention_per_day([DECK], days=7, now=NOW) == before_retention
    assert store.review_count([DECK]) == 16 and store.review_count([DECK], real_only=True) == 11
    assert "2 practice" in render(collect(store, [deck], NOW))


def test_today_by_deck_counts_what_moved_a_schedule_here_or_in_anki(store):
    """The daily limits' counts (#13): reviews synced from Anki count like ours (#15);
    cram and missed never do; yesterday does not."""
    put(store, "ratio", NOW - timedelta(minutes=30), mode="anki", seen=False)
    put(store, "a", NOW - timedelta(minutes=20), mode="anki", deck_id="other-deck")
    put(store, "b", NOW - timedelta(minutes=10), mode="quiz", seen=False, deck_id="other-deck")
    put(store, "thread-count", NOW - timedelta(minutes=5), mode="cram", seen=False)
    put(store, "ratio", NOW - timedelta(minutes=4), mode="missed")
    counts = store.today_by_deck(NOW)
    # engine-kinds: reload-choice twice (one new), ratio once in Anki (new).
    assert counts.per_deck == {DECK: (2, 3), "other-deck": (1, 2)}
    assert counts.total == 5
    assert store.today_counts(NOW) == (3, 5)
    assert store.today(NOW).new == 3
    assert store.today_by_deck(NOW + timedelta(days=1)) == ({}, 0)


def test_learning_steps_use_no_daily_limit(store):
    """A missed card answered again within the day, or a new card's later learning
    steps, are not reviews of the day (Anki counts them apart too): only the new
    card's first answer and answers to cards in review count."""
    (new, reviews), total = store.today_by_deck(NOW).per_deck[DECK], store.today_by_deck(NOW).total
    day_start = NOW - timedelta(hours=1)
    put(store, "fresh", day_start, seen=False)  # new: counts as new and as a review
    for minutes, kind in ((1, LEARNING), (11, LEARNING), (30, RELEARNING)):
        store.record_review(
            deck_id=DECK, card_key="fresh", reviewed_at=day_start + timedelta(minutes=minutes),
            rating=3, verdict="right", score=1.0, answer="", duration_s=3, mode="review",
            session_id=None, state_before=state(kind, day_start), state_after=None,
        )  # fmt: skip
    put(store, "ratio", day_start + timedelta(minutes=40))  # a review: counts
    assert store.today_by_deck(NOW) == ({DECK: (new + 1, reviews + 2)}, total + 2)


def test_reviews_and_retention_per_day(store):
    per_day = store.reviews_per_day([DECK], days=7, now=NOW)
    assert [d for d, _ in per_day] == [date(2026, 3, 4) + timedelta(days=i) for i in range(7)]
    assert [n for _, n in per_day] == [1, 0, 0, 0, 2, 1, 2]
    retention = store.retention_per_day([DECK], days=3, now=NOW)
    assert retention == [(date(2026, 3, 8), 0.5), (date(2026, 3, 9), 1.0), (date(2026, 3, 10), 1.0)]
    assert store.reviews_per_day([], days=2, now=NOW) == [
        (date(2026, 3, 9), 0),
        (date(2026, 3, 10), 0),
    ]


def test_due_forecast(store, deck):
    forecast = store.due_forecast([DECK], days=5, now=NOW)
    # Today: overdue + learning + the removed question's card (raw counts by deck id).
    assert forecast == [
        (date(2026, 3, 10), 3),
        (date(2026, 3, 11), 1),
        (date(2026, 3, 12), 0),
        (date(2026, 3, 13), 1),
        (date(2026, 3, 14), 0),
    ]
    # Per deck, only cards still in the deck.
    assert [n for _, n in store.deck_forecast(deck, 5, NOW)] == [2, 1, 0, 1, 0]


def test_empty_store(tmp_path, deck):
    with Store.open(tmp_path / "empty.sqlite3") as empty:
        stats = empty.deck_stats(deck, NOW)
        assert (stats.new, stats.reviews, stats.retention_30d, stats.streak) == (14, 0, None, 0)
        assert empty.today(NOW).streak == 0
        assert all(n == 0 for _, n in empty.due_forecast([DECK], 14, NOW))


def test_table_and_json(store, deck):
    data = collect(store, [deck], NOW)
    text = render(data)
    lines = text.splitlines()
    assert lines[0].split() == [
        "deck",
        "questions",
        "new",
        "learning",
        "due",
        "today",
        "reviews",
        "retention",
        "streak",
    ]
    assert lines[1].split() == [DECK, "12", "10", "2", "2", "11", "75%", "3d"]
    assert "today: 2 review(s), 2 right, 1 new; streak 4 day(s)" in text
    assert any(line.split()[:4] == [DECK, "2", "1", "0"] for line in lines[3:])
    assert json.loads(json.dumps(data))["decks"][0]["forecast"][0] == {
        "date": "2026-03-10",
        "due": 2,
    }


def test_stats_command(tmp_path, capsys):
    db = tmp_path / "cli.sqlite3"
    assert cli.main(["stats", "--decks", str(FIXTURE), "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["decks"]
    assert row["deck_id"] == DECK and row["new"] == 14 and row["questions"] == 12
    assert len(row["forecast"]) == 14
    assert cli.main(["stats", "--decks", str(FIXTURE), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:3] == [DECK, "12", "14"]
    assert "due over the next 14 days" in out
