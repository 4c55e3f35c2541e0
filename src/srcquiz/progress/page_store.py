"""Daily backups that cost what changed: each copy is a snapshot listing its pages by
hash, and the pages themselves live once, compressed, in one page store per database.

A day of study changes a few hundred of a big database's pages, so seven snapshots
take little more than one compressed copy. A snapshot is written after its pages are
committed to the store (temp file + rename), so it never names a page the store lacks;
pruning deletes snapshots first and only then the pages no snapshot names. Every page
is checked against its hash when a snapshot is rebuilt, and the rebuilt file gets
SQLite's own check before anything uses it.

What a day costs is what changed, not the database's size: pages are keyed by
SHA-256 (the CPU's SHA instructions make it about twice as fast as BLAKE2b, which
snapshots from before name in their header), the store is a rowid table, so a
day's new pages are appended rather than spliced into a B-tree ordered by hash
(each 64 KiB page rewritten and journaled for one 3 KiB insert), and pruning lets
SQLite reuse the freed pages instead of a VACUUM that rewrites the whole store
every day: it vacuums only once a quarter of the file holds no page (free pages,
and the gaps deleted rows leave in pages still in use).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from srcquiz.digests import blake2b

MAGIC = "srcquiz-snapshot 1"
SUFFIX = ".snapshot"
HASH_BYTES = 16
DIGEST = "sha256/16"  # what a snapshot's hashes are; none in its header: blake2b/16
VACUUM_WASTE_SHARE = 0.25  # vacuum the store once this share of its file holds no page
ROW_BYTES = 48  # a stored page's bytes besides its data: hash, its index entry, headers


def store_path(folder: Path, stem: str) -> Path:
    """The page store of the database `stem` (not a name any backup pattern matches)."""
    return folder / f"{stem}.pages"


def _sha256_16() -> Callable[[bytes | memoryview], bytes]:
    """`DIGEST`, the hash new snapshots are made with. hashlib is imported when a
    snapshot is made or read, never on an ordinary start-up (`srcquiz.digests`)."""
    import hashlib

    sha256 = hashlib.sha256
    return lambda page: sha256(page).digest()[:HASH_BYTES]


def _blake2b(page: bytes) -> bytes:
    return blake2b(page, digest_size=HASH_BYTES).digest()


def _digest_of(meta: dict[str, Any]) -> Callable[[bytes], bytes]:
    """The function that made the snapshot's hashes (ValueError for one unknown here)."""
    name = meta.get("digest", "blake2b/16")
    if name == DIGEST:
        return _sha256_16()
    if name == "blake2b/16":
        return _blake2b
    raise ValueError(f"unknown page digest {name!r}")


def _open_store(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    # Big pages hold many compressed pages each: at SQLite's default 4 KiB, every
    # stored page (2-4 KiB) would spill into an overflow page of its own, half empty.
    conn.execute("PRAGMA page_size = 65536")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    # A rowid table: new pages go at its end. (A store made before was WITHOUT ROWID,
    # ordered by hash; it keeps working, only slower.)
    conn.execute("CREATE TABLE IF NOT EXISTS page (hash BLOB PRIMARY KEY, data BLOB NOT NULL)")
    return conn


def _pages(path: Path, page_size: int) -> Iterator[memoryview]:
    """The file's pages, read a few hundred at a time (one read a page is a
    system call and a copy each)."""
    with path.open("rb") as f:
        while chunk := f.read(page_size * 256):
            view = memoryview(chunk)
            for at in range(0, len(view), page_size):
                yield view[at : at + page_size]


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
    digest = _sha256_16()
    try:
        conn.execute("BEGIN IMMEDIATE")
        have = {h for (h,) in conn.execute("SELECT hash FROM page")}

        def new_pages() -> Iterator[tuple[bytes, bytes]]:
            for page in _pages(copy, page_size):
                h = digest(page)
                hashes.append(h)
                if h not in have:
                    have.add(h)
                    yield h, zlib.compress(page, 1)  # level 1: most of 6's gain, far faster

        conn.executemany("INSERT INTO page (hash, data) VALUES (?, ?)", new_pages())
        header = {**meta, "magic": MAGIC, "digest": DIGEST, "page_size": page_size}
        header["pages"] = len(hashes)
        # Written before the commit, under the store's lock: from the commit until
        # the rename a pending snapshot names the pages (`collect_garbage` in another
        # process keeps them), so no window exists where they are stored but unnamed.
        tmp = _pending(dest)
        with tmp.open("wb") as f:
            f.write(json.dumps(header).encode() + b"\n" + b"".join(hashes))
            f.flush()
            os.fsync(f.fileno())
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        with contextlib.suppress(OSError):
            _pending(dest).unlink()
        raise
    finally:
        conn.close()
    os.replace(tmp, dest)


def _pending(dest: Path) -> Path:
    """Where the snapshot `dest` is written before it is renamed into place: a name of
    this process's and thread's own (another terminal may be making today's too)."""
    return dest.with_name(f".{dest.name}.{os.getpid()}-{threading.get_ident()}.tmp")


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
    digest = _digest_of(meta)
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
                if digest(page) != h:
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


def collect_garbage(folder: Path, stem: str, snapshots: Callable[[], Iterable[Path]]) -> None:
    """Delete the pages no snapshot of `stem` names: those `snapshots()` lists (every
    snapshot left) and those another process is writing.

    The snapshots are listed under the store's write lock: a snapshot another
    terminal made a moment ago is seen, and one being made is either not committed
    yet (its pages wait for the lock) or pending beside its final name (`save`).
    The space freed is reused by the next days' pages; the store is vacuumed only
    when a quarter of its file holds nothing (`wasted_share`), so the file stays
    within a third more than what the snapshots need, and a day costs no rewrite of
    the whole store."""
    store = store_path(folder, stem)
    if not store.is_file():
        return
    conn = _open_store(store)
    try:
        conn.execute("BEGIN IMMEDIATE")
        pending = folder.glob(f".{glob.escape(stem)}-*{SUFFIX}.*.tmp")
        keep: set[bytes] = set()
        for snap in [*snapshots(), *pending]:
            try:
                keep.update(_hashes(snap)[1])
            except FileNotFoundError:
                continue  # renamed or swept since it was listed: its final name is listed
            except (OSError, ValueError):
                conn.execute("ROLLBACK")
                return  # a snapshot that cannot be read: keep every page rather than guess
        gone = [(h,) for (h,) in conn.execute("SELECT hash FROM page") if h not in keep]
        conn.executemany("DELETE FROM page WHERE hash = ?", gone)
        conn.execute("COMMIT")
        if gone and wasted_share(conn) > VACUUM_WASTE_SHARE:
            conn.execute("VACUUM")
    finally:
        conn.close()


def wasted_share(conn: sqlite3.Connection) -> float:
    """The share of the page store's file that holds no stored page: its free pages,
    and the room rows deleted from pages still in use left (SQLite merges a B-tree
    page with its neighbours only below a third full, so that room can be most of
    the file when deletions are scattered)."""
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    size = page_size * int(conn.execute("PRAGMA page_count").fetchone()[0])
    (live,) = conn.execute(
        f"SELECT coalesce(sum(length(data)), 0) + {ROW_BYTES} * count(*) FROM page"
    ).fetchone()
    return 1 - int(live) / size if size else 0.0
