"""The compact review log (#19): migration step 4 from a database the released steps
1-3 built, and query plans that read indexes, never the whole history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from srcquiz.deck.loader import load_deck
from srcquiz.errors import UserError
from srcquiz.progress import schema
from srcquiz.progress.card_state import LEARNING, REVIEW, CardState
from srcquiz.progress.rows import ReviewRow
from srcquiz.progress.store import Store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
NOW = datetime(2026, 3, 10, 12, 0, 0, 123457, tzinfo=UTC)


def released(path: Path) -> sqlite3.Connection:
    """A database as srcquiz's schema version 3 left it (steps 1-3, as released)."""
    conn = sqlite3.connect(path)
    for step in (1, 2, 3):
        for statement in schema.MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    return conn


def v3_rows() -> list[tuple]:
    """Review rows as version 3 of the app wrote them: sessions, JSON states with
    microsecond times (learning steps, a first review with no last one), hints, event
    ids from a sync, reviews made in Anki, a partial score, an unknown future mode."""
    learning = CardState(due=NOW + timedelta(minutes=10), state=LEARNING, step=1)
    review = CardState(
        due=NOW + timedelta(days=3, microseconds=17),
        state=REVIEW,
        step=None,
        stability=12.345678901234567,
        difficulty=5.4321098765432,
        last_review=NOW - timedelta(days=9, seconds=7, microseconds=999_999),
    )
    overdue = CardState(
        due=NOW - timedelta(days=40),
        state=REVIEW,
        step=None,
        stability=0.1,
        difficulty=9.99,
        last_review=NOW - timedelta(days=400),
    )
    rows = []
    for i, (key, before, mode, verdict, score, session, hint, event) in enumerate(
        [
            ("thread-count", None, "review", "right", 1.0, 1, 0, None),
            ("ratio", learning, "review", "almost", 1.0, 1, 1, 1_773_144_000_123),
            ("reload-choice", review, "quiz", "wrong", 0.4, 2, 0, None),
            ("ratio", overdue, "anki", "right", 1.0, None, 0, 1_773_144_000_999),
            ("thread-count", review, "cram", "wrong", 0.0, 3, 0, None),
            ("usr2-ignored", None, "future-mode", "right", 1.0, 3, 1, None),
        ]
    ):
        at = (NOW - timedelta(days=5 - i, microseconds=i * 3)).timestamp()
        rows.append(
            (
                "engine-kinds" if i != 4 else "other deck",
                key,
                at,
                1 if verdict == "wrong" else 3,
                verdict,
                score,
                f"answer {i} ✓",
                4000 + i,
                mode,
                None if before is None else json.dumps(before.to_dict()),
                session,
                hint,
                event,
            )
        )
    return rows


def make_v3(path: Path) -> list[ReviewRow]:
    conn = released(path)
    for sid, mode in ((1, "review"), (2, "quiz"), (3, "cram")):
        conn.execute(
            "INSERT INTO session (id, mode, started_at, deck_ids) VALUES (?, ?, ?, ?)",
            (sid, mode, (NOW - timedelta(days=6)).timestamp(), '["engine-kinds", "other deck"]'),
        )
    conn.executemany(
        "INSERT INTO review (deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
        "duration_ms, mode, state_before, session_id, hint_used, event_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v3_rows(),
    )
    conn.commit()
    expected = [
        ReviewRow(
            id=r[0],
            deck_id=r[1],
            card_key=r[2],
            reviewed_at=datetime.fromtimestamp(r[3], UTC),
            rating=r[4],
            verdict=r[5],
            score=r[6],
            answer=r[7],
            duration_ms=r[8],
            mode=r[9],
            state_before=None if r[10] is None else CardState.from_dict(json.loads(r[10])),
            session_id=r[11],
            hint_used=bool(r[12]),
        )
        for r in conn.execute(
            "SELECT id, deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
            "duration_ms, mode, state_before, session_id, hint_used FROM review ORDER BY id"
        )
    ]
    conn.close()
    return expected


