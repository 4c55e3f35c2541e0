"""Starting the app from the command line: what happens without a usable terminal, with a
bad database or deck id, and a real run in a pseudo-terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from srcquiz.cli import parser as cli
from srcquiz.tui.app import SrcquizApp

FIXTURES = Path(__file__).parent.parent / "fixtures"
DECKS = ["--decks", str(FIXTURES / "tui_kinds.yaml"), "--decks", str(FIXTURES / "tui_second.yaml")]


def run_srcquiz(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "srcquiz", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_no_tty_points_to_plain_instead_of_crashing():
    done = run_srcquiz(*DECKS)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("srcquiz: ") and "--plain" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_review_in_a_pipe_points_to_plain_too():
    done = run_srcquiz("review", *DECKS)
    assert done.returncode != 0
    assert "--plain" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_term_dumb_says_use_plain(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(SrcquizApp, "run", _must_not_run)
    assert cli.main([*DECKS]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "TERM=dumb" in err and "--plain" in err


def _must_not_run(self: SrcquizApp, *args: object, **kwargs: object) -> None:
    raise AssertionError("the app must not start")


@pytest.fixture
def fake_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if run in a terminal (pytest captures stdout), but the app itself never runs."""
    from srcquiz.tui import launch

    monkeypatch.setattr(launch, "check_terminal", lambda: None)
    monkeypatch.setattr(SrcquizApp, "run", _must_not_run)


