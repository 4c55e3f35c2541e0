"""`srcquiz sync --collection PATH` against a real Anki collection file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest
from sync_support import (
    DECK_ID,
    anki_due_day,
    anki_events,
    answer_in_anki,
    card_id,
    deck_copy,
    load,
    new_collection,
    open_col,
    store_events,
    study,
)

from srcquiz.anki.exporter import export_decks, note_guid
from srcquiz.anki.note_types import NOTE_TYPES
from srcquiz.anki.sync import sync_file
from srcquiz.cli.parser import main
from srcquiz.progress.store import Store

NOW = datetime.now().astimezone()
DAYS_AGO = NOW - timedelta(days=3)


def test_first_sync_adds_the_export_notes_and_sends_srcquiz_reviews(setup) -> None:
    deck_path, col_path, store = setup
    deck = load(deck_path)
    study(store, "short-1", 3, DAYS_AGO)
    study(store, "card-1#reverse", 4, DAYS_AGO + timedelta(minutes=1))
    summary = sync_file(col_path, store, [deck])

    assert (summary.notes.added, summary.sent, summary.received) == (len(deck.questions), 2, 0)
    col = open_col(col_path)
    try:
        notes = {guid: mid for guid, mid in col.db.all("SELECT guid, mid FROM notes")}
        assert notes == {note_guid(DECK_ID, q.id): NOTE_TYPES[q.kind].id for q in deck.questions}
        assert col.card_count() == len(deck.card_keys())
        short = card_id(col, note_guid(DECK_ID, "short-1"))
        reverse = card_id(col, note_guid(DECK_ID, "card-1"), 1)
        assert {(cid, ease) for _, cid, ease in anki_events(col)} == {(short, 3), (reverse, 4)}
        for cid, key in ((short, "short-1"), (reverse, "card-1#reverse")):
            due = store.card_state(DECK_ID, key).due.astimezone().date()
            assert abs((anki_due_day(col, cid) - due).days) <= 1
            assert col.get_card(cid).memory_state is not None
    finally:
        col.close()
    assert {e[2] for e in store_events(store)} == {"short-1", "card-1#reverse"}


def test_answers_made_in_anki_come_back_and_reschedule_both_sides(setup) -> None:
    deck_path, col_path, store = setup
    deck = load(deck_path)
    study(store, "short-1", 4, DAYS_AGO)
    sync_file(col_path, store, [deck])
    col = open_col(col_path)
    short = card_id(col, note_guid(DECK_ID, "short-1"))
    tf = card_id(col, note_guid(DECK_ID, "tf-1"))
    answer_in_anki(col, short, 1)  # forgotten on the phone
    answer_in_anki(col, tf, 3)
    col.close()
    before = store.card_state(DECK_ID, "short-1")

    summary = sync_file(col_path, store, [deck])
    assert (summary.sent, summary.received) == (0, 2)
    assert summary.rescheduled == 2
    rows = [r for r in store.reviews(DECK_ID) if r.mode == "anki"]
    assert sorted((r.card_key, r.rating) for r in rows) == [("short-1", 1), ("tf-1", 3)]
    after = store.card_state(DECK_ID, "short-1")
    assert after.due < before.due  # relearning, not the Easy interval srcquiz gave it
    assert store.card_state(DECK_ID, "tf-1") is not None
    col = open_col(col_path)
    try:
        for cid, key in ((short, "short-1"), (tf, "tf-1")):
            due = store.card_state(DECK_ID, key).due.astimezone().date()
            assert abs((anki_due_day(col, cid) - due).days) <= 1
    finally:
        col.close()


def test_repeating_a_sync_changes_nothing_on_either_side(setup) -> None:
    deck_path, col_path, store = setup
    deck = load(deck_path)
    study(store, "short-1", 3, DAYS_AGO)
    sync_file(col_path, store, [deck])
    col = open_col(col_path)
    answer_in_anki(col, card_id(col, note_guid(DECK_ID, "number-1")), 2)
    col.close()
    sync_file(col_path, store, [deck])

    def snapshot() -> tuple:
        col = open_col(col_path)
        try:
            anki = (col.mod, col.db.all("SELECT * FROM cards"), col.db.all("SELECT * FROM revlog"))
        finally:
            col.close()
        conn = store.connection
        ours = (
            conn.execute("SELECT * FROM review").fetchall(),
            conn.execute("SELECT * FROM card").fetchall(),
        )
        return anki, ours

    first = snapshot()
    assert sync_file(col_path, store, [deck]).line() == NOTHING
    assert snapshot() == first


def test_a_collection_that_imported_an_export_keeps_its_notes_and_history(tmp_path) -> None:
    from anki.collection import ImportAnkiPackageRequest

    deck_path = deck_copy(tmp_path)
    deck = load(deck_path)
    export_decks([deck], tmp_path / "deck.apkg")
    col_path = tmp_path / "collection.anki2"
    col = open_col(col_path)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(tmp_path / "deck.apkg")))
    notes_before = dict(col.db.all("SELECT guid, id FROM notes"))
    answer_in_anki(col, card_id(col, note_guid(DECK_ID, "choice-single")), 3)
    col.close()
    with Store.open(tmp_path / "p.sqlite3") as store:
        summary = sync_file(col_path, store, [deck])
        assert (summary.notes.added, summary.notes.updated, summary.received) == (0, 0, 1)
        assert store.card_state(DECK_ID, "choice-single") is not None
    col = open_col(col_path)
    try:
        assert dict(col.db.all("SELECT guid, id FROM notes")) == notes_before
    finally:
        col.close()


def test_deck_changes_follow_and_anki_edits_are_kept_and_listed(setup) -> None:
    deck_path, col_path, store = setup
    sync_file(col_path, store, [load(deck_path)])
    col = open_col(col_path)
    tf = col.get_note(
        col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid(DECK_ID, "tf-1"))
    )
    tf["Prompt"] = "Workers never handle SIGHUP themselves."  # edited on the phone
    col.update_note(tf)
    col.close()

    text = deck_path.read_text(encoding="utf-8")
    text = text.replace("reversed: true", "reversed: false")  # the reverse card goes
    text = text.replace("How many event loops", "How many NioEventLoops")  # reworded
    text = text.replace("Workers ignore SIGHUP.", "Workers ignore SIGHUP, do they?")
    deck_path.write_text(text, encoding="utf-8")
    summary = sync_file(col_path, store, [load(deck_path)])

    assert summary.notes.edited == [f"{DECK_ID}/tf-1"]
    assert summary.notes.updated == 2  # card-1 (reverse off) and number-1
    assert any("tf-1" in s and "import" in s for s in summary.details())
    col = open_col(col_path)
    try:
        card = note_guid(DECK_ID, "card-1")
        assert col.db.list(
            "SELECT c.ord FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid = ?", card
        ) == [0]
        assert not col.get_empty_cards().notes
        kept = col.db.scalar("SELECT flds FROM notes WHERE guid = ?", note_guid(DECK_ID, "tf-1"))
        assert "Workers never handle SIGHUP themselves." in kept
        number = col.db.scalar(
            "SELECT flds FROM notes WHERE guid = ?", note_guid(DECK_ID, "number-1")
        )
        assert "How many NioEventLoops" in number
    finally:
        col.close()
    assert sync_file(col_path, store, [load(deck_path)]).notes.updated == 0


def test_questions_removed_or_of_another_kind_leave_no_duplicates(setup) -> None:
    deck_path, col_path, store = setup
    study(store, "number-1", 3, DAYS_AGO)
    sync_file(col_path, store, [load(deck_path)])
    text = deck_path.read_text(encoding="utf-8")
    start = text.index("  - id: tf-1")
    end = text.index("  - id: cloze-1")
    text = text[:start] + text[end:]  # tf-1 deleted
    text = text.replace(
        "    kind: number\n    prompt: How many event loops on 8 cores by default?\n"
        "    answer: 16\n    tolerance: 0\n    unit: threads",
        "    kind: short\n    prompt: How many event loops on 8 cores by default?\n"
        '    answer: "16"',
    )
    deck_path.write_text(text, encoding="utf-8")
    deck = load(deck_path)
    summary = sync_file(col_path, store, [deck])
    assert summary.notes.removed == 1 and summary.notes.retyped == [f"{DECK_ID}/number-1"]
    col = open_col(col_path)
    try:
        notes = dict(col.db.all("SELECT guid, mid FROM notes"))
        assert notes == {note_guid(DECK_ID, q.id): NOTE_TYPES[q.kind].id for q in deck.questions}
        assert col.card_count() == len(deck.card_keys())
        revlog_cards = col.db.list("SELECT cid FROM revlog")
    finally:
        col.close()
    assert len(revlog_cards) == 1  # number-1's review is not sent a second time
    again = sync_file(col_path, store, [deck])
    assert (again.sent, again.received, again.notes.added) == (0, 0, 0)


def _run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["sync", *args])
    err = capsys.readouterr().err
    return code, err


def _one_sentence(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("srcquiz: ") and "Traceback" not in err


def test_a_collection_open_in_anki_gets_one_sentence(setup, capsys) -> None:
    deck_path, col_path, store = setup
    held = open_col(col_path)  # Anki desktop holds its collection open
    try:
        code, err = _run_cli(capsys, "--decks", str(deck_path), "--collection", str(col_path))
    finally:
        held.close()
    assert code != 0 and _one_sentence(err)
    assert "close Anki" in err


def test_a_collection_from_a_newer_anki_gets_one_sentence(setup, capsys) -> None:
    deck_path, col_path, store = setup
    conn = sqlite3.connect(col_path)
    conn.execute("UPDATE col SET ver = 99")
    conn.commit()
    conn.close()
    code, err = _run_cli(capsys, "--decks", str(deck_path), "--collection", str(col_path))
    assert code != 0 and _one_sentence(err)
    assert "newer Anki" in err


@pytest.mark.parametrize("what", ["missing", "not sqlite"])
def test_a_path_that_is_no_collection_gets_one_sentence(tmp_path, capsys, what) -> None:
    deck_path = deck_copy(tmp_path)
    path = tmp_path / "collection.anki2"
    if what == "not sqlite":
        path.write_text("hello " * 100)
    code, err = _run_cli(capsys, "--decks", str(deck_path), "--collection", str(path))
    assert code != 0 and _one_sentence(err)
    assert (not path.exists()) if what == "missing" else path.read_text() == "hello " * 100


def test_sync_needs_a_target(tmp_path, capsys) -> None:
    code, err = _run_cli(capsys, "--decks", str(deck_copy(tmp_path)))
    assert code != 0 and _one_sentence(err)


def test_the_command_prints_a_summary_line(setup, capsys, tmp_path) -> None:
    deck_path, col_path, store = setup
    db = store.path
    store.close()
    code = main(["sync", "--decks", str(deck_path), "--db", str(db), "--collection", str(col_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("notes: 9 added, 0 updated, 0 removed;")


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import srcquiz.anki.sync as sync
    import srcquiz.anki.sync_merge as merging
    from srcquiz.deck.loader import load_deck
    from srcquiz.progress.store import Store

    deck, col, db, where = sys.argv[1:]
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    if where == "before anki":  # srcquiz's transaction committed, Anki's not begun
        merging.write_plan = die
    else:  # inside Anki's transaction, after the review log rows went in
        import srcquiz.anki.sync_reviews as reviews
        real = reviews.write_plan
        def write(col, *args, **kwargs):
            col.update_cards = die
            return real(col, *args, **kwargs)
        merging.write_plan = write
    with Store.open(Path(db)) as store:
        sync.sync_file(Path(col), store, [load_deck(Path(deck))])
    """
)