def test_step_4_keeps_every_review_and_every_value(tmp_path):
    path = tmp_path / "progress.sqlite3"
    expected = make_v3(path)
    old = sqlite3.connect(path)
    raw = old.execute(
        "SELECT id, deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
        "duration_ms, mode, session_id, hint_used, event_id FROM review ORDER BY id"
    ).fetchall()
    old.close()
    with Store.open(path) as store:
        version = store.connection.execute("PRAGMA user_version").fetchone()[0]
        assert version == schema.SCHEMA_VERSION
        assert store.reviews() == expected
        # The same values through the version-3 columns, now a view.
        assert (
            store.connection.execute(
                "SELECT id, deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
                "duration_ms, mode, session_id, hint_used, event_id FROM review ORDER BY id"
            ).fetchall()
            == raw
        )
        assert store.review_by_event(1_773_144_000_999) == expected[3]
        assert store.review_count() == 6 and store.review_count(["other deck"]) == 1
        # The migrated sessions still find their answers.
        assert store.last_session_missed(["engine-kinds"]) == []
        assert store.last_session_missed(["other deck"]) == [("other deck", "thread-count")]
        assert [r.id for r in store.reviews(session_id=1)] == [1, 2]
        # New answers after the migration join the log and the counts.
        sid = store.start_session("review", ["engine-kinds"], NOW)
        rid = store.record_review(
            deck_id="engine-kinds",
            card_key="ratio",
            reviewed_at=NOW,
            rating=1,
            verdict="wrong",
            score=0.0,
            answer="x",
            duration_s=2,
            mode="review",
            session_id=sid,
            state_before=expected[2].state_before,
            state_after=None,
        )
        assert store.review(rid).state_before == expected[2].state_before
        assert store.last_session_missed(["engine-kinds"]) == [("engine-kinds", "ratio")]
        assert store.review_count(["engine-kinds"]) == 6


def test_a_failed_step_4_leaves_version_3_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "progress.sqlite3"
    make_v3(path)
    before = path.read_bytes()
    broken = (*schema.MIGRATIONS[4], "SELECT no_such_function()")
    monkeypatch.setitem(schema.MIGRATIONS, 4, broken)
    with pytest.raises(UserError):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM review").fetchone()[0] == 6
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'review'").fetchone() == (
        "table",
    )
    assert (
        conn.execute("SELECT name FROM sqlite_master WHERE name = 'review_log'").fetchone() is None
    )
    conn.close()
    assert len(path.read_bytes()) == len(before)


# --- plans -------------------------------------------------------------------------


def assert_reads_indexes(store: Store, query: Callable[[], object]) -> int:
    """Run `query`, then EXPLAIN every statement it sent that reads the review log:
    none may scan the log whole or sort it in a temporary B-tree. Returns how many
    statements read the log."""
    sent: list[str] = []
    conn = store.connection
    conn.set_trace_callback(sent.append)
    try:
        query()
    finally:
        conn.set_trace_callback(None)
    checked = 0
    for sql in sent:
        if "review_log" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        checked += 1
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        aliases = {"review_log"} | {
            word.split()[1] for word in sql.split("review_log")[1:] if word.startswith(" r ")
        }
        for step in plan:
            assert "TEMP B-TREE" not in step, (sql, plan)
            if step.startswith("SCAN "):
                assert step.split()[1] not in aliases, (sql, plan)
    return checked


@pytest.fixture
def big(tmp_path):
    """A log with some history: two decks, sessions, a year of answers."""
    deck = load_deck(FIXTURE)
    keys = list(deck.card_keys())
    with Store.open(tmp_path / "p.sqlite3") as store:
        for day in range(0, 365, 3):
            at = NOW - timedelta(days=day, hours=day % 24)
            for deck_id in (deck.id, "other"):
                sid = store.start_session("review", [deck_id], at)
                for i, key in enumerate(keys[:4]):
                    store.record_review(
                        deck_id=deck_id,
                        card_key=key,
                        reviewed_at=at + timedelta(minutes=i),
                        rating=1 + (day + i) % 4,
                        verdict="wrong" if (day + i) % 4 == 0 else "right",
                        score=1.0,
                        answer="a",
                        duration_s=3,
                        mode="review",
                        session_id=sid,
                        state_before=None if day > 300 else CardState(due=at, state=REVIEW),
                        state_after=CardState(due=at + timedelta(days=day % 20), state=REVIEW),
                    )
        store.connection.execute("ANALYZE")
        yield store, deck


