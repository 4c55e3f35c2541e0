"""Progress store: card states and the full review log in one SQLite file.

Keys are `(deck id, card key)` — ids, never wording — so rewording a question
keeps its history and a question dropped from a deck keeps its rows (the
session skips them). Every write is one short `BEGIN IMMEDIATE` transaction,
committed before the caller moves on, and the database runs in WAL mode with a
busy timeout so two terminals can study at once.

Anything wrong with the file itself (not SQLite, cut short, corrupt, from a
newer srcquiz, read-only, disk full) becomes one `UserError` sentence naming the
file; the file is never overwritten, repaired or deleted.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from srcquiz.errors import UserError
from srcquiz.progress.health import (
    BUSY_TIMEOUT_MS,
    check_file,
    corrupt,
    explain,
    newer,
)
from srcquiz.progress.queries import StatsQueries, now_or_local
from srcquiz.progress.rows import (
    REVIEW_SELECT,
    WRONG,
    NewReview,
    ReviewRow,
    insert_reviews,
    placeholders,
    review_from_row,
    save_state,
    state_from_row,
    stored_answer,
    stored_duration_ms,
    verdict_code,
)
from srcquiz.progress.schema import MIGRATIONS, OUR_TABLES, SCHEMA_VERSION, create_atomically
from srcquiz.progress.sync_log import REVIEW_EDITS, SyncLog

if TYPE_CHECKING:
    from srcquiz.progress.card_state import CardState


T = TypeVar("T")


class PendingJob(Protocol):
    """Work on the database left for after the first screen (today's snapshot:
    `progress.backup.PendingBackup`), which the store waits for when it closes."""

    warning: str | None

    @property
    def started(self) -> bool: ...

    def start(self) -> None: ...

    def join(self) -> str | None: ...


# Query results are NamedTuples, not dataclasses: they are built on the start-up
# path, where each dataclass definition costs about a millisecond.
class Store(StatsQueries, SyncLog):
    """An open progress database. Use `Store.open(path)`; close it when done.

    One connection: use it from one thread at a time (it may be handed to a worker).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self.warnings: list[str] = []
        self._key_checks = {}
        self._streaks = {}
        # Today's snapshot, when the front end makes it after its first frame.
        self.pending_backup: PendingJob | None = None

    # --- opening -----------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path, *, before_migrate: Callable[[Store], str | None] | None = None
    ) -> Store:
        """Open (creating or migrating) the database at `path`.

        Raises UserError for a file that is corrupt, not SQLite, from a newer
        srcquiz, unreadable or read-only; such a file is never modified.
        `before_migrate` runs on an existing database once it is known good and
        before anything is written (the daily backup, `progress.backup`); a
        sentence it returns joins `warnings`.
        """
        path = Path(path).expanduser()
        check_file(path)
        existed = path.exists()
        if not existed:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise UserError(
                    f"cannot create the folder {path.parent} for {path.name} ({reason}); "
                    "choose another location with --db."
                ) from None
        # SQLite needs to write the file and create its -wal/-shm files beside it.
        if not os.access(path.parent, os.W_OK) or (existed and not os.access(path, os.W_OK)):
            where = "file" if existed and os.access(path.parent, os.W_OK) else "folder"
            raise UserError(
                f"cannot save progress to {path}: its {where} is read-only; make it writable "
                "or choose another location with --db."
            )
        if not existed:
            create_atomically(path)
        conn = _connect(path, path)
        store = cls(conn, path)
        with _closed_on_failure(conn, path):
            store._setup(existed, before_migrate)
        return store

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        """Open the database at `path` only to read it (`srcquiz stats`).

        No backup, no migration, no write (`query_only`), so a read-only file or
        folder is fine. A writable file gets an ordinary connection, which keeps WAL
        reads consistent with other terminals and tidies its -wal/-shm on close; one
        nobody here can write is read as immutable, so nothing is created beside it.
        A missing file reads as an empty store; an older one is refused in a sentence.
        """
        path = Path(path).expanduser()
        check_file(path)
        if not path.exists():
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            for step in sorted(MIGRATIONS):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            return cls(conn, path)
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        wal = path.with_name(path.name + "-wal")
        mode = "rw" if writable else "ro" if wal.exists() else "ro&immutable=1"
        conn = _connect(f"{path.resolve().as_uri()}?mode={mode}", path, uri=True)
        store = cls(conn, path)
        with _closed_on_failure(conn, path):
            conn.execute("PRAGMA query_only = ON")
            if store._check_version() < SCHEMA_VERSION:
                raise UserError(
                    f"{path} is from an older srcquiz and must be upgraded before `stats` can "
                    "read it; run `srcquiz review` (or `srcquiz settings`) once, then try again."
                )
        return store

    def _check_version(self) -> int:
        """The file's schema version, after refusing what is not ours (reads only)."""
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        }
        if version > SCHEMA_VERSION:
            raise newer(self.path, version)
        if version == 0 and tables:
            raise UserError(
                f"{self.path} is an SQLite database of another program, not a srcquiz "
                "progress file; it was left untouched: choose another file with --db."
            )
        if version > 0 and not OUR_TABLES <= tables:
            raise corrupt(self.path)
        return int(version)

    def _setup(self, existed: bool, before_migrate: Callable[[Store], str | None] | None) -> None:
        conn = self._conn
        # Read-only checks first: nothing below writes until the file is known good.
        version = self._check_version()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")  # an answered card survives a power cut too
        conn.execute("PRAGMA foreign_keys = ON")
        if existed and version > 0 and before_migrate is not None:
            warning = before_migrate(self)
            if warning:
                self.warnings.append(warning)
        if version < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        with self._write() as conn:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise newer(self.path, version)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        if self.pending_backup is not None:
            self.pending_backup.join()  # never leave a snapshot half made
        with contextlib.suppress(sqlite3.Error, UserError):  # a locked or full disk
            self._keep_key_checks()
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def _keep_key_checks(self) -> None:
        """Leave each deck's key check for the next process (a read-only store
        cannot, and needs none written). Best effort: a failure costs the next
        process one read of the deck's keys, never a wrong number."""
        rows = self.kept_key_checks()
        if not rows or self._conn.execute("PRAGMA query_only").fetchone()[0]:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rows,
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection (backups, benchmarks, tests)."""
        return self._conn

    # --- plumbing ----------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; the lock is taken up front so it never deadlocks."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise explain(exc, self.path) from None
            raise

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return fn(self._conn)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._read(lambda c: c.execute(sql, params).fetchall())

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self._read(lambda c: c.execute(sql, params).fetchone())

    # --- settings ----------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self._one("SELECT value FROM setting WHERE key = ?", (key,))
        return default if row is None else row[0]

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )

    def settings_under(self, prefix: str) -> dict[str, str]:
        """Every setting whose key starts with `prefix` (a range on the primary key)."""
        rows = self._rows(
            "SELECT key, value FROM setting WHERE key >= ? AND key < ?",
            (prefix, prefix + "\U0010ffff"),
        )
        return {str(k): str(v) for k, v in rows}

    def delete_setting(self, key: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM setting WHERE key = ?", (key,))

    # --- card state --------------------------------------------------------

    def card_state(self, deck_id: str, card_key: str) -> CardState | None:
        row = self._one(
            "SELECT due, state, step, stability, difficulty, last_review FROM card "
            "WHERE deck_id = ? AND card_key = ?",
            (deck_id, card_key),
        )
        return None if row is None else state_from_row(row)

    def card_states(self, deck_id: str) -> dict[str, CardState]:
        rows = self._rows(
            "SELECT card_key, due, state, step, stability, difficulty, last_review FROM card "
            "WHERE deck_id = ?",
            (deck_id,),
        )
        return {row[0]: state_from_row(row[1:]) for row in rows}

    def due_cards(
        self, deck_ids: Collection[str], now: datetime | None = None
    ) -> Iterator[tuple[str, str, datetime]]:
        """Cards of these decks due by `now`, most overdue first, read lazily.

        The caller stops reading once it has enough; the `card_due` index makes the
        first rows cheap however large the table is.
        """
        if not deck_ids:
            return iter(())
        cutoff = now_or_local(now).timestamp()
        # One lazy, index-ordered query per deck, merged: cheap for any mix of decks.
        streams = []
        for deck_id in dict.fromkeys(deck_ids):
            try:
                cursor = self._conn.execute(
                    "SELECT due, deck_id, card_key FROM card WHERE deck_id = ? AND due <= ? "
                    "ORDER BY due",
                    (deck_id, cutoff),
                )
            except sqlite3.Error as exc:
                raise explain(exc, self.path) from None
            streams.append(self._iter_due(cursor))
        merged = heapq.merge(*streams) if len(streams) > 1 else streams[0]
        return ((deck_id, key, datetime.fromtimestamp(due, UTC)) for due, deck_id, key in merged)

    def learning_later(
        self, deck_ids: Collection[str], after: datetime, until: datetime
    ) -> list[tuple[str, str, datetime]]:
        """Cards of these decks in a learning step that falls due after `after` and by
        `until` (a session's learning queue waits for them): one range of the
        (deck_id, due) index a deck."""
        out: list[tuple[str, str, datetime]] = []
        for deck_id in dict.fromkeys(deck_ids):
            rows = self._rows(
                "SELECT card_key, due FROM card WHERE deck_id = ? AND due > ? AND due <= ? "
                "AND state IN (1, 3)",
                (deck_id, after.timestamp(), until.timestamp()),
            )
            out += [(deck_id, key, datetime.fromtimestamp(due, UTC)) for key, due in rows]
        return out

    def _iter_due(self, cursor: sqlite3.Cursor) -> Iterator[tuple[float, str, str]]:
        try:
            while True:
                batch = cursor.fetchmany(256)
                if not batch:
                    return
                yield from batch
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        finally:
            cursor.close()

    def studied_keys(self, deck_id: str) -> set[str]:
        """Every card key of this deck that has a card state."""
        rows = self._rows("SELECT card_key FROM card WHERE deck_id = ?", (deck_id,))
        return {r[0] for r in rows}

    def known_keys(self, deck_id: str, keys: Sequence[str]) -> set[str]:
        """Which of `keys` already have a card state (the rest are new)."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self._rows(
                f"SELECT card_key FROM card WHERE deck_id = ? "
                f"AND card_key IN ({placeholders(len(chunk))})",
                [deck_id, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    # --- the review log ----------------------------------------------------

    def start_session(self, mode: str, deck_ids: Sequence[str], now: datetime | None = None) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO session (mode, started_at, deck_ids, after_review) "
                "VALUES (?, ?, ?, (SELECT coalesce(max(id), 0) FROM review_log))",
                (mode, now_or_local(now).timestamp(), json.dumps(list(deck_ids))),
            )
            return int(cur.lastrowid or 0)

    def record_review(
        self,
        *,
        deck_id: str,
        card_key: str,
        reviewed_at: datetime,
        rating: int,
        verdict: str,
        score: float,
        answer: str,
        duration_s: float,
        mode: str,
        session_id: int | None,
        state_before: CardState | None,
        state_after: CardState | None,
        hint_used: bool = False,
    ) -> int:
        """Log one answer and (unless `state_after` is None) save the card's new state,
        in one committed transaction."""
        at = now_or_local(reviewed_at).timestamp()
        row = NewReview(
            deck_id,
            card_key,
            at,
            int(rating),
            verdict,
            float(score),
            stored_answer(answer),
            stored_duration_ms(duration_s),
            mode,
            session_id,
            bool(hint_used),
            None,
            state_before,
        )
        with self._write() as conn:
            review_id = insert_reviews(conn, (row,))
            if state_after is not None:
                save_state(conn, deck_id, card_key, state_after)
        if state_after is not None:
            self._wrote_card(deck_id, card_key)
        return review_id

    def update_review(
        self, review_id: int, rating: int, state_after: CardState | None, verdict: str | None = None
    ) -> None:
        """Change a logged answer's rating (an override) and the card state it produced."""
        wrote: tuple[str, str] | None = None
        with self._write() as conn:
            row = conn.execute(
                "SELECT d.deck_id, c.card_key FROM review_log r "
                "JOIN deck_ref d ON d.id = r.deck JOIN card_ref c ON c.id = r.card "
                "WHERE r.id = ?",
                (review_id,),
            ).fetchone()
            if row is None:
                raise KeyError(review_id)
            if verdict is None:
                conn.execute(
                    "UPDATE review_log SET rating = ? WHERE id = ?", (int(rating), review_id)
                )
            else:
                conn.execute(
                    "UPDATE review_log SET rating = ?, verdict = ? WHERE id = ?",
                    (int(rating), verdict_code(conn, verdict), review_id),
                )
            if state_after is not None:
                save_state(conn, row[0], row[1], state_after)
                wrote = (str(row[0]), str(row[1]))
            conn.execute(  # a sync's no-change check counts these (`SyncLog.review_mark`)
                "INSERT INTO setting (key, value) VALUES (?, '1') ON CONFLICT (key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (REVIEW_EDITS,),
            )
        if wrote is not None:
            self._wrote_card(*wrote)

    def review(self, review_id: int) -> ReviewRow | None:
        row = self._one(f"{REVIEW_SELECT} WHERE r.id = ?", (review_id,))
        return None if row is None else review_from_row(row)

    def reviews(
        self, deck_id: str | None = None, card_key: str | None = None, session_id: int | None = None
    ) -> list[ReviewRow]:
        """The review log, oldest first, optionally for one deck, card or session."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("d.deck_id", deck_id), ("c.card_key", card_key)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if session_id is not None:
            # The rows logged since the session started (`session.after_review`).
            where.append(
                "r.id > coalesce((SELECT after_review FROM session WHERE id = ?), 0) "
                "AND r.session_id = ?"
            )
            params.extend((session_id, session_id))
        sql = REVIEW_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = sorted(self._rows(sql, params))  # by id, in Python: no sort over the log
        return [review_from_row(r) for r in rows]

    def last_session_missed(self, deck_ids: Collection[str]) -> list[tuple[str, str]]:
        """Cards answered wrong (or rated Again) in the most recent session that studied
        any of these decks, in the order they were answered; the last answer counts.

        Sessions that named one of these decks are walked newest first (the `session`
        table is small); each is checked for answers of these decks among the rows logged
        since it started, found by row id: the search never reads the older history.
        """
        ids = list(dict.fromkeys(deck_ids))
        decks = self._deck_refs(ids)
        if not decks:
            return []
        marks = placeholders(len(decks))
        row = self._one(
            "SELECT s.id, s.after_review FROM session s WHERE EXISTS (SELECT 1 FROM "
            f"json_each(s.deck_ids) j WHERE j.value IN ({placeholders(len(ids))})) "
            "AND EXISTS (SELECT 1 FROM review_log r WHERE r.id > s.after_review "
            f"AND r.session_id = s.id AND +r.deck IN ({marks})) ORDER BY s.id DESC LIMIT 1",
            [*ids, *decks],
        )
        if row is None:
            return []
        rows = self._rows(
            "SELECT r.id, d.deck_id, c.card_key, r.verdict, r.rating FROM review_log r "
            "JOIN deck_ref d ON d.id = r.deck JOIN card_ref c ON c.id = r.card "
            f"WHERE r.id > ? AND r.session_id = ? AND +r.deck IN ({marks})",
            [row[1], row[0], *decks],
        )
        last: dict[tuple[str, str], bool] = {}
        for _, deck_id, key, verdict, rating in sorted(rows):
            last[(deck_id, key)] = verdict == WRONG or rating == 1
        return [k for k, missed in last.items() if missed]


def _connect(target: str | Path, path: Path, *, uri: bool = False) -> sqlite3.Connection:
    """One connection as the store uses it (autocommit, busy timeout, handed between
    threads one at a time); a failure is one sentence about `path`."""
    try:
        return sqlite3.connect(
            target,
            uri=uri,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise explain(exc, path) from None


@contextlib.contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Set-up of a fresh connection: any failure closes it, and an SQLite error
    becomes one sentence about `path`."""
    try:
        yield
    except UserError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise explain(exc, path) from None
