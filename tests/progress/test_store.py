"""The progress store: durable, shared between terminals, and never destructive."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hang_guard import fails_if_it_blocks

from srcquiz.cli import parser as cli
from srcquiz.errors import UserError
from srcquiz.progress import page_store
from srcquiz.progress.backup import open_with_backup
from srcquiz.progress.card_state import CardState
from srcquiz.progress.rows import MAX_ANSWER_CHARS, MAX_DURATION_S
from srcquiz.progress.schema import SCHEMA_VERSION
from srcquiz.progress.store import Store
from srcquiz.study.scheduler import Rating, Settings, review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"
SRC = Path(__file__).resolve().parent.parent.parent / "src"


def log(store, key="k1", deck="d", at=NOW, rating=Rating.GOOD, state_after=True, **kw):
    before = store.card_state(deck, key)
    after = review(before, rating, at, Settings(fuzz=False)) if state_after else None
    fields = dict(
        deck_id=deck,
        card_key=key,
        reviewed_at=at,
        rating=int(rating),
        verdict="wrong" if rating == Rating.AGAIN else "right",
        score=0.0 if rating == Rating.AGAIN else 1.0,
        answer="typed",
        duration_s=2.5,
        mode="review",
        session_id=None,
        state_before=before,
        state_after=after,
    )
    fields.update(kw)
    return store.record_review(**fields)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- opening and the schema -----------------------------------------------------


def test_new_database_is_created_in_wal_mode_at_the_current_version(tmp_path):
    path = tmp_path / "sub" / "progress.sqlite3"
    with Store.open(path) as store:
        assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert path.is_file()


def test_settings_round_trip(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert store.get_setting("theme") is None
        assert store.get_setting("theme", "dark") == "dark"
        store.set_setting("theme", "light")
        store.set_setting("theme", "nord")
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert store.get_setting("theme") == "nord"


def test_a_review_is_committed_when_record_returns(tmp_path):
    path = tmp_path / "p.sqlite3"
    store = Store.open(path)
    review_id = log(store, answer="SIGHPU")
    # Another connection (another process, or the same one after a crash) sees it now.
    other = sqlite3.connect(path)
    row = other.execute(
        "SELECT card_key, answer, rating, mode FROM review WHERE id = ?", (review_id,)
    )
    assert row.fetchone() == ("k1", "SIGHPU", 3, "review")
    assert other.execute("SELECT count(*) FROM card").fetchone()[0] == 1
    other.close()
    store.close()


def test_review_row_keeps_everything_the_log_promises(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        first = log(store, rating=Rating.GOOD)
        second = log(store, at=NOW + timedelta(minutes=20), rating=Rating.AGAIN, hint_used=True)
        rows = store.reviews("d", "k1")
        assert [r.id for r in rows] == [first, second]
        r = rows[1]
        assert (r.deck_id, r.card_key, r.rating, r.verdict, r.mode) == (
            "d",
            "k1",
            1,
            "wrong",
            "review",
        )
        assert r.reviewed_at == NOW + timedelta(minutes=20)
        assert r.duration_ms == 2500 and r.hint_used
        assert rows[0].state_before is None  # it was new
        assert r.state_before is not None and r.state_before.last_review == NOW


def test_the_log_bounds_what_one_answer_stores(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        log(store, key="long", answer="é" * 10_000, duration_s=365 * 24 * 3600.0)
        log(store, key="odd", answer="short", duration_s=float("inf"))
        log(store, key="none", answer="", duration_s=float("nan"))
        long, odd, none = store.reviews("d")
    assert len(long.answer) == MAX_ANSWER_CHARS
    assert long.answer.endswith(" … [cut: 10000 characters]") and long.answer.startswith("éé")
    assert (odd.answer, none.answer) == ("short", "")
    assert [r.duration_ms for r in (long, odd, none)] == [MAX_DURATION_S * 1000] * 2 + [0]


def test_update_review_changes_rating_and_state(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        rid = log(store, rating=Rating.AGAIN)
        easy = review(None, Rating.EASY, NOW, Settings(fuzz=False))
        store.update_review(rid, int(Rating.EASY), easy)
        assert store.review(rid).rating == 4
        assert store.card_state("d", "k1") == easy


def test_due_cards_in_due_order_lazily_and_per_deck(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        for i, days in enumerate([3, -2, 1, -5, 0]):
            state = CardState(due=NOW + timedelta(days=days), state=2, step=None)
            store.record_review(
                deck_id="a" if i % 2 else "b",
                card_key=f"k{i}",
                reviewed_at=NOW - timedelta(days=10),
                rating=3,
                verdict="right",
                score=1.0,
                answer="",
                duration_s=1,
                mode="review",
                session_id=None,
                state_before=None,
                state_after=state,
            )
        due = list(store.due_cards(["a", "b"], NOW))
        assert [(d, k) for d, k, _ in due] == [("a", "k3"), ("a", "k1"), ("b", "k4")]
        assert [k for _, k, _ in store.due_cards(["b"], NOW)] == ["k4"]
        later = [k for _, k, _ in store.due_cards(["a", "b"], NOW + timedelta(days=4))]
        assert later == ["k3", "k1", "k4", "k2", "k0"]
        assert list(store.due_cards([], NOW)) == []
        assert store.known_keys("a", ["k1", "k3", "new"]) == {"k1", "k3"}


def test_cram_reviews_do_not_touch_card_state(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        log(store, state_after=False, mode="cram")
        assert store.card_state("d", "k1") is None
        assert store.review_count(["d"]) == 1


# --- migrations -----------------------------------------------------------------

# The schema as version 1 shipped it (kept here verbatim: migrations must keep
# reading databases written by it).
V1_SCHEMA = """
CREATE TABLE card (
    deck_id TEXT NOT NULL, card_key TEXT NOT NULL, state INTEGER NOT NULL, step INTEGER,
    stability REAL, difficulty REAL, due REAL NOT NULL, last_review REAL,
    PRIMARY KEY (deck_id, card_key)
) WITHOUT ROWID;
CREATE INDEX card_due ON card (due);
CREATE INDEX card_deck_due ON card (deck_id, due);
CREATE TABLE review (
    id INTEGER PRIMARY KEY, deck_id TEXT NOT NULL, card_key TEXT NOT NULL,
    reviewed_at REAL NOT NULL, rating INTEGER NOT NULL, verdict TEXT NOT NULL,
    score REAL NOT NULL, answer TEXT NOT NULL, duration_ms INTEGER NOT NULL,
    mode TEXT NOT NULL, state_before TEXT
);
CREATE INDEX review_card ON review (deck_id, card_key, reviewed_at);
CREATE INDEX review_time ON review (reviewed_at);
CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    due = (NOW + timedelta(days=3)).timestamp()
    conn.execute(
        "INSERT INTO card VALUES ('engine-kinds', 'thread-count', 2, NULL, 12.5, 5.1, ?, ?)",
        (due, NOW.timestamp()),
    )
    conn.execute(
        "INSERT INTO review (deck_id, card_key, reviewed_at, rating, verdict, score, answer, "
        "duration_ms, mode, state_before) VALUES "
        "('engine-kinds', 'thread-count', ?, 3, 'right', 1.0, '16', 4000, 'review', NULL)",
        (NOW.timestamp(),),
    )
    conn.execute("INSERT INTO setting VALUES ('theme', 'dark')")
    conn.commit()
    conn.close()


