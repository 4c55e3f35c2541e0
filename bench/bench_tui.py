"""TUI speed: start-up to the interactive decks screen, and keypress to feedback on screen.

    .venv/bin/python bench/bench_tui.py [--runs 9] [--pty-runs 21] [--json]
                                        [--only startup|pty|keys]

Start-up: whole-process wall time (interpreter start and imports included) of
`srcquiz` showing the decks screen with the bundled decks, headless, exiting
right after the first frame that shows the filled deck list; the reference is
a bare Textual app exiting after its first frame with its one Static. Budget:
<= 1.2x the reference (median of --runs, the two interleaved).

Start-up in a real terminal: `srcquiz` (the command as a user runs it) in a pty of
120x40, timed from spawn until the bytes of the deck list (a bundled deck's title)
have been written to the terminal; the reference is a bare Textual app in the same
pty, timed until its one Static's text is written. This sees what the headless row
cannot: a first frame composed but dropped before it reaches the terminal. Budget:
<= 1.15x (the median of the ratios of --pty-runs interleaved pairs).

Keypress to feedback: headless, in one process, over a cram session of every
bundled question. For each question the answer is typed (untimed), then the
timer starts when the submitting key (Enter, a digit, t, Space for a card) is
posted and stops when the app paints a frame that holds the feedback panel:
grading, scheduling, the committed write and the render are all inside.
Reference: the same key-to-paint path in a bare app that updates one Static.
Budgets: < 10 ms median (the app's issue) and <= 2x that bare app (the speed
issue). A third row compares with Textual alone doing what the feedback does:
a focused Input, Enter, a hidden ~15-line sheet docked over the screen shown.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

# Both child processes exit right after the first frame that shows what they are
# for (headless frames are composed in full; only the terminal write is skipped).
BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("hello")

app = Bare()
display = app._display
def first_frame(screen, update):
    display(screen, update)
    if update is not None and screen.query(Static):
        app.exit()
app._display = first_frame
app.run(headless=True)
"""

SRCQUIZ_APP = """
from srcquiz.cli.parser import parse_args
from srcquiz.tui.launch import prepare_app

app = prepare_app(parse_args([]))  # what `srcquiz` runs, minus the terminal check
display = app._display
def first_frame(screen, update):
    display(screen, update)
    if update is not None and type(screen).__name__ == "DecksScreen":
        from srcquiz.tui.widgets.decklist import DeckList
        if screen.query_one(DeckList).rows:
            app.exit()
app._display = first_frame
app.run(headless=True)
app.store.close()
"""