NOTHING = (
    "notes: 0 added, 0 updated, 0 removed; reviews: 0 sent, 0 received; "
    "0 card(s) rescheduled; by hand in Anki: 0 due date(s) set, 0 forgotten; 0 conflict(s)"
)


@pytest.mark.parametrize("where", ["before anki", "inside anki"])
def test_a_sync_killed_half_way_and_run_again_ends_as_if_never_interrupted(tmp_path, where) -> None:
    import shutil

    whole = tmp_path / "whole"
    whole.mkdir()
    deck_path = deck_copy(whole)
    col_path = new_collection(whole / "collection.anki2")
    with Store.open(whole / "p.sqlite3") as store:
        sync_file(col_path, store, [load(deck_path)])
        study(store, "short-1", 3, DAYS_AGO)
        study(store, "order-1", 1, DAYS_AGO + timedelta(hours=1))
    col = open_col(col_path)
    answer_in_anki(col, card_id(col, note_guid(DECK_ID, "short-1")), 1)
    answer_in_anki(col, card_id(col, note_guid(DECK_ID, "cloze-1"), 2), 3)
    col.close()
    shutil.copytree(whole, tmp_path / "killed")

    killed = tmp_path / "killed"
    args = [str(killed / name) for name in ("deck_all_kinds.yaml", "collection.anki2", "p.sqlite3")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, *args, where], env=env, capture_output=True, timeout=120
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    states = {}
    for folder in (killed, whole):
        deck = load(folder / "deck_all_kinds.yaml")
        with Store.open(folder / "p.sqlite3") as store:
            sync_file(folder / "collection.anki2", store, [deck])
            assert sync_file(folder / "collection.anki2", store, [deck]).line() == NOTHING
            rows = store.connection.execute(
                "SELECT event_id, card_key, rating FROM review ORDER BY event_id"
            ).fetchall()
            cards = store.connection.execute("SELECT * FROM card ORDER BY card_key").fetchall()
        col = open_col(folder / "collection.anki2")
        try:
            revlog = col.db.all("SELECT id, cid, ease, ivl, type FROM revlog ORDER BY id")
            anki_cards = col.db.all("SELECT id, type, queue, due, ivl, data FROM cards ORDER BY id")
        finally:
            col.close()
        states[folder.name] = (rows, cards, revlog, anki_cards)
    assert states["killed"] == states["whole"]
    assert len(states["whole"][0]) == len(states["whole"][2]) == 4