def test_migrates_a_version_1_database_and_keeps_its_data(tmp_path, home):
    path = tmp_path / "progress.sqlite3"
    make_v1(path)
    with open_with_backup(path, now=NOW) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        state = store.card_state("engine-kinds", "thread-count")
        assert state is not None and state.stability == 12.5 and state.state == 2
        assert state.due == NOW + timedelta(days=3)
        old = store.reviews("engine-kinds")
        assert [(r.answer, r.duration_ms, r.session_id, r.hint_used) for r in old] == [
            ("16", 4000, None, False)
        ]
        assert store.get_setting("theme") == "dark"
        # The new parts work on the migrated file.
        sid = store.start_session("review", ["engine-kinds"], NOW)
        log(store, deck="engine-kinds", key="ratio", session_id=sid, rating=Rating.AGAIN)
        assert store.last_session_missed(["engine-kinds"]) == [("engine-kinds", "ratio")]
    # A copy of the version-1 file was kept before migrating.
    backups = list((home / "backups").glob("progress-*.snapshot"))
    assert len(backups) == 1
    assert page_store.read_meta(backups[0])["version"] == 1


def test_the_copy_before_a_migration_is_made_on_open_even_by_the_app(tmp_path, home):
    path = tmp_path / "progress.sqlite3"
    make_v1(path)
    # The app leaves the day's copy for after its first frame, but not this one: the
    # migration writes as soon as the file is open.
    with open_with_backup(path, now=NOW, background=True) as store:
        assert store.pending_backup is None
        (backup,) = (home / "backups").glob("progress-*.snapshot")
        assert page_store.read_meta(backup)["version"] == 1
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migration_is_idempotent_across_reopen(tmp_path):
    path = tmp_path / "p.sqlite3"
    make_v1(path)
    Store.open(path).close()
    with Store.open(path) as store:
        assert store.review_count() == 1