def _wall(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return (time.perf_counter() - started) * 1000


def _days_first_open(env: dict[str, str]) -> None:
    """Open the new database once as `srcquiz settings` does, which checks it and makes
    today's snapshot before going on. The starts measured are then the day's later
    ones, what most starts are: a run ended at its first frame never finishes the
    snapshot it starts, and would leave every measured start the day's first (the
    store opened in a thread to check every page, a snapshot begun after the frame)."""
    subprocess.run(
        [sys.executable, "-m", "srcquiz", "settings"], check=True, env=env, cwd=ROOT,
        capture_output=True,
    )  # fmt: skip


def startup(runs: int) -> tuple[float, float]:
    # Bytecode for src/ as an installed package has it (pip compiles at install; an
    # editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise recompile
    # every module on every start, while Textual's site-packages .pyc are there).
    compileall.compile_dir(ROOT / "src", quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SRCQUIZ_HOME": home, "TEXTUAL_ANIMATIONS": "none"}
        env.pop("SRCQUIZ_DB", None)
        _wall(SRCQUIZ_APP, env)  # creates the database and warms the OS caches
        _days_first_open(env)
        _wall(BARE_APP, env)
        bare, ours = [], []
        for _ in range(runs):  # interleaved, so load on the machine hits both alike
            bare.append(_wall(BARE_APP, env))
            ours.append(_wall(SRCQUIZ_APP, env))
    return statistics.median(ours), statistics.median(bare)


class PaintClock:
    """Wraps App._display: the time of every frame and whether it showed feedback."""

    def __init__(self, app, shows) -> None:  # type: ignore[no-untyped-def]
        self.frames: list[tuple[float, bool]] = []
        original = app._display

        def display(screen, renderable) -> None:  # type: ignore[no-untyped-def]
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), shows(screen)))

        app._display = display

    async def until(self, since: float, timeout: float = 5.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for at, ok in self.frames:
                if at >= since and ok:
                    return (at - since) * 1000
            await asyncio.sleep(0)
        raise TimeoutError("no frame with the feedback")


def _feedback_shown(screen) -> bool:  # type: ignore[no-untyped-def]
    """The session's feedback sheet is up with its lines (it is mounted hidden, shown
    and filled after an answer)."""
    sheets = screen.query("#feedback-sheet")
    if not sheets:
        return False
    sheet = sheets.first()
    return sheet.visible and sheet.item is screen.session.current() and sheet.line_count > 0


def _submit_key(item) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    kind = item.question.kind
    if kind == "card":
        return "space", " "
    if kind == "truefalse":
        return "t", "t"
    if kind == "choice" and not item.question.multi:
        return "1", "1"
    return "enter", None


async def _prepare(app, pilot, item) -> None:  # type: ignore[no-untyped-def]
    """Type the answer (untimed): text into inputs, a pick for multi-choice and match."""
    from textual.widgets import Input

    widget = app.screen.query_one("#answer")
    kind = item.question.kind
    if kind in ("short", "number", "cloze"):
        boxes = list(widget.query(Input))
        for box in boxes:  # a number must be readable, or it is asked again
            box.value = "42" if kind == "number" else "answer"
        if kind == "cloze" and len(boxes) > 1:
            boxes[-1].focus()
    elif kind == "choice" and item.question.multi:
        await pilot.press("1")
    elif kind == "match":
        widget.pairs = {i: i for i in range(len(widget.lefts))}
    await pilot.pause()


async def keypress_to_feedback(limit: int) -> list[float]:
    from textual import events

    from srcquiz.deck.loader import load_decks
    from srcquiz.paths import bundled_decks_dir
    from srcquiz.progress.store import Store
    from srcquiz.tui.app import SrcquizApp

    decks, _ = load_decks([bundled_decks_dir()])
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        app = SrcquizApp(decks, store, seed=1, cursor_blink=False, prewarm=False)
        async with app.run_test(size=(100, 30)) as pilot:
            clock = PaintClock(app, _feedback_shown)
            app.start_session(decks, "cram")
            await pilot.pause()
            screen = app.screen
            session = screen.session
            while (item := session.current()) is not None and len(latencies) < limit:
                await _prepare(app, pilot, item)
                key, char = _submit_key(item)
                started = time.perf_counter()
                app.post_message(events.Key(key, char))
                latencies.append(await clock.until(started))
                await pilot.press("enter")  # next question (a card: rate it Good)
                await pilot.pause()
                if app.screen is not screen:
                    break
        store.close()
    return latencies


async def bare_keypress(count: int = 200) -> list[float]:
    from textual import events
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("0", id="n")

        def on_key(self, event: events.Key) -> None:
            box = self.query_one("#n", Static)
            box.update(str(int(str(box.render())) + 1))

    app = Bare()
    latencies = []
    async with app.run_test(size=(100, 30)) as pilot:
        clock = PaintClock(app, lambda screen: str(screen.query_one("#n").render()) != "0")
        for _ in range(count):
            clock.frames.clear()
            started = time.perf_counter()
            app.post_message(events.Key("x", "x"))
            latencies.append(await clock.until(started))
            await pilot.pause()
    return latencies


async def textual_floor(count: int = 100) -> list[float]:
    """What Textual alone needs for the shape of a feedback: a focused Input, Enter, and
    a hidden sheet docked over the lower screen shown with ~15 lines of styled text."""
    from textual import events
    from textual.app import App
    from textual.containers import VerticalScroll
    from textual.content import Content
    from textual.widgets import Input, Static

    why = "The workers each call accept() on the shared listening socket; " * 3
    text = Content.assemble(
        ("✓ Right", "bold $text-success"), "\n\n", ("Answer  ", "dim"),
        ("accept() is called by each worker", "bold"), "\n\n", ("Why     ", "dim"), why,
        "\n", ("Source  ", "dim"), "nginx process model\n", ("Code    ", "dim"),
        "nginx/nginx · src/event/ngx_event_accept.c @ release-1.27.3\n\n",
        "Rating   1 Again   2 Hard  ▸3 Good   4 Easy  Next ⏎\n",
        ("1-4 change the rating, Enter goes on.", "dim"),
    )  # fmt: skip

    class Floor(App):
        CSS = """
        Screen { layers: base sheet; }
        #sheet { layer: sheet; dock: bottom; height: auto; max-height: 72%; margin-bottom: 1;
                 background: $surface; border-top: heavy $primary; padding: 0 1; }
        #text { height: auto; padding: 1 0; }
        """

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("A question, its code and its instructions. " * 12)
            yield Input(id="answer")
            with VerticalScroll(id="sheet"):
                yield Static("", id="text")

        def on_mount(self) -> None:
            self.query_one("#sheet").visible = False
            self.query_one(Input).focus()

        def on_input_submitted(self) -> None:
            with self.batch_update():
                self.query_one("#text", Static).update(text)
                self.query_one("#sheet").visible = True

        def hide(self) -> None:
            self.query_one("#text", Static).update("")
            self.query_one("#sheet").visible = False

    app = Floor()
    latencies = []
    async with app.run_test(size=(100, 30)) as pilot:
        clock = PaintClock(app, lambda screen: screen.query_one("#sheet").visible)
        for _ in range(count):
            app.hide()
            await pilot.pause()
            clock.frames.clear()
            started = time.perf_counter()
            app.post_message(events.Key("enter", None))
            latencies.append(await clock.until(started))
    return latencies


PTY_BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("bench-bare-static")

Bare().run()
"""


def _in_pty(argv: list[str], markers: tuple[bytes, ...], env: dict[str, str]) -> float:
    """Milliseconds from spawning `argv` in a 120x40 pty until one of `markers` has been
    written to it; the process is then ended."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=ROOT, start_new_session=True)  # fmt: skip
    os.close(slave)
    seen = b""
    try:
        while not any(m in seen for m in markers):
            if time.perf_counter() - started > 20:
                raise RuntimeError(f"{argv[-1]!r} wrote none of {markers!r} in 20 s")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 1 << 16)
                except OSError:  # the child closed the terminal
                    break
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    if not any(m in seen for m in markers):
        raise RuntimeError(f"{argv[-1]!r} ended before writing its first screen")
    return elapsed


