"""What the screens look like, pinned as SVG snapshots (`pytest --snapshot-update` rewrites
them after a deliberate change). Everything that could vary is fixed: the decks (fixtures),
the shuffles (seed 0), the clock, FSRS fuzz (off), the database (fresh, in tmp) and the
cursor blink (off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_support import (
    FakeClock,
    answer_history,
    answer_keys,
    kinds_deck,
    make_app,
    only,
    open_store,
    second_deck,
)

from srcquiz.progress.store import Store

SMALL = (80, 24)
WIDE = (100, 30)
# The three sizes issue 18 asks for: a laptop's default, a bigger window, a wide monitor.
SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x50": (200, 50)}
BROKEN_DECK = "title: Broken\nquestions:\n  - id: q1\n    kind: short\n    prompt: What?\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def test_decks(snap_compare, store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    assert snap_compare(app, terminal_size=SMALL)


def test_decks_filtered_and_marked(snap_compare, store: Store):
    app = make_app([kinds_deck(), second_deck()], store)
    assert snap_compare(app, press=["r", "e", "d", "tab"], terminal_size=SMALL)


QUESTIONS = [
    "wait-call",  # short, with a C snippet
    "worker-count",  # number with a unit
    "reload-signal",  # choice
    "worker-flags",  # choice, several answers
    "usr2-ignored",  # truefalse
    "idle-cloze",  # cloze
    "shutdown-steps",  # order
    "signal-to-flag",  # match
    "what-is-master",  # card
]


@pytest.mark.parametrize("qid", QUESTIONS)
def test_question(snap_compare, store: Store, qid: str):
    app = make_app([only(kinds_deck(), qid)], store)
    assert snap_compare(app, press=["enter"], terminal_size=SMALL)


def test_card_revealed(snap_compare, store: Store):
    app = make_app([only(kinds_deck(), "what-is-master")], store)
    assert snap_compare(app, press=["enter", "space"], terminal_size=SMALL)


def _answered(right: bool, override: str | None = None):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await pilot.press("enter")
        await pilot.press(*answer_keys(pilot.app.screen.session.current(), right=right))
        if override:
            await pilot.press(override)

    return run_before


@pytest.mark.parametrize("qid", ["wait-call", "shutdown-steps"])
def test_feedback_right(snap_compare, store: Store, qid: str):
    app = make_app([only(kinds_deck(), qid)], store)
    assert snap_compare(app, run_before=_answered(True), terminal_size=WIDE)


@pytest.mark.parametrize("qid", ["wait-call", "worker-flags", "shutdown-steps", "signal-to-flag"])
def test_feedback_wrong(snap_compare, store: Store, qid: str):
    app = make_app([only(kinds_deck(), qid)], store)
    assert snap_compare(app, run_before=_answered(False), terminal_size=WIDE)


def test_a_rated_card_comes_back(snap_compare, store: Store):
    """One key rates (2: Hard) and goes on; the card, still learning, comes back."""
    app = make_app([only(kinds_deck(), "usr2-ignored")], store)
    assert snap_compare(app, run_before=_answered(True, override="2"), terminal_size=SMALL)


def test_summary(snap_compare, store: Store):
    deck = kinds_deck()

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("ctrl+r")
        for n in range(5):
            item = pilot.app.screen.session.current()
            if item.question.kind == "card":
                await pilot.press("space", "enter")  # practice: Enter, I knew it
            else:
                await pilot.press(*answer_keys(item, right=n % 2 == 0), "enter")
        await pilot.press("escape", "y", "down")

    app = make_app([deck], store)
    assert snap_compare(app, run_before=run_before, terminal_size=SMALL)


def _summary_of_two_decks(open_row: int | None = None):  # type: ignore[no-untyped-def]
    """A cram over two decks (one with CJK text), one answer wrong; then, with
    `open_row`, that row's whole feedback (Enter)."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("ctrl+r")
        for n in range(3):
            item = pilot.app.screen.session.current()
            await pilot.press(*answer_keys(item, right=n != 1), "enter")
        await pilot.pause()
        if open_row is not None:
            await pilot.press(*["down"] * open_row, "enter")
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
def test_summary_of_several_decks_at_size(snap_compare, store: Store, size: str):
    """A deck column, and rows cut by cell width (CJK takes two)."""
    app = make_app([only(kinds_deck(), "reload-signal"), second_deck()], store)
    assert snap_compare(app, run_before=_summary_of_two_decks(), terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_answer_from_the_summary_at_size(snap_compare, store: Store, size: str):
    """Enter on a summary row: the question and its whole feedback, rated, no rating keys."""
    app = make_app([only(kinds_deck(), "reload-signal"), second_deck()], store)
    assert snap_compare(app, run_before=_summary_of_two_decks(1), terminal_size=SIZES[size])


def test_stats(snap_compare, store: Store):
    deck, clock = kinds_deck(), FakeClock()
    answer_history(store, deck, clock)
    app = make_app([deck, second_deck()], store, clock=clock)
    assert snap_compare(app, press=["ctrl+s"], terminal_size=WIDE)


@pytest.mark.parametrize("size", list(SIZES))
def test_stats_at_size(snap_compare, store: Store, size: str):
    """Every chart keeps its title, "Retention" included at 80 columns (issue 18)."""
    deck, clock = kinds_deck(), FakeClock()
    answer_history(store, deck, clock)
    app = make_app([deck, second_deck()], store, clock=clock)
    assert snap_compare(app, press=["ctrl+s"], terminal_size=SIZES[size])


def test_help(snap_compare, store: Store):
    app = make_app([kinds_deck()], store)
    assert snap_compare(app, press=["f1"], terminal_size=SMALL)


def test_confirm_quit_mid_session(snap_compare, store: Store):
    app = make_app([kinds_deck()], store)

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("ctrl+r")
        await pilot.press(*answer_keys(pilot.app.screen.session.current()))
        await pilot.press("ctrl+q")

    assert snap_compare(app, run_before=run_before, terminal_size=SMALL)


def test_tiny_terminal(snap_compare, store: Store):
    app = make_app([kinds_deck()], store)
    assert snap_compare(app, terminal_size=(40, 10))


def test_no_color(snap_compare, store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([only(kinds_deck(), "worker-flags")], store)
    assert snap_compare(app, run_before=_answered(False), terminal_size=SMALL)


@pytest.mark.parametrize("size", list(SIZES))
def test_decks_at_size_with_a_skipped_deck(snap_compare, store: Store, tmp_path: Path, size: str):
    from srcquiz.cli.workspace import SkippedDeck
    from srcquiz.deck.loader import load_decks

    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_DECK)
    _decks, diags = load_decks([broken])
    skipped = [SkippedDeck("decks/broken.yaml", tuple(diags))]  # a path the same in every run
    app = make_app([kinds_deck(), second_deck()], store, skipped=skipped)

    async def run_before(pilot: Pilot) -> None:
        pilot.app.clear_notifications()  # the notice has its own test; it would time out here

    assert snap_compare(app, run_before=run_before, terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_feedback_at_size(snap_compare, store: Store, size: str):
    app = make_app([only(kinds_deck(), "wait-call")], store)
    assert snap_compare(app, run_before=_answered(False), terminal_size=SIZES[size])


def _code_shown(pilot_keys: tuple[str, ...] = ("enter", "t", "c")):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        from srcquiz.tui.screens.code import CodeScreen

        await pilot.press(*pilot_keys)
        # git runs in a worker thread: wait (bounded) until the screen shows its
        # outcome, the file or the problem, not merely until no worker is running.
        for _ in range(400):
            screen = pilot.app.screen
            if isinstance(screen, CodeScreen) and (
                screen.query("#code-view") or getattr(screen, "problem", None)
            ):
                break
            await pilot.pause(0.025)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
def test_code_at_size(snap_compare, store: Store, tmp_path: Path, size: str):
    from test_tui_code import anchored_deck
    from upstream_support import make_repo

    from srcquiz.deck.upstream import add_checkout

    add_checkout("acme/server", make_repo(tmp_path / "server"))
    app = make_app([anchored_deck("v2")], store)
    assert snap_compare(app, run_before=_code_shown(), terminal_size=SIZES[size])


def test_code_without_a_checkout(snap_compare, store: Store):
    from test_tui_code import anchored_deck

    app = make_app([anchored_deck("v2")], store)
    assert snap_compare(app, run_before=_code_shown(), terminal_size=SMALL)


def test_settings(snap_compare, store: Store):
    """The settings screen at 80x24, opened on the highlighted deck (#13)."""
    app = make_app([kinds_deck(), second_deck()], store)
    assert snap_compare(app, press=["down", "ctrl+l"], terminal_size=SMALL)
