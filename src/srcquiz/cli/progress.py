"""How far a long command has got, drawn for whoever runs it.

On a terminal (stderr is a tty) one line is redrawn in place with `\\r`: the
stage, a bar, done/total and the percentage, at most every `REDRAW_S` (a sync
can report thousands of steps; drawing each would cost more than the step). Not
on a terminal (scripts, CI, a pipe) each stage gets one plain line, written
when the stage ends, to stdout, so stderr keeps to the one sentence of an error.

The domain side only calls a `Progress` (`srcquiz.anki.sync_report`), possibly
from a thread polling Anki; both renderers take a lock.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_S = 0.05
BAR_MIN, BAR_MAX = 10, 30


def _count(done: int, total: int, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    return f"{done:,}/{total:,}{suffix}" if total else (f"{done:,}{suffix}" if done else "")


class TerminalBar:
    """One line, redrawn in place: `stage [#####.....] done/total  pct%`."""

    def __init__(
        self,
        stream: TextIO,
        *,
        columns: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream
        self.columns = columns or shutil.get_terminal_size((80, 24)).columns
        self.clock = clock
        self.lock = threading.Lock()
        self.stage = ""
        self.drawn_at = float("-inf")
        self.shown = False

    def __call__(self, stage: str, done: int = 0, total: int = 0, unit: str = "") -> None:
        with self.lock:
            now = self.clock()
            finished = bool(total) and done >= total
            if stage == self.stage and not finished and now - self.drawn_at < REDRAW_S:
                return
            self.stage, self.drawn_at = stage, now
            self.stream.write("\r\x1b[K" + self.line(stage, done, total, unit))
            self.stream.flush()
            self.shown = True

    def line(self, stage: str, done: int, total: int, unit: str) -> str:
        """The line for one report, cut to the terminal's width."""
        if not total:
            text = f"{stage} … {_count(done, total, unit)}".rstrip()
            return text[: self.columns - 1]
        done = max(0, min(done, total))
        tail = f" {_count(done, total, unit)} {100 * done // total:3d}%"
        width = max(BAR_MIN, min(BAR_MAX, self.columns - len(stage) - len(tail) - 4))
        filled = width * done // total
        text = f"{stage} [{'#' * filled}{'.' * (width - filled)}]{tail}"
        return text[: self.columns - 1]

    def close(self, *, finished: bool = True) -> None:
        """Clear the line, so what is printed next (the summary or the error) starts
        on a clean one."""
        with self.lock:
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self.shown = False


class StageLines:
    """One plain line per stage, written when the stage ends: `stage: done/total`."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lock = threading.Lock()
        self.current: tuple[str, int, int, str] | None = None

    def __call__(self, stage: str, done: int = 0, total: int = 0, unit: str = "") -> None:
        with self.lock:
            if self.current is not None and self.current[0] != stage:
                self._write(*self.current)
            self.current = (stage, done, total, unit)

    def _write(self, stage: str, done: int, total: int, unit: str) -> None:
        count = _count(done, total, unit)
        self.stream.write(f"{stage}: {count}\n" if count else f"{stage}: done\n")
        self.stream.flush()

    def close(self, *, finished: bool = True) -> None:
        """Write the last stage's line, unless the command stopped in it (an error)."""
        with self.lock:
            if self.current is not None and finished:
                self._write(*self.current)
            self.current = None


def progress_for(err: TextIO, out: TextIO) -> TerminalBar | StageLines:
    """A bar when stderr is a terminal, else stage lines on stdout."""
    return TerminalBar(err) if err.isatty() else StageLines(out)
