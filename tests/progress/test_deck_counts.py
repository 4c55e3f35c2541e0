"""A deck's card numbers from counters and index counts (#19): always what a full
read of its card rows says, however the rows were written."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress import schema
from srcquiz.progress.card_state import LEARNING, RELEARNING, REVIEW, CardState
from srcquiz.progress.queries import end_of_day
from srcquiz.progress.rows import NewReview, insert_reviews
from srcquiz.progress.store import Store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def deck() -> Deck:
    return load_deck(FIXTURE)


def write(store: Store, deck_id: str, key: str, kind: int, due: datetime) -> None:
    store.record_review(
        deck_id=deck_id,
        card_key=key,
        reviewed_at=NOW - timedelta(days=1),
        rating=3,
        verdict="right",
        score=1.0,
        answer="",
        duration_s=3,
        mode="review",
        session_id=None,
        state_before=None,
        state_after=CardState(due=due, state=kind, step=None if kind == REVIEW else 0),
    )


def log(
    store: Store,
    deck_id: str,
    key: str,
    at: datetime,
    mode: str = "review",
    rating: int = 3,
    before: CardState | None = None,
) -> None:
    """A review logged with no card state written (as a synced one may be)."""
    store.record_review(
        deck_id=deck_id,
        card_key=key,
        reviewed_at=at,
        rating=rating,
        verdict="right",
        score=1.0,
        answer="",
        duration_s=3,
        mode=mode,
        session_id=None,
        state_before=before,
        state_after=None,
    )


def recount(store: Store, deck: Deck, now: datetime) -> tuple[int, int, int, list[int]]:
    """(new, learning, due today, 14-day forecast) from every card row of the deck."""
    keys = set(deck.card_keys())
    rows = [
        (state, due)
        for key, state, due in store.connection.execute(
            "SELECT card_key, state, due FROM card WHERE deck_id = ?", (deck.id,)
        )
        if key in keys
    ]
    end = end_of_day(now)
    ends = [end + 86400 * i for i in range(14)]
    forecast = [
        sum((ends[i - 1] if i else -1e18) <= due < ends[i] for _, due in rows) for i in range(14)
    ]
    learning = sum(state in (LEARNING, RELEARNING) for state, _ in rows)
    return len(keys) - len(rows), learning, sum(due < end for _, due in rows), forecast


def counted(store: Store, deck: Deck, now: datetime) -> tuple[int, int, int, list[int]]:
    st = store.deck_stats(deck, now)
    forecast = [n for _, n in store.deck_forecast(deck, 14, now)]
    return st.new, st.learning, st.due_today, forecast


def counters_match(store: Store) -> bool:
    conn = store.connection
    kept = conn.execute("SELECT deck_id, cards, learning FROM deck_card WHERE cards > 0")
    full = conn.execute("SELECT deck_id, count(*), sum(state IN (1, 3)) FROM card GROUP BY deck_id")
    return sorted(kept.fetchall()) == sorted(full.fetchall())


def test_numbers_follow_answers_overrides_and_deletes(tmp_path: Path, deck: Deck) -> None:
    keys = deck.card_keys()
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        write(store, deck.id, keys[0], REVIEW, NOW - timedelta(days=2))
        write(store, deck.id, keys[1], LEARNING, NOW + timedelta(hours=1))
        write(store, deck.id, keys[2], REVIEW, NOW + timedelta(days=3))
        write(store, "other", keys[0], RELEARNING, NOW)
        assert (
            counted(store, deck, NOW)
            == recount(store, deck, NOW)
            == (len(keys) - 3, 1, 2, [2, 0, 0, 1, *[0] * 10])
        )
        write(store, deck.id, keys[1], REVIEW, NOW + timedelta(days=1))  # an update
        rid = store.reviews(deck.id)[0].id
        store.update_review(rid, 1, CardState(due=NOW, state=RELEARNING, step=0))
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        assert counted(store, deck, NOW)[1] == 1
        store.connection.execute(
            "DELETE FROM card WHERE deck_id = ? AND card_key = ?", (deck.id, keys[2])
        )  # as a sync forgets a card
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        assert counters_match(store)


def test_rows_of_keys_the_deck_lost_are_not_counted(tmp_path: Path, deck: Deck) -> None:
    keys = deck.card_keys()
    db = tmp_path / "p.sqlite3"
    with Store.open(db) as store, Store.open(db) as elsewhere:
        for key in keys[:4]:
            write(store, deck.id, key, LEARNING, NOW - timedelta(hours=1))
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        # A reloaded deck without its first question: that question's rows are stale.
        smaller = dataclasses.replace(deck, questions=deck.questions[1:])
        assert counted(store, smaller, NOW) == recount(store, smaller, NOW)
        assert counted(store, deck, NOW) == recount(store, deck, NOW)  # keys checked again
        # This store writes a key the deck does not have; another process does too.
        write(store, deck.id, "gone-question", LEARNING, NOW - timedelta(days=1))
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        write(elsewhere, deck.id, "another-gone", RELEARNING, NOW - timedelta(days=1))
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        # And one of the deck's own keys, elsewhere: counted as soon as it is written.
        write(elsewhere, deck.id, keys[5], LEARNING, NOW)
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
        assert counted(store, deck, NOW)[1] == recount(store, deck, NOW)[1] == 5


def test_an_answer_of_the_deck_does_not_read_its_keys_again(tmp_path: Path, deck: Deck) -> None:
    keys = deck.card_keys()
    with Store.open(tmp_path / "p.sqlite3") as store:
        store.deck_stats(deck, NOW)
        sent: list[str] = []
        store.connection.set_trace_callback(sent.append)
        write(store, deck.id, keys[0], REVIEW, NOW)
        store.deck_stats(deck, NOW)
        store.connection.set_trace_callback(None)
        assert not [s for s in sent if s.startswith("SELECT card_key FROM card")]


def test_migration_counts_the_cards_of_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for step in range(1, 5):
        for statement in schema.MIGRATIONS[step]:
            conn.execute(statement)
    conn.executemany(
        "INSERT INTO card (deck_id, card_key, state, due) VALUES (?, ?, ?, 0)",
        [("a", "x", 2), ("a", "y", 1), ("a", "z", 3), ("b", "x", 0)],
    )
    modes = ["review", "cram", "quiz", "missed", "anki", "review"]
    insert_reviews(
        conn,
        [
            NewReview(
                "a" if i % 3 else "b",
                "x",
                1.7e9 + i,
                3,
                "right",
                1.0,
                "",
                1,
                mode,
                None,
                False,
                None,
                None,
            )
            for i, mode in enumerate(modes)
        ],
    )
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        rows = store.connection.execute("SELECT deck_id, cards, learning FROM deck_card")
        assert sorted(rows.fetchall()) == [("a", 3, 2), ("b", 1, 0)]
        assert counters_match(store) and reals_match(store)
        assert store.review_count(["a"], real_only=True) == 3  # cram and missed left out
        assert store.review_count(["b"], real_only=True) == 1
        log(store, "b", "x", NOW, mode="cram")
        store.connection.execute("DELETE FROM review_log WHERE id = 1")  # a review of b
        assert reals_match(store)
        assert store.review_count(["b"], real_only=True) == 0


def reals_match(store: Store) -> bool:
    """`deck_ref.real` is each deck's count of real reviews in the log."""
    conn = store.connection
    kept = conn.execute("SELECT id, real FROM deck_ref").fetchall()
    full = conn.execute(
        "SELECT d.id, (SELECT count(*) FROM review_log r WHERE r.deck = d.id "
        "AND r.mode NOT IN (3, 4)) FROM deck_ref d"
    ).fetchall()
    return sorted(kept) == sorted(full)


