"""Daily backups that cost what changed: each copy is a snapshot listing its pages by
hash, and the pages themselves live once, compressed, in one page store per database.

A day of study changes a few hundred of a big database's pages, so seven snapshots
take little more than one compressed copy. A snapshot is written after its pages are
committed to the store (temp file + rename), so it never names a page the store lacks;
pruning deletes snapshots first and only then the pages no snapshot names. Every page
is checked against its hash when a snapshot is rebuilt, and the rebuilt file gets
SQLite's own check before anything uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAGIC = "srcquiz-snapshot 1"
SUFFIX = ".snapshot"
HASH_BYTES = 16


def store_path(folder: Path, stem: str) -> Path:
    """The page store of the database `stem` (not a name any backup pattern matches)."""
    return folder / f"{stem}.pages"


def _digest(page: bytes) -> bytes:
    return hashlib.blake2b(page, digest_size=HASH_BYTES).digest()


def _open_store(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    # Big pages hold many compressed pages each: at SQLite's default 4 KiB, every
    # stored page (2-4 KiB) would spill into an overflow page of its own, half empty.
    conn.execute("PRAGMA page_size = 65536")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS page (hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"
    )
    return conn


def _pages(path: Path, page_size: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        while page := f.read(page_size):
            yield page


def save(copy: Path, dest: Path, meta: dict[str, Any]) -> None:
    """Write the consistent database file `copy` as the snapshot `dest`: its new pages
    into the page store beside `dest` (one transaction), then `dest` atomically."""
    check = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        page_size = int(check.execute("PRAGMA page_size").fetchone()[0])
    finally:
        check.close()
    conn = _open_store(store_path(dest.parent, meta["stem"]))
    hashes: list[bytes] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        have = {h for (h,) in conn.execute("SELECT hash FROM page")}

        def new_pages() -> Iterator[tuple[bytes, bytes]]:
            for page in _pages(copy, page_size):
                h = _digest(page)
                hashes.append(h)
                if h not in have:
                    have.add(h)
                    yield h, zlib.compress(page, 1)  # level 1: most of 6's gain, far faster

        conn.executemany("INSERT INTO page VALUES (?, ?)", new_pages())
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    header = {**meta, "magic": MAGIC, "page_size": page_size, "pages": len(hashes)}
    tmp = dest.with_name(f".{dest.name}.tmp")
    with tmp.open("wb") as f:
        f.write(json.dumps(header).encode() + b"\n" + b"".join(hashes))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, dest)


def read_meta(snapshot: Path) -> dict[str, Any]:
    """The snapshot's header (sequence, reviews, version...); ValueError if it is not one."""
    with snapshot.open("rb") as f:
        line = f.readline(4096)
    meta = json.loads(line)
    if not isinstance(meta, dict) or meta.get("magic") != MAGIC:
        raise ValueError(f"{snapshot} is not a srcquiz snapshot")
    return meta


def _hashes(snapshot: Path) -> tuple[dict[str, Any], list[bytes]]:
    data = snapshot.read_bytes()
    head, _, body = data.partition(b"\n")
    meta = json.loads(head)
    if meta.get("magic") != MAGIC or len(body) != meta["pages"] * HASH_BYTES:
        raise ValueError(f"{snapshot} is cut short or not a srcquiz snapshot")
    return meta, [body[i : i + HASH_BYTES] for i in range(0, len(body), HASH_BYTES)]


def rebuild(snapshot: Path, out: Path) -> None:
    """Write the database the snapshot names to `out`, checking every page's hash and
    then the whole file; ValueError when anything is missing or damaged."""
    meta, hashes = _hashes(snapshot)
    store = store_path(snapshot.parent, meta["stem"])
    if not store.is_file():
        raise ValueError(f"the page store {store} is missing")
    conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with out.open("wb") as f:
            for h in hashes:
                row = conn.execute("SELECT data FROM page WHERE hash = ?", (h,)).fetchone()
                if row is None:
                    raise ValueError(f"a page of {snapshot.name} is missing from {store.name}")
                page = zlib.decompress(row[0])
                if _digest(page) != h:
                    raise ValueError(f"a page of {snapshot.name} is damaged in {store.name}")
                f.write(page)
            f.flush()
            os.fsync(f.fileno())
    except (sqlite3.Error, zlib.error) as exc:
        raise ValueError(f"the page store {store} cannot be read ({exc})") from None
    finally:
        conn.close()
    check = sqlite3.connect(f"{out.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        if [r[0] for r in check.execute("PRAGMA quick_check").fetchall()] != ["ok"]:
            raise ValueError(f"the database rebuilt from {snapshot.name} fails its check")
    except sqlite3.Error as exc:
        raise ValueError(f"the database rebuilt from {snapshot.name} is damaged ({exc})") from None
    finally:
        check.close()


def collect_garbage(folder: Path, stem: str, snapshots: list[Path]) -> None:
    """Delete the pages none of `snapshots` (every snapshot of `stem` left) names."""
    store = store_path(folder, stem)
    if not store.is_file():
        return
    keep: set[bytes] = set()
    for snap in snapshots:
        try:
            keep.update(_hashes(snap)[1])
        except (OSError, ValueError):
            return  # a snapshot that cannot be read: keep every page rather than guess
    conn = _open_store(store)
    try:
        conn.execute("BEGIN IMMEDIATE")
        gone = [(h,) for (h,) in conn.execute("SELECT hash FROM page") if h not in keep]
        conn.executemany("DELETE FROM page WHERE hash = ?", gone)
        conn.execute("COMMIT")
        if gone:
            conn.execute("VACUUM")
    finally:
        conn.close()
