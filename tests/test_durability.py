"""Kill -9 a study session at random moments: no answered review is ever lost.

Each trial runs `srcquiz quiz --plain` over every bundled deck on a pipe, answers as fast as it can,
and is killed after a random delay. Every answer whose feedback reached stdout
must be in the database, and the database must open cleanly afterwards.
`make fuzz` runs many more trials (SRCQUIZ_FUZZ=long).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from srcquiz.paths import bundled_decks_dir
from srcquiz.progress.store import Store

TRIALS = 60 if os.environ.get("SRCQUIZ_FUZZ") == "long" else 6


def _lift_daily_limits(db: Path, home: Path) -> None:
    """A quiz introduces new cards only up to the daily limits (20 a deck, 200 in all):
    lift them, so the session outlives every delay and the kill lands mid-session."""
    subprocess.run(
        [sys.executable, "-m", "srcquiz", "settings", "--db", str(db), "--new-per-day", "9999",
         "--reviews-per-day", "9999", "--cap", "9999"],
        check=True, capture_output=True, env={**os.environ, "SRCQUIZ_HOME": str(home)},
    )  # fmt: skip


def _run_and_kill(db: Path, home: Path, delay: float) -> int:
    """Start a session, kill it after `delay` seconds; return answers reported as done."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "srcquiz", "quiz", "--plain", "--limit", "400", "--db", str(db),
         "--decks", str(bundled_decks_dir())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SRCQUIZ_HOME": str(home), "PYTHONIOENCODING": "utf-8",
             "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    def feed() -> None:
        # Empty lines answer "I don't know" and keep the suggested rating, one every 2 ms.
        try:
            for _ in range(4000):
                proc.stdin.write(b"\n")
                proc.stdin.flush()
                time.sleep(0.002)
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=feed)
    feeder.start()
    chunks: list[bytes] = []
    # Drain stdout meanwhile, or the session blocks on a full pipe and every kill lands there.
    reader = threading.Thread(target=lambda: chunks.extend(iter(proc.stdout.readline, b"")))
    reader.start()
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=30)
    feeder.join(timeout=30)
    out = b"".join(chunks).decode("utf-8", "replace")
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass  # the pipe died with the process
    assert proc.returncode == -signal.SIGKILL
    # "rated ..." is printed only after the answer was committed.
    return sum(1 for line in out.splitlines() if line.startswith("rated "))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_at_a_random_moment_loses_nothing(tmp_path: Path, trial: int) -> None:
    rng = random.Random(trial)
    db = tmp_path / "progress.sqlite3"
    reported = 0
    _lift_daily_limits(db, tmp_path / "home")
    for round_ in range(2):  # a second session on the same database after the first was killed
        seen = _run_and_kill(db, tmp_path / "home", rng.uniform(0.3, 1.5))
        reported += seen
        if not db.exists():
            assert seen == 0
            continue
        assert db.stat().st_size > 0  # never a half-created file the next start must refuse
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = conn.execute("SELECT count(*) FROM review").fetchone()[0]
        finally:
            conn.close()
        # Everything reported is stored; at most one more was committed just before the kill.
        assert reported <= stored <= reported + round_ + 1, (trial, round_, reported, stored)
        reported = stored
    store = Store.open(db)  # and it still opens as a progress database
    store.close()