def test_without_the_anki_package_sync_says_how_to_get_it(tmp_path, capsys, monkeypatch) -> None:
    for name in [m for m in sys.modules if m == "anki" or m.startswith("anki.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anki", None)  # import anki raises ImportError
    col_path = tmp_path / "collection.anki2"
    code, err = _run_cli(capsys, "--decks", str(deck_copy(tmp_path)), "--collection", str(col_path))
    assert code != 0 and _one_sentence(err)
    assert "srcquiz[anki]" in err


def test_other_commands_start_without_the_anki_package() -> None:
    code = (
        "import sys\n"
        "import srcquiz.anki.sync, srcquiz.anki.sync_server, srcquiz.cli.commands\n"
        "print('anki' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_review_logged_during_a_sync_is_sent_by_the_next_one(setup) -> None:
    """The skip-if-nothing-changed check cannot swallow a review another terminal
    logged while a sync was running (after the sync read the store)."""
    from srcquiz.anki import sync_merge as sync_module

    deck_path, col_path, store = setup
    deck = load(deck_path)
    real = sync_module.merge_collection

    def merge_then_another_terminal_answers(*args, **kwargs):
        summary = real(*args, **kwargs)
        study(store, "tf-1", 3, DAYS_AGO + timedelta(hours=5))
        return summary

    sync_module.merge_collection = merge_then_another_terminal_answers
    try:
        sync_file(col_path, store, [deck])
    finally:
        sync_module.merge_collection = real
    assert sync_file(col_path, store, [deck]).sent == 1
    assert sync_file(col_path, store, [deck]).line() == NOTHING


def test_a_rating_changed_after_a_sync_reaches_anki(setup) -> None:
    deck_path, col_path, store = setup
    deck = load(deck_path)
    review_id = study(store, "short-1", 3, DAYS_AGO)
    sync_file(col_path, store, [deck])
    store.update_review(review_id, 1, None)  # overridden later: it was not known after all
    summary = sync_file(col_path, store, [deck])
    assert summary.conflicts == 1 and summary.rescheduled == 1
    col = open_col(col_path)
    try:
        assert col.db.list("SELECT ease FROM revlog") == [1]
    finally:
        col.close()
    assert sync_file(col_path, store, [deck]).line() == NOTHING


def test_a_sync_with_nothing_changed_reads_no_deck_file(setup, monkeypatch) -> None:
    """The no-change check compares the deck files' size and modification time with the
    last sync's; only a moved file is read and hashed again."""
    import srcquiz.anki.sync_marker as marker

    deck_path, col_path, store = setup
    study(store, "short-1", 3, DAYS_AGO)
    sync_file(col_path, store, [load(deck_path)])
    real = marker.read_regular

    def refuse(*args, **kwargs):
        raise AssertionError("a deck file was read")

    monkeypatch.setattr(marker, "read_regular", refuse)
    assert sync_file(col_path, store, [load(deck_path)]).line() == NOTHING
    st = deck_path.stat()
    os.utime(deck_path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched, not changed
    monkeypatch.setattr(marker, "read_regular", real)
    assert sync_file(col_path, store, [load(deck_path)]).line() == NOTHING
    monkeypatch.setattr(marker, "read_regular", refuse)  # read once, then known again
    assert sync_file(col_path, store, [load(deck_path)]).line() == NOTHING
    deck_path.write_text(deck_path.read_text(encoding="utf-8").replace("sigsuspend", "sigwait"))
    monkeypatch.setattr(marker, "read_regular", real)
    assert sync_file(col_path, store, [load(deck_path)]).notes.updated >= 1


def test_a_sync_with_only_new_reviews_builds_no_note(setup, monkeypatch) -> None:
    """Rendering every note is the slow part of a merge; while neither the decks nor the
    collection's notes changed since the last sync it is skipped."""
    from srcquiz.anki import sync_merge

    deck_path, col_path, store = setup
    study(store, "short-1", 3, DAYS_AGO)
    sync_file(col_path, store, [load(deck_path)])
    col = open_col(col_path)
    answer_in_anki(col, card_id(col, note_guid(DECK_ID, "tf-1")), 3)
    col.close()
    real = sync_merge.wanted_notes

    def refuse(*args, **kwargs):
        raise AssertionError("the notes were built")

    monkeypatch.setattr(sync_merge, "wanted_notes", refuse)
    study(store, "short-1", 4, DAYS_AGO + timedelta(days=2))
    summary = sync_file(col_path, store, [load(deck_path)])
    assert (summary.sent, summary.received) == (1, 1)

    col = open_col(col_path)  # a note edited in Anki: the notes are checked again
    note = col.get_note(
        col.db.scalar("SELECT id FROM notes WHERE guid = ?", note_guid(DECK_ID, "tf-1"))
    )
    note.fields[0] = note.fields[0] + " (edited on the phone)"
    col.update_note(note)
    col.close()
    monkeypatch.setattr(sync_merge, "wanted_notes", real)
    assert sync_file(col_path, store, [load(deck_path)]).notes.edited == [f"{DECK_ID}/tf-1"]
