"""`srcquiz sync --server URL --user NAME` against Anki's own sync server on localhost,
with a second collection playing the learner's phone."""

from __future__ import annotations

import os
import selectors
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sync_support import DECK_ID, anki_due_day, answer_in_anki, card_id, deck_copy, open_col, study

from srcquiz.anki.exporter import note_guid
from srcquiz.anki.sync_server import client_folder
from srcquiz.cli.parser import main
from srcquiz.progress.store import Store

USER, PASSWORD = "learner", "correct horse"
DAYS_AGO = datetime.now().astimezone() - timedelta(days=3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """Anki's own sync server on a free localhost port, stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "SYNC_USER1": f"{USER}:{PASSWORD}",
        "SYNC_BASE": str(tmp_path / "server"),
        "SYNC_HOST": "127.0.0.1",
        "SYNC_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "anki.syncserver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_line(proc, "listening", seconds=30)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_for_line(proc: subprocess.Popen, text: str, seconds: float) -> None:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        if sel.select(timeout=deadline - time.monotonic()):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return
    raise AssertionError(f"the sync server did not start: {''.join(seen)[-2000:]}")


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SRCQUIZ_SYNC_PASSWORD", PASSWORD)
    deck_path = deck_copy(tmp_path)
    db = tmp_path / "progress.sqlite3"
    return deck_path, db


def srcquiz_sync(capsys, deck_path: Path, db: Path, url: str, *extra: str) -> tuple[int, str, str]:
    code = main(
        [
            "sync",
            "--decks",
            str(deck_path),
            "--db",
            str(db),
            "--server",
            url,
            "--user",
            USER,
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def phone_sync(col, url: str) -> str:
    """The phone's sync, as Anki's own clients do it."""
    from anki.sync_pb2 import SyncCollectionResponse

    auth = col.sync_login(USER, PASSWORD, url)
    out = col.sync_collection(auth, False)
    required = SyncCollectionResponse.ChangesRequired.Name(out.required)
    if required in ("FULL_UPLOAD", "FULL_DOWNLOAD", "FULL_SYNC"):
        col.close_for_full_sync()
        col.full_upload_or_download(auth=auth, server_usn=None, upload=required != "FULL_DOWNLOAD")
        col.reopen(after_full_sync=True)
    return required


NOTHING = (
    "notes: 0 added, 0 updated, 0 removed; reviews: 0 sent, 0 received; "
    "0 card(s) rescheduled; by hand in Anki: 0 due date(s) set, 0 forgotten; 0 conflict(s)"
)


def test_reviews_travel_through_the_server_to_the_phone_and_back(
    server, learner, tmp_path, capsys
) -> None:
    deck_path, db = learner
    with Store.open(db) as store:
        study(store, "short-1", 3, DAYS_AGO)
        study(store, "card-1", 4, DAYS_AGO + timedelta(minutes=2))
    code, out, err = srcquiz_sync(capsys, deck_path, db, server)
    assert code == 0, err
    assert "reviews: 2 sent, 0 received" in out

    phone = open_col(tmp_path / "phone.anki2")
    try:
        assert phone_sync(phone, server) == "FULL_DOWNLOAD"
        assert phone.note_count() == 9
        short = card_id(phone, note_guid(DECK_ID, "short-1"))
        assert phone.db.list("SELECT ease FROM revlog WHERE cid = ?", short) == [3]
        with Store.open(db) as store:
            due = store.card_state(DECK_ID, "short-1").due.astimezone().date()
        assert abs((anki_due_day(phone, short) - due).days) <= 1
        answer_in_anki(phone, card_id(phone, note_guid(DECK_ID, "tf-1")), 1)
        answer_in_anki(phone, card_id(phone, note_guid(DECK_ID, "order-1")), 3)
        phone_sync(phone, server)

        code, out, err = srcquiz_sync(capsys, deck_path, db, server)
        assert code == 0, err
        assert "reviews: 0 sent, 2 received" in out
        with Store.open(db) as store:
            got = sorted((r.card_key, r.rating) for r in store.reviews(DECK_ID) if r.mode == "anki")
            assert got == [("order-1", 3), ("tf-1", 1)]
            assert store.review_count([DECK_ID]) == 4
            due_now = {
                key
                for _, key, _ in store.due_cards(
                    [DECK_ID], datetime.now().astimezone() + timedelta(minutes=20)
                )
            }
            assert "tf-1" in due_now  # forgotten on the phone: due again soon here too

        # Repeating every sync changes nothing.
        revlog = phone.db.all("SELECT * FROM revlog ORDER BY id")
        code, out, err = srcquiz_sync(capsys, deck_path, db, server)
        assert code == 0 and out.strip().splitlines()[-1] == NOTHING
        phone_sync(phone, server)
        assert phone.db.all("SELECT * FROM revlog ORDER BY id") == revlog
        tf = card_id(phone, note_guid(DECK_ID, "tf-1"))
        with Store.open(db) as store:
            due = store.card_state(DECK_ID, "tf-1").due.astimezone().date()
        assert abs((anki_due_day(phone, tf) - due).days) <= 1
    finally:
        phone.close()


def test_a_due_date_set_and_a_card_forgotten_on_the_phone_hold_everywhere(
    server, learner, tmp_path, capsys
) -> None:
    deck_path, db = learner
    with Store.open(db) as store:
        study(store, "short-1", 3, DAYS_AGO)
        study(store, "card-1", 4, DAYS_AGO + timedelta(minutes=2))
    assert srcquiz_sync(capsys, deck_path, db, server)[0] == 0
    phone = open_col(tmp_path / "phone.anki2")
    try:
        phone_sync(phone, server)
        short = card_id(phone, note_guid(DECK_ID, "short-1"))
        card = card_id(phone, note_guid(DECK_ID, "card-1"))
        phone.sched.set_due_date([short], "5")
        phone.sched.schedule_cards_as_new([card])
        phone_sync(phone, server)

        code, out, err = srcquiz_sync(capsys, deck_path, db, server)
        assert code == 0, err
        assert "by hand in Anki: 1 due date(s) set, 1 forgotten" in out
        with Store.open(db) as store:
            due = store.card_state(DECK_ID, "short-1").due
            assert store.card_state(DECK_ID, "card-1") is None
        assert due.astimezone().date() == anki_due_day(phone, short)
        assert 4 <= (due - datetime.now().astimezone()).total_seconds() / 86_400 <= 6

        # Repeating every sync changes nothing, and the phone keeps what it did.
        code, out, err = srcquiz_sync(capsys, deck_path, db, server)
        assert code == 0 and out.strip().splitlines()[-1] == NOTHING
        phone_sync(phone, server)
        assert anki_due_day(phone, short) == due.astimezone().date()
        assert phone.get_card(card).type == 0
    finally:
        phone.close()


def test_only_the_host_key_is_kept_owner_only_and_the_password_is_asked_once(
    server, tmp_path, capsys, monkeypatch
) -> None:
    import getpass

    monkeypatch.delenv("SRCQUIZ_SYNC_PASSWORD", raising=False)
    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or PASSWORD)
    deck_path = deck_copy(tmp_path)
    db = tmp_path / "p.sqlite3"
    for _ in range(2):
        code, out, err = srcquiz_sync(capsys, deck_path, db, server)
        assert code == 0, err
    assert len(asked) == 1
    key = client_folder(server, USER) / "hostkey.json"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert PASSWORD not in key.read_text()
    folder = key.parent
    assert not any(PASSWORD.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_wrong_password_gets_one_sentence_and_changes_nothing(
    server, learner, capsys, monkeypatch
) -> None:
    deck_path, db = learner
    with Store.open(db) as store:
        study(store, "short-1", 3, DAYS_AGO)
    monkeypatch.setenv("SRCQUIZ_SYNC_PASSWORD", "wrong")
    before = db.read_bytes()
    code, out, err = srcquiz_sync(capsys, deck_path, db, server)
    assert code != 0 and _one_sentence(err) and "Traceback" not in err
    assert db.read_bytes() == before
    assert not (client_folder(server, USER) / "hostkey.json").exists()


def _one_sentence(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("srcquiz: ")


def test_a_server_that_is_down_gets_one_sentence(learner, capsys) -> None:
    deck_path, db = learner
    code, out, err = srcquiz_sync(capsys, deck_path, db, f"http://127.0.0.1:{free_port()}/")
    assert code != 0 and _one_sentence(err)


def test_a_server_that_does_not_answer_times_out_in_one_sentence(server, learner, capsys) -> None:
    """A first sync saves the key; then the server hangs: the next sync gives up."""
    deck_path, db = learner
    assert srcquiz_sync(capsys, deck_path, db, server)[0] == 0
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(silent.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    key = client_folder(server, USER) / "hostkey.json"
    moved = client_folder(url, USER)
    moved.mkdir(parents=True)
    (moved / "hostkey.json").write_text(key.read_text().replace(server, url))
    try:
        code, out, err = srcquiz_sync(capsys, deck_path, db, url, "--timeout", "1")
    finally:
        silent.close()
        for conn in held:
            conn.close()
    assert code != 0 and _one_sentence(err)
    assert "1 s" in err


def test_a_full_sync_request_says_what_would_be_lost_and_needs_yes(
    server, learner, tmp_path, capsys
) -> None:
    deck_path, db = learner
    with Store.open(db) as store:
        study(store, "short-1", 3, DAYS_AGO)
    assert srcquiz_sync(capsys, deck_path, db, server)[0] == 0
    phone = open_col(tmp_path / "phone.anki2")
    try:
        phone_sync(phone, server)
        answer_in_anki(phone, card_id(phone, note_guid(DECK_ID, "tf-1")), 3)
        basic = phone.models.by_name("Basic")
        phone.models.add_field(basic, phone.models.new_field("Extra"))  # a schema change
        phone.models.update_dict(basic)
        assert phone_sync(phone, server) == "FULL_SYNC"  # the phone uploads its side
    finally:
        phone.close()
    with Store.open(db) as store:
        study(store, "number-1", 2, DAYS_AGO + timedelta(hours=1))
    before = db.read_bytes()
    code, out, err = srcquiz_sync(capsys, deck_path, db, server)
    assert code != 0 and _one_sentence(err) and "--yes" in err
    assert db.read_bytes() == before
    code, out, err = srcquiz_sync(capsys, deck_path, db, server, "--yes")
    assert code == 0, err
    assert "reviews: 1 sent, 1 received" in out
    with Store.open(db) as store:
        assert [r.card_key for r in store.reviews(DECK_ID) if r.mode == "anki"] == ["tf-1"]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import srcquiz.anki.sync_server as server
    from srcquiz.cli.parser import main

    real = server._exchange
    calls = []
    def exchange(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # merged into store and local copy, not yet uploaded
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    server._exchange = exchange
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_sync_killed_before_uploading_is_finished_by_the_next(
    server, learner, tmp_path, capsys
) -> None:
    deck_path, db = learner
    with Store.open(db) as store:
        study(store, "short-1", 3, DAYS_AGO)
    args = ["sync", "--decks", str(deck_path), "--db", str(db), "--server", server, "--user", USER]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, *args], env=env, capture_output=True, timeout=120
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    code, out, err = srcquiz_sync(capsys, deck_path, db, server)
    assert code == 0, err
    phone = open_col(tmp_path / "phone.anki2")
    try:
        phone_sync(phone, server)
        assert phone.note_count() == 9
        assert phone.db.list("SELECT ease FROM revlog") == [3]
    finally:
        phone.close()
    assert srcquiz_sync(capsys, deck_path, db, server)[1].strip().splitlines()[-1] == NOTHING