@pytest.mark.parametrize(
    "name",
    [
        "missed",
        "deck_stats",
        "today",
        "today_counts",
        "today_by_deck",
        "per_day",
        "retention",
        "forecast",
        "deck_forecast",
        "review_count",
        "session_reviews",
    ],
)
def test_statistics_read_indexes_not_the_history(big, name):
    store, deck = big
    ids = [deck.id]
    queries: dict[str, Callable[[], object]] = {
        "missed": lambda: store.last_session_missed(ids),
        "deck_stats": lambda: store.deck_stats(deck, NOW),
        "today": lambda: store.today(NOW),
        "today_counts": lambda: store.today_counts(NOW),
        "today_by_deck": lambda: store.today_by_deck(NOW),
        "per_day": lambda: store.reviews_per_day(ids, 30, NOW),
        "retention": lambda: store.retention_per_day(ids, 30, NOW.astimezone(HALF_HOUR)),
        "forecast": lambda: store.due_forecast(ids, 14, NOW),
        "deck_forecast": lambda: store.deck_forecast(deck, 14, NOW),
        "review_count": lambda: store.review_count(ids),
        "session_reviews": lambda: store.reviews(session_id=3),
    }
    reads_log = assert_reads_indexes(store, queries[name])
    uses_log = {"missed", "today", "today_counts", "today_by_deck", "session_reviews"}
    assert reads_log > 0 or name not in uses_log


HALF_HOUR = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize("tz", [UTC, HALF_HOUR, timezone(timedelta(hours=-7))])
def test_hourly_counts_give_what_the_log_says(big, tz):
    """Days built from hours (and the log at each edge) agree with counting the log
    itself, in whole-hour and half-hour time zones, after an override too."""
    store, deck = big
    now = NOW.astimezone(tz)
    last = store.reviews(deck.id)[-1]
    store.update_review(last.id, 1 if last.rating > 1 else 4, None)
    rows = store.reviews(deck.id)
    per_day = store.reviews_per_day([deck.id], 60, now)
    retention = store.retention_per_day([deck.id], 60, now)
    for (day, count), (_, kept) in zip(per_day, retention, strict=True):
        on_day = [r for r in rows if r.reviewed_at.astimezone(tz).date() == day]
        seen = [r for r in on_day if r.state_before is not None]
        assert count == len(on_day)
        assert kept == (sum(r.rating > 1 for r in seen) / len(seen) if seen else None)
    days = {r.reviewed_at.astimezone(tz).date() for r in rows}
    streak, day = 0, now.date()
    if day not in days:
        day -= timedelta(days=1)
    while day in days:
        streak, day = streak + 1, day - timedelta(days=1)
    assert store.deck_stats(deck, now).streak == streak
    since = now - timedelta(days=30)
    recent = [r for r in rows if r.reviewed_at >= since and r.state_before is not None]
    assert store.deck_stats(deck, now).retention_30d == pytest.approx(
        sum(r.rating > 1 for r in recent) / len(recent)
    )


def test_the_plan_check_catches_a_scan_and_a_sort(big):
    store, _ = big
    with pytest.raises(AssertionError):
        assert_reads_indexes(store, lambda: store._rows("SELECT count(*) FROM review_log"))
    with pytest.raises(AssertionError):
        assert_reads_indexes(
            store,
            lambda: store._rows("SELECT id FROM review_log WHERE deck = 1 ORDER BY answer"),
        )


def test_the_logs_codes_and_practice_filter_agree_with_the_store(tmp_path):
    """Step 4 fixes the mode codes in SQL (a released step is never edited) and its
    triggers leave practice out of the hourly counts by those literal codes; the
    store's queries derive theirs from `MODE_CODES`. A new mode or a renumbering
    that touched only one side would count cram in the streak, or reviews out."""
    from srcquiz.progress import queries
    from srcquiz.progress.rows import MODE_CODES

    store = Store.open(tmp_path / "p.sqlite3")
    try:
        seeded = dict(store.connection.execute("SELECT name, id FROM review_mode"))
    finally:
        store.close()
    assert seeded == MODE_CODES
    assert schema._REAL == queries._REAL
    assert set(queries.PRACTICE_MODES) <= set(MODE_CODES)