def srcquiz_command() -> list[str]:
    """What a user runs: the `srcquiz` script `make` installs beside this interpreter
    (`python -m srcquiz` when there is none). `-m` goes through runpy, which imports
    importlib.util and finds the package a second way: 2 ms no user pays."""
    script = Path(sys.executable).with_name("srcquiz")
    return [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "srcquiz"]


def startup_pty(runs: int) -> tuple[float, float, float]:
    """Medians of srcquiz's and the bare app's start in a pty, and the median of the
    ratios of each interleaved pair (the issue's "medians of ratios")."""
    from srcquiz.deck.loader import load_decks
    from srcquiz.paths import default_deck_dirs

    # As installed (`make` compiles): under a dev shell's PYTHONDONTWRITEBYTECODE an
    # edited module would be compiled from source on every start, Textual's never.
    compileall.compile_dir(ROOT / "src", quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SRCQUIZ_HOME": home, "TEXTUAL_ANIMATIONS": "none",
               "TERM": "xterm-256color", "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
        env.pop("SRCQUIZ_DB", None)
        decks, _ = load_decks(default_deck_dirs())
        titles = tuple(d.title.encode() for d in decks)
        ours_argv = srcquiz_command()
        bare_argv = [sys.executable, "-c", PTY_BARE_APP]
        _in_pty(ours_argv, titles, env)  # creates the database and the deck cache
        _days_first_open(env)
        _in_pty(bare_argv, (b"bench-bare-static",), env)
        bare, ours = [], []
        for _ in range(runs):
            bare.append(_in_pty(bare_argv, (b"bench-bare-static",), env))
            ours.append(_in_pty(ours_argv, titles, env))
    ratios = [o / b for o, b in zip(ours, bare, strict=True)]
    return statistics.median(ours), statistics.median(bare), statistics.median(ratios)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="start-ups of each app")
    parser.add_argument(
        "--pty-runs", type=int, default=21, help="start-ups of each app in a pty (~0.3 s a pair)"
    )
    parser.add_argument("--questions", type=int, default=120, help="keypresses to time")
    parser.add_argument(
        "--only", choices=("startup", "pty", "keys"), help="one measure (pty: start-up in a pty)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rows = []
    if args.only in (None, "startup"):
        ours_start, bare_start = startup(args.runs)
        rows.append(
            {
                "measure": "TUI start-up to the decks screen (whole process)",
                "srcquiz_ms": round(ours_start, 1),
                "reference": "bare Textual app, one Static",
                "reference_ms": round(bare_start, 1),
                "ratio": round(ours_start / bare_start, 3),
                "budget": "<= 1.2x",
            }
        )
    if args.only in (None, "startup", "pty"):
        ours_pty, bare_pty, pty_ratio = startup_pty(args.pty_runs)
        rows.append(
            {
                "measure": "TUI start-up to the deck list written to a pty",
                "srcquiz_ms": round(ours_pty, 1),
                "reference": "bare Textual app, Static written to a pty",
                "reference_ms": round(bare_pty, 1),
                "ratio": round(pty_ratio, 3),  # the median of the pairs' ratios
                "budget": "<= 1.15x",
            }
        )
    if args.only in (None, "keys"):
        ours_keys = asyncio.run(keypress_to_feedback(args.questions))
        bare_keys = asyncio.run(bare_keypress())
        floor_keys = asyncio.run(textual_floor())
        ours, bare, floor = (statistics.median(x) for x in (ours_keys, bare_keys, floor_keys))
        measure = f"TUI keypress to feedback painted (median of {len(ours_keys)})"
        for reference, reference_ms, budget in (
            ("bare app: key to Static update painted", bare, "< 10 ms"),  # the app's budget
            ("bare app: key to Static update painted", bare, "<= 2x"),  # the speed issue's
            ("Textual alone: Input, Enter, 15-line sheet shown", floor, ""),  # the floor
        ):
            rows.append(
                {
                    "measure": measure,
                    "srcquiz_ms": round(ours, 2),
                    "reference": reference,
                    "reference_ms": round(reference_ms, 2),
                    "ratio": round(ours / reference_ms, 3),
                    "budget": budget,
                }
            )
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    for row in rows:
        print(
            f"{row['measure']}: srcquiz {row['srcquiz_ms']} ms, {row['reference']} "
            f"{row['reference_ms']} ms, ratio {row['ratio']:.2f} (budget {row['budget']})"
        )
    if args.only in (None, "keys"):
        p90 = statistics.quantiles(ours_keys, n=10)[-1]
        print(f"  keypress to feedback: p90 {p90:.2f} ms, max {max(ours_keys):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