# --- broken files: one sentence, non-zero exit, file untouched --------------------


@pytest.fixture
def db(tmp_path) -> Path:
    """A database path in a folder of its own (so nothing else appears beside it)."""
    (tmp_path / "db").mkdir()
    return tmp_path / "db" / "progress.sqlite3"


def run_cli(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(path: Path, capsys, *words: str) -> None:
    before = digest(path)
    siblings = sorted(p.name for p in path.parent.iterdir())
    for background in (False, True):  # as commands, and as the app and --plain open it
        with pytest.raises(UserError) as info:
            open_with_backup(path, background=background)
    message = str(info.value)
    assert str(path) in message
    for w in words:
        assert w in message
    code, out, err = run_cli(["stats", "--decks", str(FIXTURE), "--db", str(path)], capsys)
    assert code != 0
    assert err.strip() == f"srcquiz: {message}"
    assert "Traceback" not in err and out == ""
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == siblings


def test_a_file_that_is_not_sqlite(db, capsys):
    path = db
    path.write_text("these are my notes, not a database\n" * 50)
    assert_refused(path, capsys, "not an SQLite database", "untouched")


def make_filled(path: Path, reviews: int = 400) -> None:
    with Store.open(path) as store:
        for i in range(reviews):
            log(store, key=f"k{i % 50}", at=NOW + timedelta(minutes=i), answer="x" * 200)


def test_a_truncated_database(db, capsys):
    path = db
    make_filled(path)
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, capsys, "cut short")


def test_a_database_cut_inside_its_header(db, capsys):
    path = db
    make_filled(path, 5)
    path.write_bytes(path.read_bytes()[:60])
    assert_refused(path, capsys, "cut short")


def test_an_empty_file(db, capsys):
    path = db
    path.touch()
    assert_refused(path, capsys, "empty")


def test_a_corrupt_database(db, capsys, home):
    path = db
    make_filled(path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 4 * page] = os.urandom(2 * page)  # scribble over two b-tree pages
    path.write_bytes(bytes(data))
    assert_refused(path, capsys, "damaged", "srcquiz restore")
    assert not list((home / "backups").glob("progress-*"))  # no damaged copy rotated in


def test_a_database_from_a_newer_srcquiz(db, capsys):
    path = db
    make_filled(path, 3)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    assert_refused(path, capsys, "newer srcquiz", "upgrade")


