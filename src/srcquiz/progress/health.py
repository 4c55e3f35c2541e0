"""What can be wrong with a progress database file, in one sentence each.

Every check here only reads: a file that is corrupt, cut short, not SQLite,
from a newer srcquiz or unreadable is reported and never modified.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path

from srcquiz.errors import UserError
from srcquiz.files import NotAFile, open_regular
from srcquiz.progress.schema import SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000

# SQLite primary result codes we explain to the user.
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOTADB = 26


def _primary(exc: sqlite3.Error) -> int:
    code = getattr(exc, "sqlite_errorcode", None)
    return (code & 0xFF) if isinstance(code, int) else -1


def explain(exc: sqlite3.Error, path: Path) -> UserError:
    """One sentence for a failed SQLite call on `path`."""
    code = _primary(exc)
    text = str(exc).lower()
    if code == SQLITE_FULL or "disk is full" in text:
        return UserError(
            f"could not save to {path}: the disk is full; free some space and run srcquiz "
            "again (everything saved before this answer is kept)."
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
        return UserError(
            f"{path} stayed locked by another program for over {BUSY_TIMEOUT_MS // 1000} s; "
            "close other srcquiz windows and try again."
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return UserError(
            f"{path} is damaged or is not a srcquiz progress database; it was left untouched: "
            "move it aside and run `srcquiz restore` to bring back a backup, or use --db."
        )
    if code == SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return UserError(
            f"cannot write {path}: the file or its folder is read-only; make it writable "
            "or choose another location with --db."
        )
    if code == SQLITE_CANTOPEN or "unable to open" in text:
        return UserError(
            f"cannot open or create {path}: check that its folder exists and is writable, "
            "or choose another location with --db."
        )
    if code == SQLITE_IOERR or "disk i/o" in text:
        return UserError(
            f"could not read or write {path} (disk I/O error); check the disk and try again."
        )
    return UserError(f"the progress database {path} failed: {exc}.")


def check_file(path: Path) -> None:
    """Refuse, without writing anything, a file that cannot be our database."""
    try:
        with open_regular(path) as fh:  # never blocks: a named pipe is refused, not read
            size = os.fstat(fh.fileno()).st_size
            header = fh.read(100)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new database: Store.open creates it (or says why it cannot)
    except NotAFile as exc:
        if exc.kind == "a folder":
            raise UserError(
                f"{path} is a folder, not a database file; give a file path to --db."
            ) from None
        raise UserError(
            f"{path} is {exc.kind}, not a database file; give the path of a file to --db."
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(
            f"cannot read {path} ({reason.lower()}); fix its permissions or use --db."
        ) from None
    if size == 0:
        raise UserError(
            f"{path} is empty (0 bytes), perhaps cut short; it was left untouched: move it "
            "aside and run `srcquiz restore` to bring back a backup, or delete it to start over."
        )
    if not header.startswith(SQLITE_MAGIC):
        raise UserError(
            f"{path} is not an SQLite database (not a srcquiz progress file); it was left "
            "untouched: move it aside or choose another file with --db."
        )
    if len(header) < 100:
        raise truncated(path)
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    if page_size < 512 or page_size & (page_size - 1):
        raise corrupt(path)
    wal = path.with_name(path.name + "-wal")
    busy = wal.exists() and wal.stat().st_size > 0  # another process may be checkpointing
    if page_count and valid_for == change_counter and size < page_count * page_size and not busy:
        raise truncated(path)


def truncated(path: Path) -> UserError:
    return UserError(
        f"{path} is cut short (truncated); it was left untouched: move it aside and run "
        "`srcquiz restore` to bring back a backup, or use --db."
    )


def corrupt(path: Path) -> UserError:
    return UserError(
        f"{path} is damaged or is not a srcquiz progress database; it was left untouched: "
        "move it aside and run `srcquiz restore` to bring back a backup, or use --db."
    )


def newer(path: Path, version: int) -> UserError:
    return UserError(
        f"{path} was written by a newer srcquiz (database version {version}, this one "
        f"knows up to {SCHEMA_VERSION}); upgrade srcquiz, or use another file with --db."
    )
