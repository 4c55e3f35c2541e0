"""Rolling backups of the progress database and `srcquiz restore`.

Opening an existing database makes at most one copy a day (SQLite's online
backup API, so a copy is consistent even while another terminal writes) into
`<data dir>/backups/`, keeping the last 7. Restoring first saves the current
file beside them, so a restore can itself be undone.

"Last" means last made, not latest date: the clock can run ahead (a dead RTC
battery, a VM restored from a snapshot) and come back. Each copy records its place
in the order copies were made inside itself (`SEQUENCE_KEY` in its `setting` table:
one more than any copy beside it), so pruning and the restore list follow that
order whatever the clock said, and there is no separate manifest to lose. Copies
from before this scheme (and byte-for-byte copies of a damaged file) carry no
number and rank below every numbered one, by the date in their name.

The full-screen app (and `--plain`) makes the day's snapshot after its first frame
(first card), in a thread with its own connection (`PendingBackup`), and waits for
it before the process exits: at 1M reviews the snapshot takes about as long as the
plain copy did, and the user is not kept from the first screen by it. The copy is
of the database as that thread finds it, a moment after the screen is up (an
answer given by then is in it). What decides whether the good copies may rotate
stays before that screen: `PRAGMA quick_check`, so a damaged database is still
refused on open and never copied. A copy taken before a schema migration is
always made on open, before the migration writes; other commands make theirs on
open too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from srcquiz.errors import UserError
from srcquiz.fsio import remove_stale
from srcquiz.progress import page_store

if TYPE_CHECKING:
    from srcquiz.progress.store import Store

KEEP_DAILY = 7
SEQUENCE_KEY = "backup.sequence"


class BackupInfo(NamedTuple):
    """One copy in the backups folder (a NamedTuple: every start-up's due check makes
    them, and a dataclass costs 0.3 ms to create)."""

    path: Path
    kind: str  # "daily" or "before-restore"
    taken: datetime
    size: int
    reviews: int | None  # None when the copy cannot be read
    sequence: int | None = None  # its place in the order copies were made; None: unknown

    @property
    def name(self) -> str:
        return self.path.name


def backups_dir() -> Path:
    from srcquiz.paths import data_dir

    return data_dir() / "backups"


def _daily_re(stem: str) -> re.Pattern[str]:
    """`stem-2026-03-02.sqlite3`, or `stem-2026-03-02-2.sqlite3` for another copy on a
    date the clock came back to."""
    return re.compile(
        rf"^{re.escape(stem)}-(\d{{4}}-\d{{2}}-\d{{2}})(?:-\d+)?\.(?:sqlite3|snapshot)$"
    )


def _safety_re(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-before-restore-(\d{{8}}-\d{{6}})(?:-\d+)?\.sqlite3$")


def maker() -> str:
    """This process and thread, in a temp file's name: two terminals making the day's
    copy at once (both found none) each write their own files, never one another's."""
    return f"{os.getpid()}-{threading.get_ident()}"


