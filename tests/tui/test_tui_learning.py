"""The learning loop and the keys after an answer, driven through the app: missed cards
come back, one key rates and goes on, the rating Enter takes is always in view and in
the key bar, practice has no rating, and Ctrl+G helps even without a written hint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tui_support import (
    FakeClock,
    answer_keys,
    kinds_deck,
    make_app,
    only,
    open_store,
    text_keys,
)

from srcquiz.deck.kinds import Question
from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.paths import bundled_decks_dir
from srcquiz.progress.store import Store
from srcquiz.study.grading import describe_answer
from srcquiz.study.scheduler import Rating
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.screens.summary import SummaryScreen
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.session.feedback import FeedbackPanel
from srcquiz.tui.widgets.session.prompt import PromptView

SIZE = (100, 32)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def screen_lines(app: SrcquizApp) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def key_bar(app: SrcquizApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def two_questions() -> Deck:
    deck = kinds_deck()
    picked = tuple(q for q in deck.questions if q.id in ("usr2-ignored", "reload-signal"))
    return replace(deck, questions=picked)


async def test_a_missed_card_comes_back_after_the_others(store: Store) -> None:
    clock = FakeClock()
    app = make_app([two_questions()], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        first = screen.session.current()
        clock.advance(12)
        await pilot.press(*answer_keys(first, right=False), "enter")
        second = screen.session.current()
        assert second is not None and second != first
        assert not screen.query_one(PromptView).again
        clock.advance(12)
        await pilot.press(*answer_keys(second, right=True), "enter")
        # Nothing else is left: the missed card is back (its 1-minute step is within
        # the 20-minute learn-ahead), marked as a learning step.
        assert screen.session.current() == first and screen.phase == "ask"
        assert screen.query_one(PromptView).again
        assert "again: a learning step" in "\n".join(screen_lines(app))
        assert "3 of 3" in str(screen.query_one("#session-progress").render())
        clock.advance(12)
        await pilot.press(*answer_keys(first, right=True), "enter")
        await pilot.press("escape", "y")
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert summary.summary.answered == 2  # each card once
        assert "came back" in str(summary.query_one("#summary-score").render())
    rows = store.reviews(deck_id=first.deck.id, card_key=first.card_key)
    assert [r.rating for r in rows] == [Rating.AGAIN, Rating.GOOD]
    assert rows[1].state_before is not None and rows[1].mode == "review"


async def test_the_key_bar_names_the_rating_enter_takes(store: Store) -> None:
    clock = FakeClock()
    app = make_app([only(kinds_deck(), "wait-call")], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert "^g Hint" in key_bar(app)
        clock.advance(12)
        await pilot.press(*answer_keys(app.screen.session.current()))
        await pilot.pause()
        assert "⏎ Good" in key_bar(app) and "⏎ Next" not in key_bar(app)
        assert "Enter takes 3 Good" in app.screen.query_one(FeedbackPanel).text()
        await pilot.press("enter")  # the card comes back: now with the hint
        await pilot.press("ctrl+g", *answer_keys(app.screen.session.current()))
        await pilot.pause()
        assert "⏎ Hard" in key_bar(app)  # a hinted answer is Hard at best
        await pilot.press("4")  # one key: the cap holds, and it goes on
    rows = store.reviews()
    assert [(r.rating, r.hint_used) for r in rows] == [(Rating.GOOD, False), (Rating.HARD, True)]


def _longest_feedback(decks: list[Deck]) -> tuple[Deck, Question]:
    """The bundled question whose feedback says the most: the right answer shown, the
    explanation and any snippet that comes with the answer."""

    def size(question: Question) -> int:
        code = len(question.code or "") if question.code_after else 0
        answers = max(len(describe_answer(question, key)) for key in question.card_keys())
        return answers + len(question.explanation) + len(question.source) + code

    return max(
        ((deck, q) for deck in decks for q in deck.questions if not q.self_graded),
        key=lambda pair: size(pair[1]),
    )


async def test_the_rating_line_is_in_view_at_80x24_with_the_longest_bundled_feedback(
    store: Store,
) -> None:
    decks = [load_deck(path) for path in sorted(bundled_decks_dir().glob("*.yaml"))]
    deck, question = _longest_feedback(decks)
    app = make_app([only(deck, question.id)], store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.press(*answer_keys(app.screen.session.current(), right=False))
        await pilot.pause()
        panel = app.screen.query_one(FeedbackPanel)
        assert panel.virtual_size.height > panel.size.height, "the feedback must scroll"
        lines = screen_lines(app)
        rating_rows = [n for n, line in enumerate(lines) if "Rating  " in line]
        assert rating_rows, "\n".join(lines)
        assert rating_rows[0] < len(lines) - 1  # above the key bar, on screen
        assert panel.region.y <= rating_rows[0] < panel.region.bottom
        assert "⏎ Again" in lines[-1]  # and the key bar names what Enter takes
        # Scrolled to the top and to the end, the rating line stays where it is.
        for target in (0, panel.max_scroll_y):
            panel.scroll_to(y=target, animate=False)
            await pilot.pause()
            assert "Rating  " in screen_lines(app)[rating_rows[0]]


async def test_practice_has_no_rating_and_counts_apart(store: Store) -> None:
    app = make_app([only(kinds_deck(), "usr2-ignored")], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")  # cram
        screen = app.screen
        assert isinstance(screen, SessionScreen) and screen.session.mode == "cram"
        await pilot.press(*answer_keys(screen.session.current(), right=True))
        await pilot.pause()
        text = screen.query_one(FeedbackPanel).text()
        assert "Rating" not in text and "rated" not in text and "Easy" not in text
        bar = key_bar(app)
        assert "⏎ Next" in bar and not any(word in bar for word in ("Again", "Good", "Easy"))
        await pilot.press("4")  # no rating keys: nothing happens
        assert screen.phase == "feedback"
        await pilot.press("enter")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")  # Enter on the summary opens the answer; Esc leaves
        assert isinstance(app.screen, DecksScreen)
        today = "\n".join(screen_lines(app))
        assert "Today: 0 answers" in today and "1 practice" in today
    [row] = store.reviews()
    assert (row.mode, row.rating) == ("cram", Rating.GOOD)


async def test_ctrl_g_reveals_letters_when_there_is_no_written_hint(store: Store) -> None:
    deck = only(kinds_deck(), "wait-call")
    deck = replace(deck, questions=(replace(deck.questions[0], hint=None),))
    clock = FakeClock()
    app = make_app([deck], store, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter", "ctrl+g")
        prompt = app.screen.query_one(PromptView)
        assert prompt.hints == ("s_________ (10 letters)",)
        await pilot.press("ctrl+g")
        assert prompt.hints == ("si________ (10 letters)",)
        assert "Hint: si________ (10 letters)" in "\n".join(screen_lines(app))
        for _ in range(8):
            await pilot.press("ctrl+g")
        assert prompt.hints == ("sigsuspend (10 letters)",)
        await pilot.press("ctrl+g")  # nothing left to reveal: the app says so
        assert [n.message for n in app._notifications] == ["Every letter is shown already."]
        clock.advance(12)
        await pilot.press(*text_keys("sigsuspend"), "enter")
        assert app.screen.result.rating == Rating.HARD
    [row] = store.reviews()
    assert row.hint_used and row.rating == Rating.HARD


async def test_ctrl_g_says_when_a_question_has_nothing_to_reveal(store: Store) -> None:
    app = make_app([only(kinds_deck(), "usr2-ignored")], store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("enter", "ctrl+g")
        assert [n.message for n in app._notifications] == [
            "This question has no hint and nothing to reveal."
        ]
        assert not app.screen.hint_used
        await pilot.press("t")
        assert app.screen.result.rating == Rating.GOOD  # asking for nothing costs nothing
