"""The progress of a long command: a bar redrawn in place on a terminal, plain lines
per stage elsewhere; and `srcquiz sync` drawing it, in a pseudo-terminal and a pipe."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sync_support import deck_copy, new_collection, study

from srcquiz.cli.progress import StageLines, TerminalBar, progress_for
from srcquiz.progress.store import Store

SUMMARY_START = "notes: 9 added, 0 updated, 0 removed; reviews: 2 sent, 0 received;"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_stage_count_and_percentage_redrawn_in_place() -> None:
    out, clock = io.StringIO(), Clock()
    bar = TerminalBar(out, columns=80, clock=clock)
    bar("adding notes", 0, 200)
    clock.now += 1
    bar("adding notes", 50, 200)
    text = out.getvalue()
    assert text.count("\r\x1b[K") == 2
    last = text.rsplit("\r\x1b[K", 1)[1]
    assert last.startswith("adding notes [") and last.endswith("] 50/200  25%")
    assert last.count("#") == (last.count("#") + last.count(".")) // 4  # a quarter filled
    assert all(len(line) < 80 for line in text.split("\r\x1b[K"))


def test_the_bar_skips_redraws_closer_than_the_interval_but_never_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    bar = TerminalBar(out, columns=80, clock=clock)
    for done in range(100):
        bar("rescheduling cards", done, 100)
    bar("rescheduling cards", 100, 100)
    draws = out.getvalue().split("\r\x1b[K")[1:]
    assert len(draws) == 2 and draws[-1].endswith("100/100 100%")
    bar("sending reviews")  # a new stage is drawn at once
    assert out.getvalue().endswith("sending reviews …")


def test_the_bar_fits_a_narrow_terminal_and_clears_its_line_on_close() -> None:
    out = io.StringIO()
    bar = TerminalBar(out, columns=30, clock=Clock())
    bar("syncing with the server", 1024, 4096, "kB")
    assert len(out.getvalue().rsplit("\r\x1b[K", 1)[1]) <= 29
    bar.close()
    assert out.getvalue().endswith("\r\x1b[K")


def test_stage_lines_write_each_stage_once_when_it_ends_and_no_carriage_return() -> None:
    out = io.StringIO()
    lines = StageLines(out)
    lines("checking notes")
    lines("adding notes", 0, 9)
    lines("adding notes", 9, 9)
    lines("syncing with the server", 10, 20, "kB")
    lines.close()
    assert out.getvalue() == (
        "checking notes: done\nadding notes: 9/9\nsyncing with the server: 10/20 kB\n"
    )


def test_stage_lines_leave_out_the_stage_an_error_stopped() -> None:
    out = io.StringIO()
    lines = StageLines(out)
    lines("checking notes")
    lines("adding notes", 0, 9)
    lines.close(finished=False)
    assert out.getvalue() == "checking notes: done\n"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_bar_anything_else_the_lines() -> None:
    assert isinstance(progress_for(Tty(), io.StringIO()), TerminalBar)
    assert isinstance(progress_for(io.StringIO(), io.StringIO()), StageLines)


@pytest.fixture
def first_sync(tmp_path: Path) -> list[str]:
    """The command line of a first sync with two reviews to send."""
    deck = deck_copy(tmp_path)
    col = new_collection(tmp_path / "collection.anki2")
    db = tmp_path / "progress.sqlite3"
    at = datetime.now().astimezone() - timedelta(days=3)
    with Store.open(db) as store:
        study(store, "short-1", 3, at)
        study(store, "tf-1", 1, at + timedelta(minutes=1))
    return [sys.executable, "-m", "srcquiz", "--decks", str(deck), "--db", str(db)] + [
        "sync",
        "--collection",
        str(col),
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_sync_in_a_terminal_draws_the_bar_and_ends_with_the_summary(first_sync) -> None:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(first_sync, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output.extend(chunk)
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        proc.wait(timeout=30)
    text = output.decode()
    assert proc.returncode == 0, text
    draws = [d for d in text.split("\r\x1b[K") if d.strip()]
    assert any(d.startswith("adding notes [") and "9/9 100%" in d for d in draws), draws
    assert any(d.startswith("rescheduling cards [") for d in draws), draws
    assert len(draws) >= 4  # redrawn in place, stage after stage
    after_bar = text.rsplit("\r\x1b[K", 1)[1]  # the bar's line cleared, then the summary
    assert after_bar.strip().splitlines()[-1].startswith(SUMMARY_START)


def test_a_sync_in_a_pipe_writes_plain_stage_lines_and_no_carriage_return(first_sync) -> None:
    done = subprocess.run(first_sync, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stdout and "\r" not in done.stderr and done.stderr == ""
    lines = done.stdout.strip().splitlines()
    assert "adding notes: 9/9" in lines and "sending reviews: 2/2" in lines
    assert lines[-1].startswith(SUMMARY_START)