def _copy_with_backup_api(
    source: sqlite3.Connection, dest: Path, sequence: int, *, scratch: bool = False
) -> None:
    """Write a consistent copy of `source`, numbered `sequence`, to `dest` atomically
    (temp file + rename). A `scratch` copy, read once and deleted, is not synced to the
    disk (half the copy's time): what must survive a crash is what is made from it."""
    tmp = dest.with_name(f".{dest.name}.{maker()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            if scratch:
                target.execute("PRAGMA journal_mode = OFF")
                target.execute("PRAGMA synchronous = OFF")
            source.backup(target)
            target.execute(
                "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
                (SEQUENCE_KEY, str(sequence)),
            )
            target.commit()
        finally:
            target.close()
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _snapshot(store: Store, dest: Path, sequence: int) -> None:
    """Today's copy as a snapshot: a consistent copy (the backup API) to a temp file,
    whose changed pages go to the page store (`progress.page_store`)."""
    tmp = dest.with_name(f".{dest.name}.{maker()}.copy")
    try:
        _copy_with_backup_api(store.connection, tmp, sequence, scratch=True)
        conn = sqlite3.connect(f"{tmp.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            reviews = _count_reviews(conn)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
        meta = {"stem": store.path.stem, "sequence": sequence, "reviews": reviews}
        page_store.save(tmp, dest, {**meta, "version": version})
    finally:
        tmp.unlink(missing_ok=True)


def _forget_sequence(conn: sqlite3.Connection) -> None:
    """A restored database is live again, not a numbered copy."""
    with contextlib.suppress(sqlite3.Error):
        conn.execute("DELETE FROM setting WHERE key = ?", (SEQUENCE_KEY,))
        conn.commit()


def daily_backup(
    store: Store, now: datetime | None = None, *, background: bool = False
) -> str | None:
    """Today's copy of `store`, unless the last copy made is today's; returns a warning
    sentence if it could not be made (studying goes on regardless).

    With `background`, a copy not needed before a migration is left to
    `store.pending_backup` (see the module's docstring); the check comes first either way.
    """
    now = now or datetime.now().astimezone()
    folder = backups_dir()
    if not _due(folder, store.path.stem, now):
        return None
    # Check every page first, so a damaged database is reported now and never
    # rotates the good copies out.
    from srcquiz.progress.health import corrupt, explain
    from srcquiz.progress.schema import SCHEMA_VERSION

    try:
        problems = store.connection.execute("PRAGMA quick_check").fetchall()
        version = int(store.connection.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        raise explain(exc, store.path) from None
    if [row[0] for row in problems] != ["ok"]:
        raise corrupt(store.path)
    if background and version >= SCHEMA_VERSION:
        store.pending_backup = PendingBackup(store.path, now)
        return None
    return _make_copy(store, folder, now)


def check_due(path: Path, now: datetime | None = None) -> bool:
    """Whether opening the database at `path` will check every page first (today's
    copy is still to be made): a folder listing, no database read."""
    return _due(backups_dir(), path.stem, now or datetime.now().astimezone())


def _due(folder: Path, stem: str, now: datetime) -> bool:
    """Whether today's copy is still to be made: the last copy made is not today's."""
    daily = [b for b in _scan(folder, stem) if b.kind == "daily"]
    return not daily or max(daily, key=_order).taken.date() != now.date()


def _make_copy(store: Store, folder: Path, now: datetime) -> str | None:
    """Today's snapshot of `store` and the pruning after it; a warning sentence if it
    could not be made."""
    stem = store.path.stem
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(folder, stem)
        dest = _unused_name(folder, f"{stem}-{now.date().isoformat()}", page_store.SUFFIX)
        _snapshot(store, dest, _next_sequence(folder, stem))
        prune(folder, stem, made=dest)
    except (OSError, sqlite3.Error) as exc:
        return (
            f"could not back up {store.path} into {folder} ({exc}); your progress is still saved."
        )
    return None


def _remove_stale_temps(folder: Path, stem: str) -> None:
    """Remove what copies killed before their rename left (a scratch copy is the size
    of the database), once older than `STALE_TMP_S`: younger ones may be another
    terminal's copy in the making."""
    pattern = re.compile(rf"^\.\.?{re.escape(stem)}-.*\.(?:copy|tmp|rebuilt)$")
    remove_stale(p for p in folder.iterdir() if pattern.match(p.name))


class PendingBackup:
    """Today's snapshot of a checked database, made in a thread with a connection of
    its own (`start`, once the first screen is up) and waited for before the process
    exits (`join`, which `Store.close` calls). The snapshot is written as on open
    (temp files and a rename), so a process killed meanwhile leaves yesterday's
    copies as they were, and the next open makes today's."""

    def __init__(self, path: Path, now: datetime) -> None:
        self.path = path
        self.now = now
        self.warning: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="srcquiz-backup")
            self._thread.start()

    def join(self) -> str | None:
        """Wait for the snapshot if it was started; its warning sentence, if any."""
        if self._thread is not None:
            self._thread.join()
        return self.warning

    def _run(self) -> None:
        from srcquiz.progress.store import Store

        folder = backups_dir()
        try:
            with Store.open(self.path) as store:
                # Another terminal may have made today's copy since this one opened.
                if _due(folder, self.path.stem, self.now):
                    self.warning = _make_copy(store, folder, self.now)
        except Exception as exc:  # a thread's traceback would be drawn over the app
            self.warning = (
                f"could not back up {self.path} into {folder} ({exc}); "
                "your progress is still saved."
            )


def open_with_backup(path: Path, now: datetime | None = None, *, background: bool = False) -> Store:
    """Open the progress database at `path`, first making today's copy of it (with
    `background`, the check only: the copy is `store.pending_backup`'s to make).

    The copy is taken before any migration writes, so a version upgrade can
    always be undone with `srcquiz restore`.
    """
    from srcquiz.progress.store import Store

    return Store.open(
        path, before_migrate=lambda store: daily_backup(store, now=now, background=background)
    )


def prune(folder: Path, stem: str, keep: int = KEEP_DAILY, made: Path | None = None) -> list[Path]:
    """Delete all but the last `keep` daily copies of `stem` made; never anything else,
    and never `made`, the copy just taken."""
    daily = sorted((b for b in _scan(folder, stem) if b.kind == "daily"), key=_order)
    old = [b.path for b in (daily[:-keep] if keep > 0 else daily) if b.path != made]
    for p in old:
        p.unlink(missing_ok=True)
    # Only a snapshot deleted leaves pages no snapshot names (reading every snapshot
    # and the store's hashes for nothing cost 0.1-0.5 s a day at 1M reviews). Pages a
    # pruning killed midway left go with the next snapshot deleted.
    if any(p.name.endswith(page_store.SUFFIX) for p in old):
        page_store.collect_garbage(folder, stem, lambda: _snapshots(folder, stem))
    return old


def _snapshots(folder: Path, stem: str) -> list[Path]:
    return [b.path for b in _scan(folder, stem) if b.path.name.endswith(page_store.SUFFIX)]


def _read_copy(path: Path) -> tuple[int | None, int | None]:
    """(sequence number, review count) of a copy; None for what cannot be read."""
    if path.name.endswith(page_store.SUFFIX):
        try:
            meta = page_store.read_meta(path)
        except (OSError, ValueError):
            return None, None
        return meta.get("sequence"), meta.get("reviews")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None, None
    try:
        reviews = _count_reviews(conn)
        try:
            row = conn.execute(
                "SELECT value FROM setting WHERE key = ?", (SEQUENCE_KEY,)
            ).fetchone()
            sequence = int(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            sequence = None
    finally:
        conn.close()
    return sequence, reviews


def _count_reviews(conn: sqlite3.Connection) -> int | None:
    """Reviews in a copy: a version-4 one keeps the count per deck; an older one counts
    its rows. None when neither can be read."""
    for sql in ("SELECT coalesce(sum(reviews), 0) FROM deck_ref", "SELECT count(*) FROM review"):
        try:
            return int(conn.execute(sql).fetchone()[0])
        except sqlite3.Error:
            continue
    return None


def _order(b: BackupInfo) -> tuple[int, datetime, str]:
    """Sort key, first made first: the sequence number, else the date in the name."""
    return (-1 if b.sequence is None else b.sequence, b.taken, b.name)


def _next_sequence(folder: Path, stem: str) -> int:
    return max((b.sequence or 0 for b in _scan(folder, stem)), default=0) + 1


def _scan(folder: Path, stem: str) -> list[BackupInfo]:
    """Every copy of the database `stem` in `folder`, in no particular order."""
    if not folder.is_dir():
        return []
    daily, safety = _daily_re(stem), _safety_re(stem)
    found: list[BackupInfo] = []
    for p in folder.iterdir():
        if m := daily.match(p.name):
            kind, taken = "daily", datetime.fromisoformat(m.group(1))
        elif m := safety.match(p.name):
            kind, taken = "before-restore", datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
        else:
            continue
        try:
            stat = p.stat()
        except OSError:
            continue
        if kind == "daily":
            # The day is in the name; the time of day is when the copy was written.
            written = datetime.fromtimestamp(stat.st_mtime)
            if written.date() == taken.date():
                taken = written
        sequence, reviews = _read_copy(p)
        found.append(BackupInfo(p, kind, taken, stat.st_size, reviews, sequence))
    return found


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Backups of the database at `db_path`, the last made first."""
    return sorted(_scan(backups_dir(), db_path.stem), key=_order, reverse=True)


def _check_backup(path: Path) -> None:
    from srcquiz.progress.health import check_file
    from srcquiz.progress.schema import SCHEMA_VERSION

    if not path.is_file():
        raise UserError(f"no backup {path}; run `srcquiz restore` to list them.")
    try:
        check_file(path)
    except UserError as exc:
        raise UserError(f"cannot restore from that backup: {exc}") from None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT 1 FROM review LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        raise UserError(
            f"the backup {path} is damaged or not a srcquiz database; pick another one."
        ) from None
    if version > SCHEMA_VERSION:
        raise UserError(
            f"the backup {path} was written by a newer srcquiz (database version {version}); "
            "upgrade srcquiz to restore it."
        )


SIDECARS = ("-wal", "-shm", "-journal")


def _sidecars(db: Path) -> list[Path]:
    return [db.with_name(db.name + s) for s in SIDECARS]


def _unused_name(folder: Path, stem: str, suffix: str = ".sqlite3") -> Path:
    """`stem.sqlite3`, or `stem-2.sqlite3`, ... : never an existing file."""
    candidate = folder / f"{stem}{suffix}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def restore(db_path: Path, backup_path: Path, now: datetime | None = None) -> Path | None:
    """Put `backup_path`'s progress into `db_path`; returns where the current file was
    saved first (None when there was no current file). A snapshot is first rebuilt to
    a temp file and checked page by page, then restored like a plain copy."""
    if not backup_path.name.endswith(page_store.SUFFIX):
        return _restore_file(db_path, backup_path, now)
    if not backup_path.is_file():
        raise UserError(f"no backup {backup_path}; run `srcquiz restore` to list them.")
    plain = backup_path.with_name(f".{backup_path.name}.rebuilt")
    try:
        page_store.rebuild(backup_path, plain)
    except (OSError, ValueError, KeyError) as exc:
        plain.unlink(missing_ok=True)
        raise UserError(f"the backup {backup_path} is damaged ({exc}); pick another one.") from None
    try:
        return _restore_file(db_path, plain, now)
    finally:
        plain.unlink(missing_ok=True)


def _restore_file(db_path: Path, backup_path: Path, now: datetime | None) -> Path | None:
    _check_backup(backup_path)
    now = now or datetime.now().astimezone()
    folder = backups_dir()
    folder.mkdir(parents=True, exist_ok=True)
    safety: Path | None = None
    current: Store | None = None
    if db_path.exists():
        safety = _unused_name(folder, f"{db_path.stem}-before-restore-{now:%Y%m%d-%H%M%S}")
        current = _open_if_healthy(db_path)
        _save_current(db_path, current, safety, folder)
    source = sqlite3.connect(f"{backup_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if current is not None:
            # Into the live database: other processes see a consistent switch.
            source.backup(current.connection)
            _forget_sequence(current.connection)
        else:
            _replace_file(db_path, source)
    except (OSError, sqlite3.Error) as exc:
        raise UserError(
            f"restoring {backup_path} into {db_path} failed ({exc}); the previous file is "
            f"saved as {safety}."
            if safety
            else f"restoring {backup_path} into {db_path} failed ({exc})."
        ) from None
    finally:
        source.close()
        if current is not None:
            current.close()
    return safety


def _open_if_healthy(db_path: Path) -> Store | None:
    """The current database opened, or None when it is damaged or not ours."""
    from srcquiz.progress.store import Store

    current: Store | None = None
    try:
        current = Store.open(db_path)
        check = current.connection.execute("PRAGMA quick_check").fetchall()
        if [row[0] for row in check] == ["ok"]:
            return current
    except (UserError, sqlite3.Error):
        pass
    if current is not None:
        current.close()
    return None


def _save_current(db_path: Path, current: Store | None, safety: Path, folder: Path) -> None:
    """Copy the database about to be replaced to `safety`, so a restore can be undone."""
    try:
        if current is not None:
            sequence = _next_sequence(folder, db_path.stem)
            _copy_with_backup_api(current.connection, safety, sequence)
        else:
            # Damaged or foreign: keep its exact bytes (and its journal files).
            shutil.copy2(db_path, safety)
            for suffix in SIDECARS:
                side = db_path.with_name(db_path.name + suffix)
                if side.exists():
                    shutil.copy2(side, safety.with_name(safety.name + suffix))
    except (OSError, sqlite3.Error) as exc:
        if current is not None:
            current.close()
        raise UserError(
            f"could not save the current {db_path} before restoring ({exc}); nothing was changed."
        ) from None


def _replace_file(db_path: Path, source: sqlite3.Connection) -> None:
    """Write the backup beside `db_path` and rename it into place (no live database)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restoring")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
        _forget_sequence(target)
    finally:
        target.close()
    for side in _sidecars(db_path):
        side.unlink(missing_ok=True)  # copied into the safety backup above
    os.replace(tmp, db_path)
