"""The layout at the three sizes people use (80x24, 120x40, 200x50): a readable measure for
text, question and feedback side by side from 160 columns, and a deck list whose numbers
sit by their names and say what they count."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tui_support import FakeClock, answer_keys, kinds_deck, make_app, only, open_store, second_deck

from srcquiz.deck.loader import load_deck
from srcquiz.paths import bundled_decks_dir
from srcquiz.progress.store import Store
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.widgets.decklist import COLUMN_HELP, DeckList
from srcquiz.tui.widgets.session.feedback import MAX_TEXT_WIDTH, FeedbackPanel
from srcquiz.tui.widgets.session.prompt import PromptView

SMALL, MEDIUM, LARGE = (80, 24), (120, 40), (200, 50)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_text(app: SrcquizApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def _answer_wrong(app: SrcquizApp, pilot, qid: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("enter")
    await pilot.press(*answer_keys(app.screen.session.current(), right=False))
    await pilot.pause()


async def test_wide_terminal_puts_feedback_beside_the_question(store: Store) -> None:
    app = make_app([only(kinds_deck(), "wait-call")], store)
    async with app.run_test(size=LARGE) as pilot:
        await _answer_wrong(app, pilot, "wait-call")
        prompt = app.screen.query_one(PromptView).region
        sheet = app.screen.query_one(FeedbackPanel).region
        assert sheet.x >= prompt.right  # beside, not over, the question
        assert sheet.y <= prompt.y < sheet.bottom  # at the same height: no gap to cross
        assert "Which system call" in screen_text(app)
        assert "✗ Wrong" in screen_text(app)


@pytest.mark.parametrize("size", [SMALL, MEDIUM])
async def test_narrower_terminals_stack_the_feedback_under_the_question(
    store: Store, size: tuple[int, int]
) -> None:
    app = make_app([only(kinds_deck(), "wait-call")], store)
    async with app.run_test(size=size) as pilot:
        await _answer_wrong(app, pilot, "wait-call")
        sheet = app.screen.query_one(FeedbackPanel).region
        assert sheet.width == size[0] and sheet.y > size[1] // 4


@pytest.mark.parametrize("size", [MEDIUM, LARGE])
async def test_text_stops_at_a_readable_width(store: Store, size: tuple[int, int]) -> None:
    deck = kinds_deck()
    long_why = "Because " + "the master waits for signals and does nothing else " * 6
    question = replace(deck.question("wait-call"), explanation=long_why.strip())
    app = make_app([replace(deck, questions=(question,))], store)
    async with app.run_test(size=size) as pilot:
        await _answer_wrong(app, pilot, "wait-call")
        for widget in app.screen.query("#session-body > *"):
            assert widget.region.width <= MAX_TEXT_WIDTH
        sheet = app.screen.query_one(FeedbackPanel)
        widths = [len(line.text.rstrip()) for line in sheet._lines]
        assert max(widths) <= MAX_TEXT_WIDTH
        assert sum("the master waits" in line.text for line in sheet._lines) >= 2  # it wrapped


@pytest.mark.parametrize("size", [SMALL, MEDIUM, LARGE])
async def test_deck_numbers_sit_by_the_names_with_a_legend(
    store: Store, size: tuple[int, int]
) -> None:
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=size):
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.lstrip().startswith("Deck "))
        assert header.index("Ret.") < 80  # not 170 columns away on a wide screen
        text = "\n".join(lines)
        assert "Qs questions · Cards what you study" in text
        assert "Due to review now, both within the daily limits" in text


async def test_due_counts_what_is_due_now_and_later_today_is_said_apart(store: Store) -> None:
    clock = FakeClock()
    app = make_app([only(kinds_deck(), "wait-call")], store, clock=clock)
    async with app.run_test(size=MEDIUM) as pilot:
        await pilot.press("enter")
        await pilot.press(*answer_keys(app.screen.session.current(), right=False))
        # Next: the card comes back in its learning step; end there, then leave the summary.
        await pilot.press("enter", "escape", "y", "escape")
        screen = app.screen
        assert isinstance(screen, DecksScreen)
        listing = screen.query_one(DeckList)
        assert listing.rows[0].numbers[3] == "0"  # the relearning step is minutes away
        assert "0 due now, 1 later today" in screen_text(app)
        clock.advance(3600)
        screen.refresh_decks()
        await pilot.pause()
        assert listing.rows[0].numbers[3] == "1"
        assert "1 due now" in screen_text(app)


async def test_a_list_longer_than_the_screen_scrolls_with_the_cursor(store: Store) -> None:
    """24 decks at 80x24: the cursor's deck stays in view, and a click on a line
    after scrolling picks the deck drawn there."""
    decks = [load_deck(path) for path in sorted(bundled_decks_dir().glob("*.yaml"))]
    app = make_app(decks, store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(DeckList)
        last = listing.rows[-1].title
        assert last not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert listing.scroll_y > 0 and last in screen_text(app)
        # The line drawn at the list's second visible row is the deck clicked.
        await pilot.click(DeckList, offset=(4, 1))
        await pilot.pause()
        picked = listing.rows[listing.cursor].title
        shown = screen_text(app).splitlines()
        assert any(picked in line for line in shown)
        assert listing.cursor == int(listing.scroll_y)
        await pilot.press("home")
        await pilot.pause()
        assert listing.scroll_y == 0 and "Deck" in screen_text(app)


async def test_number_headers_explain_themselves_on_hover(store: Store) -> None:
    app = make_app([kinds_deck(), second_deck()], store)
    async with app.run_test(size=MEDIUM) as pilot:
        listing = app.screen.query_one(DeckList)
        header = listing.line_texts()[0]
        for label in ("Qs", "Cards", "New", "Due", "Ret."):
            x = header.index(label)
            await pilot.hover(DeckList, offset=(x, 0))
            assert listing.tooltip == COLUMN_HELP[label]
        await pilot.hover(DeckList, offset=(3, 1))
        assert listing.tooltip is None


async def test_a_long_description_ends_in_an_ellipsis(store: Store) -> None:
    deck = replace(second_deck(), description="A description that goes on " * 8 + "to the end.")
    app = make_app([deck], store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        details = [line for line in screen_text(app).splitlines() if "A description" in line]
        assert len(details) == 1 and details[0].rstrip().endswith("…")
