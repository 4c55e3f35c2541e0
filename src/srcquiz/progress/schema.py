"""The progress database's tables, and the migrations that build them.

`PRAGMA user_version` records how many steps a file has had; opening an older
file runs the missing steps in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


def _us(x: str) -> str:
    """SQL for the timestamp `x` (seconds) as whole microseconds: exact for every time
    the app writes (a datetime's timestamp), so the offsets below lose nothing."""
    return f"CAST(round(({x}) * 1000000.0) AS INTEGER)"


# Version 3 kept the state before an answer as JSON text; version 4 as columns: the
# due date as days after the last review (whole days for a review-state card, stored
# in a byte or two) and the last review as microseconds before this answer.
_J = "json_extract(r.state_before, '$.{}')"
_LAST, _DUE = _J.format("last_review"), _J.format("due")
_BEFORE_FROM_JSON = f"""{_J.format("state")}, {_J.format("step")},
    {_J.format("stability")}, {_J.format("difficulty")},
    ({_us(_DUE)} - {_us(f"coalesce({_LAST}, r.reviewed_at)")}) / 86400000000.0,
    CASE WHEN {_LAST} IS NULL THEN NULL ELSE {_us("r.reviewed_at")} - {_us(_LAST)} END"""
_REF_US = f"({_us('r.reviewed_at')} - coalesce(r.before_elapsed_us, 0))"
# The version-3 table's columns, read from the compact log (for SQL written against
# them; the store itself reads `review_log`). The JSON's reals carry 15 digits.
REVIEW_VIEW = f"""CREATE VIEW review (id, deck_id, card_key, reviewed_at, rating, verdict,
    score, answer, duration_ms, mode, state_before, session_id, hint_used, event_id) AS
    SELECT r.id, d.deck_id, c.card_key, r.reviewed_at, r.rating, v.name, r.score, r.answer,
    r.duration_ms, m.name,
    CASE WHEN r.before_state IS NULL THEN NULL ELSE json_object(
        'due', ({_REF_US} + {_us("r.before_interval * 86400.0")}) / 1000000.0,
        'state', r.before_state, 'step', r.before_step, 'stability', r.before_stability,
        'difficulty', r.before_difficulty,
        'last_review', CASE WHEN r.before_elapsed_us IS NULL THEN NULL
            ELSE {_REF_US} / 1000000.0 END) END,
    r.session_id, r.hint_used, r.event_id
    FROM review_log r JOIN deck_ref d ON d.id = r.deck JOIN card_ref c ON c.id = r.card
    JOIN review_mode m ON m.id = r.mode JOIN review_verdict v ON v.id = r.verdict"""

# Practice (cram and missed: mode codes 3 and 4, fixed by step 4's seed rows) is left
# out of the hourly counts that reviews, retention and streaks add up.
_REAL = "mode NOT IN (3, 4)"

# The hourly counts' share of the log's insert and delete triggers (steps 4 and 5).
_HOUR_COUNTED = (
    "INSERT INTO review_hour VALUES (new.deck, CAST(new.reviewed_at / 3600 AS INTEGER), "
    f"new.{_REAL}, new.before_state IS NOT NULL AND new.{_REAL}, "
    f"new.rating > 1 AND new.before_state IS NOT NULL AND new.{_REAL}, "
    "new.id, new.id) ON CONFLICT (deck, hour) DO UPDATE SET "
    "reviews = reviews + excluded.reviews, "
    "seen = seen + excluded.seen, good = good + excluded.good, "
    "first_id = min(first_id, excluded.first_id), "
    "last_id = max(last_id, excluded.last_id);"
)
_HOUR_UNCOUNTED = (
    f"UPDATE review_hour SET reviews = reviews - old.{_REAL}, "
    f"seen = seen - (old.before_state IS NOT NULL AND old.{_REAL}), "
    f"good = good - (old.rating > 1 AND old.before_state IS NOT NULL AND old.{_REAL}) "
    "WHERE deck = old.deck AND hour = CAST(old.reviewed_at / 3600 AS INTEGER);"
)

# Forward migrations: MIGRATIONS[n] takes a database from version n-1 to n.
# Never edit a released step; add a new one.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE card (
            deck_id TEXT NOT NULL,
            card_key TEXT NOT NULL,
            state INTEGER NOT NULL,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due REAL NOT NULL,
            last_review REAL,
            PRIMARY KEY (deck_id, card_key)
        ) WITHOUT ROWID""",
        "CREATE INDEX card_due ON card (due)",
        "CREATE INDEX card_deck_due ON card (deck_id, due)",
        """CREATE TABLE review (
            id INTEGER PRIMARY KEY,
            deck_id TEXT NOT NULL,
            card_key TEXT NOT NULL,
            reviewed_at REAL NOT NULL,
            rating INTEGER NOT NULL,
            verdict TEXT NOT NULL,
            score REAL NOT NULL,
            answer TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            mode TEXT NOT NULL,
            state_before TEXT
        )""",
        "CREATE INDEX review_card ON review (deck_id, card_key, reviewed_at)",
        "CREATE INDEX review_time ON review (reviewed_at)",
        "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    2: (
        """CREATE TABLE session (
            id INTEGER PRIMARY KEY,
            mode TEXT NOT NULL,
            started_at REAL NOT NULL,
            deck_ids TEXT NOT NULL
        )""",
        "ALTER TABLE review ADD COLUMN session_id INTEGER REFERENCES session (id)",
        "ALTER TABLE review ADD COLUMN hint_used INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX review_session ON review (session_id)",
        "CREATE INDEX review_deck_time ON review (deck_id, reviewed_at)",
    ),
    # `srcquiz sync`: a review's stable id once it has been synced with Anki (the
    # millisecond it happened, made unique: Anki's review-log id for the same event).
    3: (
        "ALTER TABLE review ADD COLUMN event_id INTEGER",
        "CREATE UNIQUE INDEX review_event ON review (event_id) WHERE event_id IS NOT NULL",
    ),
    # The compact review log (#19): ids and labels as small integers, the card's state
    # before the answer as columns (times as offsets that are whole numbers most of the
    # time, which SQLite stores in one to six bytes), and only the indexes queries use.
    # `review` stays readable, with its old columns, as a view.
    4: (
        # `reviews`: how many the log holds for the deck, kept by the triggers below.
        "CREATE TABLE deck_ref (id INTEGER PRIMARY KEY, deck_id TEXT NOT NULL UNIQUE, "
        "reviews INTEGER NOT NULL DEFAULT 0)",
        """CREATE TABLE card_ref (
            id INTEGER PRIMARY KEY,
            deck INTEGER NOT NULL REFERENCES deck_ref (id),
            card_key TEXT NOT NULL,
            UNIQUE (deck, card_key)
        )""",
        "CREATE TABLE review_mode (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE review_verdict (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "INSERT INTO review_mode (id, name) VALUES "
        "(1, 'review'), (2, 'quiz'), (3, 'cram'), (4, 'missed'), (5, 'anki')",
        "INSERT INTO review_verdict (id, name) VALUES (0, 'wrong'), (1, 'almost'), (2, 'right')",
        """CREATE TABLE review_log (
            id INTEGER PRIMARY KEY,
            deck INTEGER NOT NULL,
            card INTEGER NOT NULL,
            reviewed_at REAL NOT NULL,
            rating INTEGER NOT NULL,
            verdict INTEGER NOT NULL,
            score REAL NOT NULL,
            answer TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            session_id INTEGER,
            hint_used INTEGER NOT NULL DEFAULT 0,
            event_id INTEGER,
            before_state INTEGER,
            before_step INTEGER,
            before_stability REAL,
            before_difficulty REAL,
            before_interval REAL,
            before_elapsed_us INTEGER
        )""",
        "INSERT OR IGNORE INTO deck_ref (deck_id) SELECT DISTINCT deck_id FROM review",
        "INSERT OR IGNORE INTO card_ref (deck, card_key) SELECT DISTINCT d.id, r.card_key "
        "FROM review r JOIN deck_ref d ON d.deck_id = r.deck_id",
        "INSERT OR IGNORE INTO review_mode (name) SELECT DISTINCT mode FROM review",
        "INSERT OR IGNORE INTO review_verdict (name) SELECT DISTINCT verdict FROM review",
        f"""INSERT INTO review_log SELECT r.id, d.id, c.id, r.reviewed_at, r.rating, v.id,
            r.score, r.answer, r.duration_ms, m.id, r.session_id, r.hint_used, r.event_id,
            {_BEFORE_FROM_JSON}
            FROM review r JOIN deck_ref d ON d.deck_id = r.deck_id
            JOIN card_ref c ON c.deck = d.id AND c.card_key = r.card_key
            JOIN review_mode m ON m.name = r.mode JOIN review_verdict v ON v.name = r.verdict""",
        # A session's answers all come after the log's last id when it started: that id
        # finds them by row id, with no index of their own.
        "ALTER TABLE session ADD COLUMN after_review INTEGER",
        "UPDATE session SET after_review = "
        "(SELECT min(id) - 1 FROM review WHERE session_id = session.id)",
        "DROP TABLE review",
        REVIEW_VIEW,
        "CREATE UNIQUE INDEX review_log_event ON review_log (event_id) WHERE event_id IS NOT NULL",
        # Per deck and hour: reviews, those of cards already studied, those of them not
        # rated Again, and the lowest and highest row id among them. Statistics over
        # days add up hours; the rows of a time range are found between the ids of its
        # hours, so the log needs no time index (the history's largest cost on disk).
        """CREATE TABLE review_hour (
            deck INTEGER NOT NULL,
            hour INTEGER NOT NULL,
            reviews INTEGER NOT NULL,
            seen INTEGER NOT NULL,
            good INTEGER NOT NULL,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            PRIMARY KEY (deck, hour)
        ) WITHOUT ROWID""",
        "INSERT INTO review_hour SELECT deck, CAST(reviewed_at / 3600 AS INTEGER) AS h, "
        f"sum({_REAL}), sum(before_state IS NOT NULL AND {_REAL}), "
        f"sum(rating > 1 AND before_state IS NOT NULL AND {_REAL}), "
        "min(id), max(id) FROM review_log GROUP BY deck, h",
        "UPDATE deck_ref SET reviews = (SELECT count(*) FROM review_log WHERE deck = deck_ref.id)",
        "CREATE TRIGGER review_log_counted AFTER INSERT ON review_log BEGIN "
        f"UPDATE deck_ref SET reviews = reviews + 1 WHERE id = new.deck; {_HOUR_COUNTED} END",
        "CREATE TRIGGER review_log_rerated AFTER UPDATE OF rating ON review_log BEGIN "
        "UPDATE review_hour SET good = good "
        f"- (old.rating > 1 AND old.before_state IS NOT NULL AND old.{_REAL}) "
        f"+ (new.rating > 1 AND new.before_state IS NOT NULL AND new.{_REAL}) "
        "WHERE deck = new.deck AND hour = CAST(new.reviewed_at / 3600 AS INTEGER); END",
        "CREATE TRIGGER review_log_uncounted AFTER DELETE ON review_log BEGIN "
        f"UPDATE deck_ref SET reviews = reviews - 1 WHERE id = old.deck; {_HOUR_UNCOUNTED} END",
    ),
    # Per-deck card counters (#19), kept by triggers in the transaction that writes the
    # card, so the decks and stats screens count a deck's cards and learning cards
    # without reading its rows. `version` moves on every write of one of the deck's
    # cards: a reader that knows what it wrote itself can tell when someone else wrote.
    # Learning states are 1 and 3 (`queries._LEARNING_STATES`, checked by a test).
    5: (
        # Real reviews (not practice) per deck, beside `reviews`: a deck's review count
        # and the streak's check on the days before today read one row, not a year of
        # hourly counts. Hourly counts are real reviews: their sum is the start value.
        "ALTER TABLE deck_ref ADD COLUMN real INTEGER NOT NULL DEFAULT 0",
        "UPDATE deck_ref SET real = "
        "(SELECT coalesce(sum(reviews), 0) FROM review_hour WHERE deck = deck_ref.id)",
        "DROP TRIGGER review_log_counted",
        "DROP TRIGGER review_log_uncounted",
        "CREATE TRIGGER review_log_counted AFTER INSERT ON review_log BEGIN "
        f"UPDATE deck_ref SET reviews = reviews + 1, real = real + (new.{_REAL}) "
        f"WHERE id = new.deck; {_HOUR_COUNTED} END",
        "CREATE TRIGGER review_log_uncounted AFTER DELETE ON review_log BEGIN "
        f"UPDATE deck_ref SET reviews = reviews - 1, real = real - (old.{_REAL}) "
        f"WHERE id = old.deck; {_HOUR_UNCOUNTED} END",
        """CREATE TABLE deck_card (
            deck_id TEXT PRIMARY KEY,
            cards INTEGER NOT NULL,
            learning INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) WITHOUT ROWID""",
        "INSERT INTO deck_card SELECT deck_id, count(*), sum(state IN (1, 3)), 0 "
        "FROM card GROUP BY deck_id",
        "CREATE TRIGGER card_counted AFTER INSERT ON card BEGIN "
        "INSERT INTO deck_card VALUES (new.deck_id, 1, new.state IN (1, 3), 1) "
        "ON CONFLICT (deck_id) DO UPDATE SET cards = cards + 1, "
        "learning = learning + excluded.learning, version = version + 1; END",
        "CREATE TRIGGER card_changed AFTER UPDATE ON card WHEN old.deck_id = new.deck_id BEGIN "
        "UPDATE deck_card SET learning = learning - (old.state IN (1, 3)) "
        "+ (new.state IN (1, 3)), version = version + 1 WHERE deck_id = new.deck_id; END",
        "CREATE TRIGGER card_moved AFTER UPDATE ON card WHEN old.deck_id != new.deck_id BEGIN "
        "UPDATE deck_card SET cards = cards - 1, learning = learning - (old.state IN (1, 3)), "
        "version = version + 1 WHERE deck_id = old.deck_id; "
        "INSERT INTO deck_card VALUES (new.deck_id, 1, new.state IN (1, 3), 1) "
        "ON CONFLICT (deck_id) DO UPDATE SET cards = cards + 1, "
        "learning = learning + excluded.learning, version = version + 1; END",
        "CREATE TRIGGER card_uncounted AFTER DELETE ON card BEGIN "
        "UPDATE deck_card SET cards = cards - 1, learning = learning - (old.state IN (1, 3)), "
        "version = version + 1 WHERE deck_id = old.deck_id; END",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)
# A version-4 file has `review` as a view; earlier ones as a table.
OUR_TABLES = frozenset({"card", "review", "setting"})


def create_atomically(path: Path) -> None:
    """Build a new database beside `path`, then link it into place in one step.

    sqlite3.connect creates an empty file before any schema exists; a process
    killed in between would leave a 0-byte file that the next start must refuse.
    Built aside and linked, the file at `path` is always a complete database.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for step in sorted(MIGRATIONS):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        finally:
            conn.close()
        try:
            os.link(tmp, path)  # fails if another process created it meanwhile: use theirs
        except FileExistsError:
            pass
    except (OSError, sqlite3.Error):
        pass  # the ordinary open below reports what is wrong with the location
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