def test_another_programs_sqlite_database(db, capsys):
    path = db.with_name("browser.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.commit()
    conn.close()
    assert_refused(path, capsys, "another program")


def test_a_folder_given_as_the_database(tmp_path, capsys):
    path = tmp_path / "folder"
    path.mkdir()
    with pytest.raises(UserError, match="is a folder"):
        Store.open(path)
    code, _, err = run_cli(["stats", "--decks", str(FIXTURE), "--db", str(path)], capsys)
    assert code != 0 and err.startswith("srcquiz: ") and "folder" in err


@contextlib.contextmanager
def read_only(folder: Path):
    """Make `folder` read-only for this process, even as root (immutable attribute)."""
    folder.chmod(0o555)
    immutable = False
    if not os.access(folder, os.W_OK):
        pass
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        immutable = True
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("cannot make a folder read-only here (root without chattr)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def stats_json(path: Path, capsys) -> dict:
    argv = ["stats", "--decks", str(FIXTURE), "--db", str(path), "--json"]
    code, out, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def test_an_existing_database_in_a_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "progress.sqlite3"
    make_filled(path, 3)
    before = digest(path)
    with read_only(folder):
        with pytest.raises(UserError, match="read-only") as info:
            Store.open(path)  # studying needs to write
        assert str(path) in str(info.value)
        # ...but `stats` only reads, and reads it.
        assert stats_json(path, capsys)["today"]["reviews"] == 0
        assert [p.name for p in folder.iterdir()] == ["progress.sqlite3"]
    assert digest(path) == before


@contextlib.contextmanager
def immutable(path: Path):
    """Make the file `path` unwritable even for root (chattr +i), or skip."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file immutable here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_stats_reads_a_read_only_database_and_leaves_nothing_beside_it(db, capsys, home):
    with Store.open(db) as store:
        log(store, deck="engine-kinds", key="thread-count")
    before = digest(db)
    with immutable(db):
        with pytest.raises(UserError, match="read-only"):
            Store.open(db)
        data = stats_json(db, capsys)
        assert data["decks"][0]["reviews"] == 1
        assert [p.name for p in db.parent.iterdir()] == [db.name]  # no -wal, no -shm
    assert digest(db) == before
    assert not (home / "backups").exists()  # a read is no reason for a backup


def test_stats_on_a_writable_database_changes_nothing(db, capsys, home):
    make_filled(db, 3)
    Store.open(db).close()
    before = digest(db)
    stats_json(db, capsys)
    assert digest(db) == before
    assert [p.name for p in db.parent.iterdir()] == [db.name]
    assert not (home / "backups").exists()


def test_stats_neither_backs_up_nor_migrates_an_older_database(db, capsys, home):
    make_v1(db)
    before = digest(db)
    code, out, err = run_cli(["stats", "--decks", str(FIXTURE), "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert err.startswith(f"srcquiz: {db} is from an older srcquiz") and err.count("\n") == 1
    assert digest(db) == before
    assert not (home / "backups").exists()


def test_stats_without_a_database_creates_none(db, capsys):
    data = stats_json(db, capsys)
    assert data["decks"][0]["new"] == 14 and data["today"]["reviews"] == 0
    assert list(db.parent.iterdir()) == []


def test_a_named_pipe_as_the_database_is_refused_not_opened(db, capsys):
    os.mkfifo(db)
    with fails_if_it_blocks():
        with pytest.raises(UserError) as info:
            Store.open(db)
        assert str(info.value) == (
            f"{db} is a named pipe (FIFO), not a database file; give the path of a file to --db."
        )
        for argv in (["stats"], ["settings"]):
            code, out, err = run_cli([*argv, "--decks", str(FIXTURE), "--db", str(db)], capsys)
            assert (code, out, err) == (1, "", f"srcquiz: {info.value}\n")


def test_a_new_database_in_a_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        with pytest.raises(UserError, match="read-only"):
            Store.open(folder / "progress.sqlite3")
        assert list(folder.iterdir()) == []


def test_a_full_disk_keeps_what_was_saved(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = Store.open(path)
    saved = [log(store, key=f"k{i}") for i in range(3)]
    # Simulate a full disk: SQLite may not grow the file by a single page.
    pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
    store.connection.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(UserError) as info:
        for i in range(200):
            log(store, key=f"big{i}", answer="x" * 3000)
    message = str(info.value)
    assert "disk is full" in message and str(path) in message
    store.close()
    with Store.open(path) as again:
        ids = [r.id for r in again.reviews()]
        assert ids[:3] == saved
        assert again.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- two processes on one database ---------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    import time
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from srcquiz.study.scheduler import Rating, review
    from srcquiz.progress.rows import MAX_ANSWER_CHARS, MAX_DURATION_S
    from srcquiz.progress.store import Store

    path, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    store = Store.open(path)
    print("ready", flush=True)
    while not go.exists():  # start writing together with the other process
        time.sleep(0.002)
    started = time.time()
    for i in range(count):
        key = f"{name}-{i % 7}"
        before = store.card_state("shared", key)
        after = review(before, Rating.GOOD, now + timedelta(minutes=i))
        store.record_review(deck_id="shared", card_key=key, reviewed_at=now, rating=3,
            verdict="right", score=1.0, answer=name, duration_s=1.0, mode="review",
            session_id=None, state_before=before, state_after=after)
        store.set_setting("last-writer", name)
    store.close()
    print("done", name, started, time.time())
    """
)


def test_two_processes_write_one_database_at_once(tmp_path):
    path = tmp_path / "progress.sqlite3"
    Store.open(path).close()
    env = {**os.environ, "PYTHONPATH": str(SRC), "SRCQUIZ_HOME": str(tmp_path / "home")}
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, "300", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("left", "right")
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    spans = []
    for proc, (out, err) in zip(procs, results, strict=True):
        word, name, started, ended = out.split()
        assert (word, name) == ("done", proc.args[4])
        spans.append((float(started), float(ended)))
        assert proc.returncode == 0, err
        assert "locked" not in err
    with Store.open(path) as store:
        rows = store.reviews("shared")
        assert len(rows) == 600
        assert {r.answer for r in rows} == {"left", "right"}
        assert len(store.card_states("shared")) == 14
    # They really wrote at the same time: each started before the other had finished.
    (a_start, a_end), (b_start, b_end) = spans
    assert a_start < b_end and b_start < a_end


def test_learning_states_match_fsrs() -> None:
    import fsrs

    from srcquiz.progress import card_state, queries

    assert queries._LEARNING_STATES == (card_state.LEARNING, card_state.RELEARNING)
    assert (card_state.LEARNING, card_state.REVIEW, card_state.RELEARNING) == (
        fsrs.State.Learning,
        fsrs.State.Review,
        fsrs.State.Relearning,
    )