def test_damaged_database_is_one_sentence_before_the_app(
    fake_tty: None, tmp_path: Path, capsys: pytest.CaptureFixture
):
    bad = tmp_path / "progress.sqlite3"
    bad.write_bytes(b"this is not sqlite at all, just some text" * 10)
    assert cli.main([*DECKS, "--db", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("srcquiz: ") and str(bad) in err and "\n" not in err


def test_unknown_deck_id_is_one_sentence(fake_tty: None, capsys: pytest.CaptureFixture):
    assert cli.main(["quiz", "no-such-deck", *DECKS]) == 1
    err = capsys.readouterr().err.strip()
    assert "no-such-deck" in err and "tui-kinds" in err and "\n" not in err


def test_the_decks_error_comes_first_though_the_store_opens_meanwhile(
    fake_tty: None, tmp_path: Path, capsys: pytest.CaptureFixture
):
    """An existing database is opened (and checked) while the decks load; a bad deck id
    is still the one sentence, and a database not there yet is not made for it."""
    new = tmp_path / "new.sqlite3"
    assert cli.main(["quiz", "no-such-deck", *DECKS, "--db", str(new)]) == 1
    assert not new.exists()
    bad = tmp_path / "progress.sqlite3"
    bad.write_bytes(b"this is not sqlite at all, just some text" * 10)
    assert cli.main(["quiz", "no-such-deck", *DECKS, "--db", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("no-such-deck" in line for line in err)


def test_review_command_opens_the_app_on_that_session(
    fake_tty: None, monkeypatch: pytest.MonkeyPatch
):
    seen = {}

    def fake_run(self: SrcquizApp, *args: object, **kwargs: object) -> None:
        seen["start"] = self.start_request
        seen["decks"] = [d.id for d in self.decks]

    monkeypatch.setattr(SrcquizApp, "run", fake_run)
    assert cli.main(["quiz", "tui-events", "--limit", "5", "--mode", "cram", *DECKS]) == 0
    start = seen["start"]
    assert (start.mode, start.deck_ids, start.limit) == ("cram", ("tui-events",), 5)
    assert seen["decks"] == ["tui-kinds", "tui-events"]  # all loaded: back to decks works


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_real_terminal_run_starts_a_session_and_quits(tmp_path: Path):
    """`srcquiz` in a pseudo-terminal: the decks appear, a session starts, ctrl+q asks, y quits."""
    import fcntl
    import pty
    import struct
    import termios

    db = tmp_path / "db.sqlite3"
    pid, fd = pty.fork()
    if pid == 0:  # the child: become srcquiz
        os.environ.update(TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", ESCDELAY="10")
        os.execv(sys.executable, [sys.executable, "-m", "srcquiz", *DECKS, "--db", str(db)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    output = bytearray()

    def read_until(needle: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in output:
            left = deadline - time.monotonic()
            assert left > 0, f"{needle!r} never appeared"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    output.extend(os.read(fd, 65536))
                except OSError:
                    break

    try:
        read_until(b"Today:")
        output.clear()
        os.write(fd, b"\x12")  # ctrl+r: cram every deck
        read_until(b"of 13")
        os.write(fd, b"\x11")  # ctrl+q in a session asks first
        read_until(b"Quit srcquiz")
        os.write(fd, b"y")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


def test_start_up_pauses_the_gc_until_the_first_frame(fake_tty: None, tmp_path: Path):
    """prepare_app pauses the cyclic GC (start-up speed); the running app resumes it after
    its first frame, and a start-up that fails resumes it too."""
    import asyncio
    import gc

    from srcquiz.tui.launch import prepare_app

    args = cli.parse_args([*DECKS, "--db", str(tmp_path / "db.sqlite3")])
    app = prepare_app(args)
    try:
        assert not gc.isenabled()

        async def drive() -> None:
            async with app.run_test() as pilot:
                await pilot.pause()
                assert gc.isenabled()

        asyncio.run(drive())
    finally:
        gc.enable()
        gc.unfreeze()
        app.store.close()

    assert cli.main([*DECKS, "--db", str(tmp_path / "db.sqlite3"), "quiz", "no-such-deck"]) == 1
    assert gc.isenabled()


# What an ordinary start-up (deck cache warm) never needs before the decks screen:
# PyYAML and the question classes (questions are decoded when a session asks), the
# vocabulary rules (the entry carries the terms), hashlib's OpenSSL set-up
# (`srcquiz.digests`).
NOT_AT_START_UP = ("yaml", "srcquiz.deck.kinds", "srcquiz.deck.parser",
                   "srcquiz.deck.vocabulary", "hashlib", "hmac")  # fmt: skip
_FIRST_FRAME = """
import sys
from srcquiz.cli.parser import parse_args
from srcquiz.tui.launch import prepare_app

app = prepare_app(parse_args(sys.argv[1:]))
display = app._display
def first_frame(screen, update):
    display(screen, update)
    if update is not None and type(screen).__name__ == "DecksScreen":
        print(" ".join(m for m in sys.modules))
        app.exit()
app._display = first_frame
app.run(headless=True, size=(100, 30))
"""


def test_a_warm_start_up_reaches_the_decks_screen_without_the_heavy_modules(tmp_path: Path):
    argv = [sys.executable, "-c", _FIRST_FRAME, *DECKS, "--db", str(tmp_path / "db.sqlite3")]
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
    first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "yaml" in first.stdout.split()  # the first start parsed the decks
    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 0, again.stderr
    loaded = set(again.stdout.split())
    assert "srcquiz.tui.screens.decks" in loaded
    assert [m for m in NOT_AT_START_UP if m in loaded] == []


def test_the_days_snapshot_is_made_after_the_first_frame_and_waited_for(
    fake_tty: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The day's first open checks the database; the snapshot starts once the first
    frame is out, in a thread, and closing the store waits for it."""
    import asyncio
    import gc

    from srcquiz.progress.store import Store
    from srcquiz.tui.launch import prepare_app

    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "home"))
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()  # an existing database: today's first open copies it
    app = prepare_app(cli.parse_args([*DECKS, "--db", str(db)]))
    pending = app.store.pending_backup
    try:
        assert pending is not None and not pending.started

        async def drive() -> None:
            async with app.run_test() as pilot:
                await pilot.pause()
                assert pending.started

        asyncio.run(drive())
    finally:
        gc.enable()
        gc.unfreeze()
        app.store.close()
    assert pending.warning is None
    assert len(list((tmp_path / "home" / "backups").glob("db-*.snapshot"))) == 1


def test_only_the_days_first_open_opens_the_store_in_a_thread(
    fake_tty: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The thread is there for the day's check of every page (long at 1M reviews);
    any later open is made in line, where a thread only added GIL hand-offs."""
    import gc
    import threading

    from srcquiz.progress.store import Store
    from srcquiz.tui import launch

    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "home"))
    db = tmp_path / "db.sqlite3"
    Store.open(db).close()
    started: list[str] = []

    class Recorded(threading.Thread):
        def start(self) -> None:
            started.append(self.name)
            super().start()

    monkeypatch.setattr(launch.threading, "Thread", Recorded)
    for _ in range(2):
        app = launch.prepare_app(cli.parse_args([*DECKS, "--db", str(db)]))
        gc.enable()
        if app.store.pending_backup is not None:  # what the app's first frame starts
            app.store.pending_backup.start()
        app.store.close()  # waits for the day's snapshot
    assert started[:1] == ["srcquiz-open"] and started.count("srcquiz-open") == 1


# Terminal modes the app turns on, each with the sequence that turns it off again.
TERMINAL_MODES = {
    "alternate screen": (b"\x1b[?1049h", b"\x1b[?1049l"),
    "mouse reporting": (b"\x1b[?1000h", b"\x1b[?1000l"),
    "SGR mouse reporting": (b"\x1b[?1006h", b"\x1b[?1006l"),
    "hidden cursor": (b"\x1b[?25l", b"\x1b[?25h"),
}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal and signals")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_signal_leaves_the_terminal_as_it_was(tmp_path: Path, signame: str):
    """`kill`, or closing the terminal window, while the app runs: it leaves through its
    normal exit, so every terminal mode it turned on is turned off again."""
    import fcntl
    import pty
    import signal
    import struct
    import termios

    signum = getattr(signal, signame)
    db = tmp_path / "db.sqlite3"
    pid, fd = pty.fork()
    if pid == 0:  # the child: become srcquiz
        os.environ.update(TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", ESCDELAY="10")
        os.execv(sys.executable, [sys.executable, "-m", "srcquiz", *DECKS, "--db", str(db)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    output = bytearray()
    try:
        deadline = time.monotonic() + 30
        while b"Today:" not in output:  # the first frame is drawn
            assert time.monotonic() < deadline, "the app never drew its first frame"
            if select.select([fd], [], [], 1)[0]:
                output.extend(os.read(fd, 65536))
        os.kill(pid, signum)
        while time.monotonic() < deadline:  # read to the end: the child closes the pty
            if not select.select([fd], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child has gone
                break
            if not chunk:
                break
            output.extend(chunk)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.WIFEXITED(status), f"killed by the signal instead of exiting ({status})"
    assert os.waitstatus_to_exitcode(status) == 128 + signum
    for mode, (on, off) in TERMINAL_MODES.items():
        assert on in output, f"{mode} was never turned on: the test saw no full-screen app"
        assert output.rfind(off) > output.rfind(on), f"{mode} is left on"


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_signal_handlers_are_put_back_after_the_app():
    """While the app runs SIGTERM asks it to exit; afterwards whoever ran it (a test
    runner, an embedding program) has its own handler back."""
    import asyncio
    import signal

    from srcquiz.tui.app import exit_on_signals

    seen: list[str] = []

    def before(signum: int, frame: object) -> None:
        seen.append("before")

    previous = signal.signal(signal.SIGTERM, before)
    try:

        async def run() -> None:
            loop = asyncio.get_running_loop()
            got = loop.create_future()
            with exit_on_signals(loop, got.set_result):
                os.kill(os.getpid(), signal.SIGTERM)
                assert await asyncio.wait_for(got, 10) == signal.SIGTERM
            assert seen == []

        asyncio.run(run())
        assert signal.getsignal(signal.SIGTERM) is before
        os.kill(os.getpid(), signal.SIGTERM)
        assert seen == ["before"]
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_an_ascii_locale_still_draws_in_place(tmp_path: Path):
    """LANG=C / PYTHONIOENCODING=ascii: the app still draws one cell per character
    (no `\\u2014` escapes that push the rest of a line out of place)."""
    import codecs
    import fcntl
    import pty
    import signal
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(
            TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", PYTHONIOENCODING="ascii",
            LANG="C", LC_ALL="C", SRCQUIZ_HOME=str(tmp_path / "home"),
        )  # fmt: skip
        os.execv(sys.executable, [sys.executable, "-m", "srcquiz", *DECKS])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    output = bytearray()
    deadline = time.monotonic() + 30
    try:
        while b"Today:" not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    output.extend(os.read(fd, 65536))
                except OSError:
                    break
        time.sleep(0.3)
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            output.extend(os.read(fd, 65536))
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"Today:" in output
    assert b"\\u" not in output
    # What a UTF-8 terminal can read; the last read may stop inside a character.
    codecs.getincrementaldecoder("utf-8")().decode(bytes(output), final=False)