def test_card_counts_read_indexes_not_the_card_table(tmp_path: Path, deck: Deck) -> None:
    keys = deck.card_keys()
    with Store.open(tmp_path / "p.sqlite3") as store:
        for i, key in enumerate(keys):
            write(store, deck.id, key, REVIEW, NOW + timedelta(hours=7 * i - 20))
        store.connection.execute("ANALYZE")
        store.deck_stats(deck, NOW)  # the deck's keys checked once
        sent: list[str] = []
        store.connection.set_trace_callback(sent.append)
        store.deck_stats(deck, NOW)
        store.deck_forecast(deck, 14, NOW)
        store.count_due(deck, NOW.timestamp(), end_of_day(NOW))
        store.learning_later([deck.id], NOW, NOW + timedelta(hours=8))  # a session's start
        store.connection.set_trace_callback(None)
    on_cards = [s for s in sent if " FROM card " in s or " FROM deck_card " in s]
    assert on_cards
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    for sql in on_cards:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert all("TEMP B-TREE" not in step and not step.startswith("SCAN") for step in plan), (
            sql,
            plan,
        )
        assert any("INDEX card_deck_due" in s or "PRIMARY KEY" in s for s in plan), (sql, plan)
    conn.close()


def test_a_streak_follows_a_review_added_to_an_earlier_day(tmp_path: Path, deck: Deck) -> None:
    key = deck.card_keys()[0]
    with Store.open(tmp_path / "p.sqlite3") as store:
        for days in (0, 1, 3):
            at = NOW - timedelta(days=days)
            log(store, deck.id, key, at)
        assert store.deck_stats(deck, NOW).streak == 2
        assert store.today(NOW).streak == 2
        # A sync brings the review of two days ago: the run before today grows.
        log(store, deck.id, key, NOW - timedelta(days=2), mode="anki")
        assert store.deck_stats(deck, NOW).streak == 4
        assert store.today(NOW).streak == 4


