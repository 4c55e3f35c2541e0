"""Rolling daily backups and `srcquiz restore`: progress can always be brought back."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from srcquiz.cli import parser as cli
from srcquiz.errors import UserError
from srcquiz.progress import page_store
from srcquiz.progress.backup import (
    KEEP_DAILY,
    _read_copy,
    check_due,
    list_backups,
    open_with_backup,
)
from srcquiz.progress.schema import SCHEMA_VERSION
from srcquiz.progress.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "progress.sqlite3"


def add_reviews(path: Path, n: int, tag: str = "x", now: datetime = NOW) -> None:
    with open_with_backup(path, now=now) as store:
        for i in range(n):
            store.record_review(
                deck_id="d",
                card_key=f"{tag}{i}",
                reviewed_at=now,
                rating=3,
                verdict="right",
                score=1.0,
                answer=tag,
                duration_s=1,
                mode="review",
                session_id=None,
                state_before=None,
                state_after=None,
            )


def count(path: Path) -> int:
    if path.suffix == ".snapshot":  # a snapshot's header says how many it holds
        return _read_copy(path)[1]
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM review").fetchone()[0]
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blob_database(tmp_path: Path, rows: int) -> tuple[Path, Path, sqlite3.Connection]:
    """(an empty backups folder, a database `x` of `rows` random 3 KB blobs, about a
    page each, and a connection to change them)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    db = tmp_path / "x.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x BLOB)")
    conn.executemany("INSERT INTO t VALUES (randomblob(3000))", [()] * rows)
    conn.commit()
    return folder, db, conn

def test_one_copy_a_day_of_an_existing_database(db, home):
    add_reviews(db, 3)  # creates the file: nothing to back up yet
    assert not (home / "backups").exists()
    assert check_due(db, NOW)  # what the app asks before opening it in a thread
    add_reviews(db, 2)  # reopened: today's copy holds the 3 reviews from before
    assert not check_due(db, NOW) and check_due(db, NOW + timedelta(days=1))
    copies = sorted((home / "backups").iterdir())
    # A snapshot, and the page store that holds its pages.
    assert [p.name for p in copies] == ["progress-2026-03-02.snapshot", "progress.pages"]
    assert count(copies[0]) == 3
    add_reviews(db, 1)  # same day: no second copy, the first is not replaced
    assert sorted(p.name for p in (home / "backups").iterdir()) == [
        "progress-2026-03-02.snapshot",
        "progress.pages",
    ]
    assert count(copies[0]) == 3
    assert count(db) == 6


def test_keeps_the_last_seven_daily_copies(db, home):
    add_reviews(db, 1)
    folder = home / "backups"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "other-2026-01-01.sqlite3").write_text("another database's copy")
    for day in range(10):
        add_reviews(db, 1, tag=f"day{day}", now=NOW + timedelta(days=day))
    daily = sorted(p.name for p in folder.glob("progress-2*.snapshot"))
    assert len(daily) == KEEP_DAILY
    assert daily[0] == "progress-2026-03-05.snapshot"
    assert daily[-1] == "progress-2026-03-11.snapshot"
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "other-2026-01-01.sqlite3").exists()
    assert count(folder / "progress-2026-03-11.snapshot") == 10


def test_a_failed_backup_warns_but_studying_goes_on(db, home):
    add_reviews(db, 1)
    home.mkdir(parents=True, exist_ok=True)
    (home / "backups").write_text("a file where the backups folder should be")
    with open_with_backup(db, now=NOW) as store:
        assert len(store.warnings) == 1
        assert "could not back up" in store.warnings[0] and "still saved" in store.warnings[0]
        assert store.review_count() == 1


