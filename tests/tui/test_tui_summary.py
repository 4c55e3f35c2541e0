"""The summary after a session: each answer's whole feedback one key (or click) away,
the deck of each row when a session spans several, and a retry laid out anew."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from tui_support import answer_keys, kinds_deck, make_app, only, open_store, second_deck

from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.screens.answer import AnswerScreen
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.screens.summary import SummaryScreen
from srcquiz.tui.widgets.tables import PassiveTable

SIZES = [(80, 24), (120, 40), (200, 50)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_text(app: SrcquizApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def two_questions() -> Deck:
    """A choice (answered wrong, the first row) and a short answer (right)."""
    deck = kinds_deck()
    questions = (deck.question("reload-signal"), deck.question("wait-call"))
    return replace(deck, questions=questions)


async def finish(app: SrcquizApp, pilot: Pilot, rights: list[bool]) -> SummaryScreen:
    """Cram (the session order is the seeded shuffle), answering as `rights` says."""
    await pilot.press("ctrl+r")
    for right in rights:
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        item = screen.session.current()
        if item.question.kind == "card":
            await pilot.press("space", "enter" if right else "1")  # cram: knew it / missed it
        else:
            await pilot.press(*answer_keys(item, right=right), "enter")
    await pilot.pause()
    assert isinstance(app.screen, SummaryScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_enter_opens_the_whole_feedback_and_escape_returns(store: Store, size) -> None:
    app = make_app([two_questions()], store)
    async with app.run_test(size=size) as pilot:
        summary = await finish(app, pilot, [False, True])
        wrong = next(i for i, r in enumerate(summary.summary.rows) if r.verdict == "wrong")
        summary.query_one(PassiveTable).move_cursor(row=wrong)
        await pilot.press("enter")
        shown = app.screen
        assert isinstance(shown, AnswerScreen)
        await pilot.pause()
        text = screen_text(app)
        item = summary.summary.rows[wrong].item
        assert item.prompt_text() in text  # the question in full, not cut to a cell
        for label in ("✗ Wrong", "Answer  SIGHUP", "You ", "Why     HUP sets"):
            assert label in text, (label, text)
        assert "Enter goes on" not in text  # no rating keys: the answer is saved
        await pilot.press("escape")
        assert app.screen is summary
        assert summary.query_one(PassiveTable).cursor_row == wrong


async def test_a_click_on_a_row_opens_it_and_arrows_step_through(store: Store) -> None:
    app = make_app([two_questions()], store)
    async with app.run_test(size=(80, 24)) as pilot:
        summary = await finish(app, pilot, [False, True])
        table = summary.query_one(PassiveTable)
        assert table.cursor_row == 0
        await pilot.click(PassiveTable, offset=(8, 2))  # the second row (under the header)
        assert isinstance(app.screen, AnswerScreen) and app.screen.index == 1
        await pilot.press("left")
        assert isinstance(app.screen, AnswerScreen) and app.screen.index == 0
        await pilot.press("left")  # nothing before the first
        assert app.screen.index == 0
        await pilot.press("right", "escape")
        assert app.screen is summary and table.cursor_row == 1  # the highlight followed


async def test_a_self_rated_card_shows_its_back_and_rating(store: Store) -> None:
    app = make_app([only(kinds_deck(), "what-is-master")], store)
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(app, pilot, [True, True])
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Answer  Reads the configuration" in text or "Answer  What does" in text
        assert "Rated" not in text  # cram is practice: no rating was given


@pytest.mark.parametrize("size", SIZES)
async def test_a_session_over_several_decks_names_each_rows_deck(store: Store, size) -> None:
    app = make_app([only(kinds_deck(), "wait-call"), second_deck()], store)
    async with app.run_test(size=size) as pilot:
        summary = await finish(app, pilot, [True, True, False])
        text = screen_text(app)
        header = next(line for line in text.splitlines() if "Question" in line)
        assert " Deck " in header
        for row in summary.summary.rows:
            assert any(
                row.item.deck.id in line and row.item.prompt_text()[:8] in line
                for line in text.splitlines()
            ), (row.item.deck.id, text)
        # No row runs past the terminal, CJK prompts (two cells a character) included.
        assert all(cell_len(line) <= size[0] for line in text.splitlines())


async def test_rows_fit_again_after_the_terminal_shrinks(store: Store) -> None:
    """The columns are laid out anew on a resize: none keeps its wider width."""
    app = make_app([only(kinds_deck(), "wait-call"), second_deck()], store)
    async with app.run_test(size=(200, 50)) as pilot:
        await finish(app, pilot, [True, True, False])
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        shrunk = screen_text(app)
    fresh = make_app([only(kinds_deck(), "wait-call"), second_deck()], store)
    async with fresh.run_test(size=(80, 24)) as pilot:
        await finish(fresh, pilot, [True, True, False])
        table_rows = [line for line in screen_text(fresh).splitlines() if " ✓ " in line]
    assert all(cell_len(line) <= 80 for line in shrunk.splitlines())
    assert all(row in shrunk.splitlines() for row in table_rows), (table_rows, shrunk)


async def test_a_single_deck_summary_has_no_deck_column(store: Store) -> None:
    app = make_app([two_questions()], store)
    async with app.run_test(size=(120, 40)) as pilot:
        await finish(app, pilot, [True, True])
        assert " Deck " not in screen_text(app)


async def test_retry_lays_the_match_out_anew(store: Store) -> None:
    """The retry's right-hand column is in another order than the first try's."""
    app = make_app([only(kinds_deck(), "signal-to-flag")], store)
    async with app.run_test(size=(80, 24)) as pilot:
        summary = await finish(app, pilot, [False])
        first = summary.session.items[0]
        await pilot.press("r")
        await pilot.pause()
        retry = app.screen
        assert isinstance(retry, SessionScreen)
        again = retry.session.current()
        assert again.shown_rights() != first.shown_rights()
        text = screen_text(app)
        positions = [text.index(right) for right in again.shown_rights()]
        assert positions == sorted(positions)  # drawn in the new order
        await pilot.press(*answer_keys(again, right=True), "enter")
        assert isinstance(app.screen, SummaryScreen) and app.screen.summary.right == 1
