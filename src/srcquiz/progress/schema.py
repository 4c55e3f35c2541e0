"""The progress database's tables, and the migrations that build them.

`PRAGMA user_version` records how many steps a file has had; opening an older
file runs the missing steps in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

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
}
SCHEMA_VERSION = max(MIGRATIONS)
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