def test_per_day_charts_read_the_hourly_counts_by_key(tmp_path: Path, deck: Deck) -> None:
    key = deck.card_keys()[0]
    with Store.open(tmp_path / "p.sqlite3") as store:
        for days in range(40):
            at = NOW - timedelta(days=days, hours=days % 7)
            seen = CardState(due=at, state=REVIEW)
            log(store, deck.id, key, at, rating=1 + days % 4, before=seen)
        store.connection.execute("ANALYZE")
        sent: list[str] = []
        store.connection.set_trace_callback(sent.append)
        per_day = store.reviews_per_day([deck.id], 30, NOW)
        retention = store.retention_per_day([deck.id], 30, NOW)
        store.connection.set_trace_callback(None)
        hourly = [s for s in sent if "FROM review_hour" in s]
        assert len(hourly) == 2  # one read a chart, not one a day
        for sql in hourly:
            plan = [row[3] for row in store.connection.execute("EXPLAIN QUERY PLAN " + sql)]
            # The per-day sums group at most 24 hourly rows a day in a temporary
            # B-tree; the hourly rows themselves are found by key, never scanned.
            assert plan and not [p for p in plan if p.startswith("SCAN")], plan
            assert any(p.startswith("SEARCH review_hour USING PRIMARY KEY") for p in plan), plan
    # One review a day, at a different hour each day; rated Again every fourth day.
    assert [n for _, n in per_day] == [1] * 30
    assert [r for _, r in retention] == [1.0 if d % 4 else 0.0 for d in range(29, -1, -1)]


def key_reads(store: Store, deck: Deck) -> int:
    """How many times the deck's stored keys were read for one `deck_stats`."""
    sent: list[str] = []
    store.connection.set_trace_callback(sent.append)
    store.deck_stats(deck, NOW)
    store.connection.set_trace_callback(None)
    return sum(s.startswith("SELECT card_key FROM card") for s in sent)


def test_the_next_process_starts_from_the_kept_key_check(tmp_path: Path, deck: Deck) -> None:
    """A process leaves each deck's key check behind on close; the next one trusts it
    only while no card row was written since and the deck has the same keys."""
    keys = deck.card_keys()
    db = tmp_path / "p.sqlite3"
    with Store.open(db) as store:
        write(store, deck.id, keys[0], LEARNING, NOW)
        write(store, deck.id, "gone-question", LEARNING, NOW)  # a key the deck lost
        assert key_reads(store, deck) == 1
        write(store, deck.id, keys[1], REVIEW, NOW)  # followed here: no read
        assert key_reads(store, deck) == 0
    with Store.open(db) as store:  # the next process: nothing written since
        assert key_reads(store, deck) == 0
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
    with Store.open(db) as elsewhere:  # a card written by a process that never checked
        write(elsewhere, deck.id, "another-gone", RELEARNING, NOW)
    with Store.open(db) as store:
        assert key_reads(store, deck) == 1
        assert counted(store, deck, NOW) == recount(store, deck, NOW)
    smaller = dataclasses.replace(deck, questions=deck.questions[1:])  # the deck was edited
    with Store.open(db) as store:
        assert key_reads(store, smaller) == 1
        assert counted(store, smaller, NOW) == recount(store, smaller, NOW)
    with Store.open_readonly(db) as store:  # `srcquiz stats`: reads the kept check, writes none
        assert key_reads(store, smaller) == 0
        assert counted(store, smaller, NOW) == recount(store, smaller, NOW)
