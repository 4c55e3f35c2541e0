"""What `srcquiz sync` keeps in the progress store: event ids and reviews made in Anki."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sync_support import study, utc

from srcquiz.progress.card_state import CardState
from srcquiz.progress.schema import MIGRATIONS
from srcquiz.progress.store import Store
from srcquiz.progress.sync_log import ReceivedReview

AT = utc(2026, 3, 2, 9, 0)


def test_a_version_2_database_gains_event_ids_and_keeps_its_reviews(tmp_path) -> None:
    path = tmp_path / "p.sqlite3"
    conn = sqlite3.connect(path)
    for step in (1, 2):
        for statement in MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute(
        "INSERT INTO review (deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
        "duration_ms, mode) VALUES ('d', 'k', ?, 3, 'right', 1, 'x', 4000, 'review')",
        (AT.timestamp(),),
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        (row,) = store.scheduling_reviews(["d"])
        assert (row.event_id, row.card_key, row.rating, row.duration_ms) == (None, "k", 3, 4000)


def test_synced_changes_land_in_one_transaction_and_are_found_by_event_id(tmp_path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        own = study(store, "a", 3, AT, deck_id="d")
        store.record_review(
            deck_id="d",
            card_key="a",
            reviewed_at=AT,
            rating=3,
            verdict="right",
            score=1,
            answer="x",
            duration_s=1,
            mode="cram",
            session_id=None,
            state_before=None,
            state_after=None,
        )
        before = store.card_state("d", "a")
        merged = CardState(
            due=AT + timedelta(days=9),
            state=2,
            step=None,
            stability=9.0,
            difficulty=5.0,
            last_review=AT + timedelta(days=1),
        )
        at_ms = int(AT.timestamp() * 1000)
        phone = ReceivedReview(at_ms + 86_400_000, "d", "a", 4, 30 * 60 * 1000, before)
        store.save_synced(event_ids={own: at_ms}, received=[phone], states={("d", "a"): merged})

        # cramming never moved a schedule, so it is not a review to sync
        assert [(r.event_id, r.rating) for r in store.scheduling_reviews(["d"])] == [
            (at_ms, 3),
            (at_ms + 86_400_000, 4),
        ]
        got = store.review_by_event(at_ms + 86_400_000)
        assert got is not None and got.mode == "anki" and got.state_before == before
        assert got.reviewed_at == AT + timedelta(days=1)
        assert got.duration_ms == 15 * 60 * 1000  # capped like every logged answer
        assert store.review_by_event(at_ms).id == own
        assert store.card_state("d", "a") == merged
        # an id moves from one review to another inside one transaction
        store.save_synced(event_ids={own: at_ms + 5}, received=[], states={})
        assert store.review_by_event(at_ms) is None and store.review_by_event(at_ms + 5).id == own


def test_an_event_id_is_held_by_one_review_only(tmp_path) -> None:
    with Store.open(tmp_path / "p.sqlite3") as store:
        a = study(store, "a", 3, AT, deck_id="d")
        b = study(store, "b", 3, AT, deck_id="d")
        store.save_synced(event_ids={a: 1}, received=[], states={})
        with pytest.raises(sqlite3.IntegrityError):
            store.connection.execute("UPDATE review_log SET event_id = 1 WHERE id = ?", (b,))


def test_the_review_mark_moves_with_a_new_review_and_with_an_override(tmp_path) -> None:
    """A sync skips its merge while this mark stands still, so an override of an old
    rating (which adds no review) must move it too."""
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert store.review_mark() == (0, 0, 0)
        first = study(store, "a", 3, AT, deck_id="d")
        study(store, "b", 3, AT, deck_id="d")
        top, size, edits = store.review_mark()
        assert (size, edits) == (2, 0) and top > first
        store.update_review(first, 1, None)
        assert store.review_mark() == (top, 2, 1)
        store.update_review(first, 3, None)
        assert store.review_mark() == (top, 2, 2)