def test_restore_lists_backups(db, capsys):
    assert cli.main(["restore", "--db", str(db)]) == 0
    assert "no backups of" in capsys.readouterr().out
    add_reviews(db, 2)
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    add_reviews(db, 1, now=NOW + timedelta(days=2))
    assert cli.main(["restore", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"backups of {db} (newest first):"
    # Each copy is taken when the file is first opened that day, before new answers.
    assert out[1].split()[:2] == ["1", "progress-2026-03-04.snapshot"]
    assert out[1].endswith("3 reviews")
    assert out[2].split()[:2] == ["2", "progress-2026-03-03.snapshot"]
    assert out[2].endswith("2 reviews")
    assert [b.name for b in list_backups(db)] == [
        "progress-2026-03-04.snapshot",
        "progress-2026-03-03.snapshot",
    ]


def test_restore_brings_a_copy_back_and_saves_the_current_file_first(db, home, capsys):
    add_reviews(db, 2)
    add_reviews(db, 5, now=NOW + timedelta(days=1))  # backup of 2026-03-03 holds 2 reviews
    assert count(db) == 7
    assert cli.main(["restore", "--db", str(db), "2026-03-03"]) == 0
    out = capsys.readouterr().out
    assert f"restored progress-2026-03-03.snapshot into {db}." in out
    assert count(db) == 2
    safety = list((home / "backups").glob("progress-before-restore-*.sqlite3"))
    assert len(safety) == 1 and count(safety[0]) == 7
    assert str(safety[0]) in out
    with Store.open(db) as store:  # the restored file is a working database
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.review_count() == 2
    # And the restore can be undone the same way.
    assert cli.main(["restore", "--db", str(db), safety[0].name]) == 0
    assert count(db) == 7


def test_restore_by_number_over_a_damaged_file(db, home, capsys):
    add_reviews(db, 4)
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    data = bytearray(db.read_bytes())
    data[4096:8192] = os.urandom(4096)
    db.write_bytes(bytes(data))
    damaged = digest(db)
    assert cli.main(["restore", "--db", str(db), "1"]) == 0
    capsys.readouterr()
    assert count(db) == 4
    (saved,) = (home / "backups").glob("progress-before-restore-*.sqlite3")
    assert digest(saved) == damaged  # the damaged bytes are kept as they were


def test_restore_refuses_unknown_or_bad_backups(db, tmp_path, capsys):
    add_reviews(db, 1)
    assert cli.main(["restore", "--db", str(db), "2001-01-01"]) == 1
    assert "no backup called 2001-01-01" in capsys.readouterr().err
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    before = digest(db)
    assert cli.main(["restore", "--db", str(db), str(junk)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("srcquiz: cannot restore from that backup:") and err.count("\n") == 1
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("CREATE TABLE review (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="newer srcquiz"):
        from srcquiz.progress.backup import restore

        restore(db, newer)
    assert digest(db) == before


def test_restore_when_there_is_no_current_file(db, home, capsys):
    add_reviews(db, 3)
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    (backup,) = (home / "backups").glob("progress-2*.snapshot")
    moved = db.with_name("moved-aside.sqlite3")
    db.rename(moved)
    for suffix in ("-wal", "-shm"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            side.unlink()
    assert cli.main(["restore", "--db", str(db), backup.name]) == 0
    assert "saved as" not in capsys.readouterr().out
    assert count(db) == 3


# --- a clock that jumps: the order copies were made in decides, not their dates ------


def daily_names(home: Path) -> list[str]:
    folder = home / "backups"
    return sorted(p.name for p in folder.glob("progress-2*") if not p.name.startswith("."))


@pytest.mark.parametrize("made_by", ["this srcquiz", "an older srcquiz"])
def test_a_clock_that_ran_ahead_does_not_stop_the_backups(db, home, capsys, made_by):
    add_reviews(db, 1)
    ahead = NOW + timedelta(days=365)
    for day in range(KEEP_DAILY + 1):  # a week and a day a year ahead
        add_reviews(db, 1, tag=f"ahead{day}", now=ahead + timedelta(days=day))
    folder = home / "backups"
    if made_by == "an older srcquiz":  # plain copies without a sequence number in them
        for p in folder.glob("progress-2027-*.snapshot"):
            plain = p.with_suffix(".sqlite3")
            page_store.rebuild(p, plain)
            p.unlink()
            conn = sqlite3.connect(plain)
            conn.execute("DELETE FROM setting WHERE key = 'backup.sequence'")
            conn.commit()
            conn.close()
    # The clock is put right: every day's copy is kept, and listed as the newest.
    for day in range(1, 4):
        add_reviews(db, 1, tag=f"back{day}", now=NOW + timedelta(days=day))
        assert f"progress-2026-03-0{2 + day}.snapshot" in daily_names(home)
    assert len(daily_names(home)) == KEEP_DAILY
    assert [b.name for b in list_backups(db)[:3]] == [
        "progress-2026-03-05.snapshot",
        "progress-2026-03-04.snapshot",
        "progress-2026-03-03.snapshot",
    ]
    assert count(list_backups(db)[0].path) == 1 + KEEP_DAILY + 1 + 2
    assert cli.main(["restore", "--db", str(db), "1"]) == 0  # the newest copy, by number
    assert count(db) == 1 + KEEP_DAILY + 1 + 2
    capsys.readouterr()


def test_a_clock_set_back_to_a_day_with_a_copy_still_backs_up(db, home):
    for day in range(3):
        add_reviews(db, 1, tag=f"d{day}", now=NOW + timedelta(days=day))
    back = NOW + timedelta(days=1)  # the clock went back to a day that has a copy
    add_reviews(db, 1, tag="back", now=back)
    assert daily_names(home) == [
        "progress-2026-03-03-2.snapshot",
        "progress-2026-03-03.snapshot",
        "progress-2026-03-04.snapshot",
    ]
    newest = list_backups(db)[0]
    assert newest.name == "progress-2026-03-03-2.snapshot" and count(newest.path) == 3
    add_reviews(db, 1, tag="again", now=back)  # the same day again: no second copy
    assert len(daily_names(home)) == 3


def test_pruning_never_deletes_the_copy_just_made(db, home):
    add_reviews(db, 1)
    folder = home / "backups"
    folder.mkdir(parents=True)
    for day in range(KEEP_DAILY):  # hand-made copies, numbered far ahead
        copy = folder / f"progress-2030-01-0{day + 1}.sqlite3"
        shutil.copy(db, copy)
        conn = sqlite3.connect(copy)
        conn.execute("INSERT INTO setting VALUES ('backup.sequence', ?)", (str(1000 + day),))
        conn.commit()
        conn.close()
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    assert "progress-2026-03-03.snapshot" in daily_names(home)
    assert list_backups(db)[0].name == "progress-2026-03-03.snapshot"
    assert len(daily_names(home)) == KEEP_DAILY


def test_a_restored_database_does_not_carry_a_copy_number(db, home, capsys):
    add_reviews(db, 2)
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    assert cli.main(["restore", "--db", str(db), "2026-03-03"]) == 0
    capsys.readouterr()
    with Store.open(db) as store:
        assert store.get_setting("backup.sequence") is None
    (safety,) = (home / "backups").glob("progress-before-restore-*.sqlite3")
    assert [b.path for b in list_backups(db)][0] == safety  # the last copy made


# --- snapshots: what changed, checked page by page --------------------------------


def test_a_second_days_snapshot_stores_only_the_pages_that_changed(db, home):
    add_reviews(db, 300, tag="a")
    add_reviews(db, 1, tag="b", now=NOW + timedelta(days=1))
    store = home / "backups" / "progress.pages"
    first = sqlite3.connect(store).execute("SELECT count(*) FROM page").fetchone()[0]
    add_reviews(db, 1, tag="c", now=NOW + timedelta(days=2))
    second = sqlite3.connect(store).execute("SELECT count(*) FROM page").fetchone()[0]
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
    assert first < second < first + pages // 2


def test_a_damaged_page_is_refused_and_nothing_is_changed(db, home, capsys):
    add_reviews(db, 3)
    add_reviews(db, 1, now=NOW + timedelta(days=1))
    conn = sqlite3.connect(home / "backups" / "progress.pages")
    conn.execute("UPDATE page SET data = zeroblob(10) WHERE hash = (SELECT min(hash) FROM page)")
    conn.commit()
    conn.close()
    before = digest(db)
    assert cli.main(["restore", "--db", str(db), "2026-03-03"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("srcquiz: the backup ") and "damaged" in err and err.count("\n") == 1
    assert digest(db) == before
    assert not list((home / "backups").glob(".*"))  # no rebuilt file left behind


def test_pruning_drops_the_pages_only_old_snapshots_named(db, home):
    for day in range(KEEP_DAILY + 3):
        add_reviews(db, 20, tag=f"d{day}", now=NOW + timedelta(days=day))
    folder = home / "backups"
    snaps = sorted(folder.glob("progress-2*.snapshot"))
    assert len(snaps) == KEEP_DAILY
    named = set()
    for snap in snaps:
        body = snap.read_bytes().partition(b"\n")[2]
        named |= {body[i : i + 16] for i in range(0, len(body), 16)}
    conn = sqlite3.connect(folder / "progress.pages")
    stored = {h for (h,) in conn.execute("SELECT hash FROM page")}
    conn.close()
    assert stored == named
    # The oldest snapshot left still restores, with what it held.
    oldest = list_backups(db)[-1]
    assert cli.main(["restore", "--db", str(db), oldest.name]) == 0
    assert count(db) == oldest.reviews


def test_a_plain_copy_from_before_snapshots_still_restores(db, home, capsys):
    add_reviews(db, 2)
    folder = home / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, folder / "progress-2026-02-01.sqlite3")
    add_reviews(db, 5)
    assert cli.main(["restore", "--db", str(db), "2026-02-01"]) == 0
    assert count(db) == 2


# --- the app's snapshot, made after its first frame --------------------------------


def snapshots(home: Path) -> list[Path]:
    return sorted((home / "backups").glob("progress-2*.snapshot"))


def test_the_app_checks_on_open_and_snapshots_in_a_thread_joined_on_close(db, home):
    add_reviews(db, 3)
    store = open_with_backup(db, now=NOW, background=True)
    try:
        assert store.pending_backup is not None
        assert snapshots(home) == []  # nothing copied before the first screen
        store.set_setting("theme", "dark")  # studying goes on meanwhile
        store.pending_backup.start()
    finally:
        store.close()  # waits for the snapshot
    (snap,) = snapshots(home)
    assert count(snap) == 3 and store.pending_backup.warning is None
    assert cli.main(["restore", "--db", str(db), snap.name]) == 0
    with Store.open(db) as again:
        assert again.review_count() == 3 and again.get_setting("theme") == "dark"


def test_a_snapshot_never_started_is_made_by_the_days_next_open(db, home):
    add_reviews(db, 2)
    store = open_with_backup(db, now=NOW, background=True)
    assert store.pending_backup is not None
    store.close()  # the app stopped before its first frame
    assert snapshots(home) == []
    add_reviews(db, 1)  # the same day: its first copy is made now
    (snap,) = snapshots(home)
    assert count(snap) == 2


def test_a_background_snapshot_that_fails_warns_and_loses_nothing(db, home):
    add_reviews(db, 1)
    store = open_with_backup(db, now=NOW, background=True)
    home.mkdir(parents=True, exist_ok=True)
    home.joinpath("backups").write_text("a file where the backups folder should be")
    assert store.pending_backup is not None
    store.pending_backup.start()
    warning = store.pending_backup.join()
    assert warning is not None and "could not back up" in warning and "still saved" in warning
    assert store.review_count() == 1
    store.close()


KILL = """
import os, sys, zlib
from datetime import datetime
from pathlib import Path
from srcquiz.progress import backup, page_store

where = sys.argv[2]
if where == "storing pages":
    made = []
    real = zlib.compress
    def compress(data, level=-1):
        made.append(1)
        if len(made) == 3:
            os._exit(9)
        return real(data, level)
    zlib.compress = compress
elif where == "naming the snapshot":  # the pages are committed, the name not yet
    real_replace = os.replace
    def replace(src, dst):
        if str(dst).endswith(".snapshot"):
            os._exit(9)
        return real_replace(src, dst)
    os.replace = replace
elif where == "pruning":
    page_store.collect_garbage = lambda *a: os._exit(9)
store = backup.open_with_backup(Path(sys.argv[1]), now=datetime.fromisoformat(sys.argv[3]),
                                background=True)
store.pending_backup.start()
store.close()
"""


@pytest.mark.parametrize("where", ["storing pages", "naming the snapshot", "pruning"])
def test_a_snapshot_killed_midway_leaves_the_copies_before_it_whole(db, home, where):
    import subprocess
    import sys

    for day in range(KEEP_DAILY + 1):
        add_reviews(db, 30, tag=f"d{day}", now=NOW + timedelta(days=day))
    before = {p.name: count(p) for p in snapshots(home)}
    assert len(before) == KEEP_DAILY
    add_reviews(db, 30, tag="later", now=NOW + timedelta(days=KEEP_DAILY))  # same day: no copy
    killed_on = NOW + timedelta(days=KEEP_DAILY + 1)
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[2])}
    run = subprocess.run(
        [sys.executable, "-c", KILL, str(db), where, killed_on.isoformat()], env=env, check=False
    )
    assert run.returncode == 9
    left = {p.name: count(p) for p in snapshots(home)}
    if where == "naming the snapshot":  # killed after the store took today's pages
        assert stored_hashes(home) > named_hashes(home)
    if where == "pruning":  # today's copy was made, and only the oldest went
        assert len(left) == KEEP_DAILY
    else:
        assert left == before
    for name in left:  # every copy still rebuilds and passes its checks
        page_store.rebuild(home / "backups" / name, home / "rebuilt.sqlite3")
        assert count(home / "rebuilt.sqlite3") == left[name]
        (home / "rebuilt.sqlite3").unlink()
    # The day's next open makes the copy; the store then holds just the pages named.
    add_reviews(db, 1, tag="after", now=killed_on)
    add_reviews(db, 1, tag="next", now=killed_on + timedelta(days=1))
    assert count(snapshots(home)[-1]) == count(db) - 1
    assert stored_hashes(home) == named_hashes(home)


def named_hashes(home: Path) -> set[bytes]:
    named = set()
    for snap in snapshots(home):
        body = snap.read_bytes().partition(b"\n")[2]
        named |= {body[i : i + 16] for i in range(0, len(body), 16)}
    return named


def stored_hashes(home: Path) -> set[bytes]:
    conn = sqlite3.connect(home / "backups" / "progress.pages")
    try:
        return {h for (h,) in conn.execute("SELECT hash FROM page")}
    finally:
        conn.close()


def test_old_temp_files_of_killed_copies_are_removed(db, home):
    add_reviews(db, 1)
    folder = home / "backups"
    folder.mkdir(parents=True)
    names = [
        ".progress-2026-03-01.snapshot.copy",
        "..progress-2026-03-01.snapshot.copy.tmp",
        ".progress-2026-03-01.snapshot.tmp",
    ]
    for name in names:
        (folder / name).write_text("left by a killed copy")
    (folder / ".progress-2026-03-02.snapshot.copy").write_text("another terminal's, in the making")
    old = NOW.timestamp() - 2 * 3600
    for name in names:
        os.utime(folder / name, (old, old))
    add_reviews(db, 1, now=datetime.now(UTC))
    assert sorted(p.name for p in folder.glob(".*")) == [".progress-2026-03-02.snapshot.copy"]


# --- the page store stays bounded without rewriting itself every day ---------------


def test_freed_pages_are_reused_and_the_store_vacuumed_only_when_a_quarter_is_free(
    tmp_path, monkeypatch
):
    statements: list[str] = []
    real_open = page_store._open_store

    def traced(path: Path) -> sqlite3.Connection:
        conn = real_open(path)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(page_store, "_open_store", traced)
    folder, db, conn = blob_database(tmp_path, 300)
    store = page_store.store_path(folder, "x")
    made: list[Path] = []
    sizes = []
    for day in range(KEEP_DAILY + 8):  # a tenth of the pages changes each day
        conn.execute("UPDATE t SET x = randomblob(3000) WHERE rowid % 10 = ?", (day % 10,))
        conn.commit()
        made.append(folder / f"x-{day:02d}.snapshot")
        page_store.save(db, made[-1], {"stem": "x"})
        for old in made[:-KEEP_DAILY]:
            old.unlink(missing_ok=True)
        page_store.collect_garbage(folder, "x", lambda: made[-KEEP_DAILY:])
        sizes.append(store.stat().st_size)
        check = sqlite3.connect(store)
        assert page_store.wasted_share(check) <= page_store.VACUUM_WASTE_SHARE
        stored = {h for (h,) in check.execute("SELECT hash FROM page")}
        check.close()
        named = set()
        for snap in made[-KEEP_DAILY:]:
            body = snap.read_bytes().partition(b"\n")[2]
            named |= {body[i : i + 16] for i in range(0, len(body), 16)}
        assert stored == named
    conn.close()
    # The room pages left is reused: the store was rewritten whole on a few days only.
    vacuums = sum(s.strip().upper() == "VACUUM" for s in statements)
    assert vacuums <= 3
    # Every snapshot gone: the whole store is free, so it is vacuumed down.
    for snap in made:
        snap.unlink(missing_ok=True)
    page_store.collect_garbage(folder, "x", list)
    assert "VACUUM" in statements and store.stat().st_size < sizes[-1] // 4


def test_a_page_store_from_before_still_restores_and_takes_new_snapshots(db, home, capsys):
    """Snapshots made before named pages by BLAKE2b in a store ordered by hash (WITHOUT
    ROWID); both still read, and the next day's snapshot goes into the same store."""
    import json
    import zlib

    add_reviews(db, 4)
    folder = home / "backups"
    folder.mkdir(parents=True)
    data = db.read_bytes()
    pages = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    hashes = [hashlib.blake2b(p, digest_size=16).digest() for p in pages]
    conn = sqlite3.connect(folder / "progress.pages")
    conn.execute("PRAGMA page_size = 65536")
    conn.execute("CREATE TABLE page (hash BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
    conn.executemany(
        "INSERT OR IGNORE INTO page VALUES (?, ?)",
        [(h, zlib.compress(p, 1)) for h, p in zip(hashes, pages, strict=True)],
    )
    conn.commit()
    conn.close()
    header = {"stem": "progress", "sequence": 1, "reviews": 4, "version": SCHEMA_VERSION}
    header |= {"magic": page_store.MAGIC, "page_size": 4096, "pages": len(pages)}
    old = folder / "progress-2026-03-01.snapshot"
    old.write_bytes(json.dumps(header).encode() + b"\n" + b"".join(hashes))
    add_reviews(db, 2, now=NOW)  # today's snapshot, into the old store
    assert page_store.read_meta(folder / "progress-2026-03-02.snapshot")["digest"] == "sha256/16"
    for name, reviews in (("progress-2026-03-01.snapshot", 4), ("progress-2026-03-02.snapshot", 4)):
        assert cli.main(["restore", "--db", str(db), name]) == 0
        assert count(db) == reviews
    capsys.readouterr()


def test_pages_stored_by_another_terminal_survive_its_garbage_collection(tmp_path, monkeypatch):
    """Two terminals back up on the same day: one prunes while the other has stored
    its pages but not yet put its snapshot in place. The pending snapshot names them,
    so the pruning keeps them and the new snapshot restores."""
    folder, db, conn = blob_database(tmp_path, 50)
    conn.close()
    dest = folder / "x-2026-03-02.snapshot"
    rename = os.replace

    def other_terminal_prunes_first(src, dst):  # between the commit and the rename
        page_store.collect_garbage(folder, "x", list)  # it sees no finished snapshot
        rename(src, dst)

    monkeypatch.setattr(page_store.os, "replace", other_terminal_prunes_first)
    page_store.save(db, dest, {"stem": "x"})
    monkeypatch.setattr(page_store.os, "replace", rename)
    page_store.rebuild(dest, tmp_path / "back.sqlite3")
    assert (tmp_path / "back.sqlite3").read_bytes() == db.read_bytes()


def test_two_terminals_making_the_days_snapshot_at_once(db, home, monkeypatch):
    """Both terminals open the database on the day's first open, both find no copy of
    today and make one: each writes its own scratch copy and pending snapshot, so
    neither deletes or overwrites the other's (a shared temp name made one of them
    fail with "database is locked"), and both copies restore."""
    from srcquiz.progress import backup

    add_reviews(db, 3)
    save = page_store.save
    other: list[str | None] = []

    def other_terminal_copies_first(copy, dest, meta):  # this one's copy made, not stored
        monkeypatch.setattr(page_store, "save", save)

        def elsewhere() -> None:  # another terminal: its own thread, as its own process
            with Store.open(db) as store:
                other.append(backup.daily_backup(store, now=NOW + timedelta(days=1)))

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert copy.exists()
        save(copy, dest, meta)

    monkeypatch.setattr(page_store, "save", other_terminal_copies_first)
    with Store.open(db) as store:
        assert backup.daily_backup(store, now=NOW + timedelta(days=1)) is None
    assert other == [None]
    snaps = sorted((home / "backups").glob("*.snapshot"))
    assert snaps and all(count(s) == 3 for s in snaps)
    for snap in snaps:
        page_store.rebuild(snap, home / "back.sqlite3")
        assert count(home / "back.sqlite3") == 3
        (home / "back.sqlite3").unlink()
    assert not [p for p in (home / "backups").iterdir() if p.name.startswith(".")]
