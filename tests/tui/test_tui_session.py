"""Whole sessions driven by keys through the app, checked in the store afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import (
    SIZE,
    FakeClock,
    answer_keys,
    kinds_deck,
    make_app,
    only,
    open_store,
    text_keys,
)

from srcquiz.progress.store import Store
from srcquiz.study.scheduler import Rating
from srcquiz.tui.screens.confirm import ConfirmScreen
from srcquiz.tui.screens.decks import DecksScreen
from srcquiz.tui.screens.session import SessionScreen
from srcquiz.tui.screens.summary import SummaryScreen
from srcquiz.tui.widgets.answer import AnswerWidget
from srcquiz.tui.widgets.session.feedback import FeedbackPanel
from srcquiz.tui.widgets.session.prompt import PromptView

AUTO_GRADED = [
    ("wait-call", "short"),
    ("worker-count", "number"),
    ("reload-signal", "choice"),
    ("worker-flags", "choice"),
    ("usr2-ignored", "truefalse"),
    ("idle-cloze", "cloze"),
    ("shutdown-steps", "order"),
    ("signal-to-flag", "match"),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
@pytest.mark.parametrize(("qid", "kind"), AUTO_GRADED, ids=[q for q, _ in AUTO_GRADED])
async def test_review_one_question_of_each_kind(store: Store, qid: str, kind: str, right: bool):
    deck = only(kinds_deck(), qid)
    clock = FakeClock()
    app = make_app([deck], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # review the highlighted deck
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        item = screen.session.current()
        assert item is not None and item.question.kind == kind
        clock.advance(12)  # neither quick (Easy) nor slow (Hard)
        await pilot.press(*answer_keys(item, right=right))
        panel = screen.query_one(FeedbackPanel)
        assert panel.result is not None
        assert panel.result.grade.verdict == ("right" if right else "wrong")
        # The answer widget stops answering, so rating keys reach the screen.
        assert not screen.query_one(AnswerWidget).answering
        await pilot.press("enter")
        # A missed card, and a new one on its first learning step, comes back before
        # the session ends (the learn-ahead window: nothing else is left).
        assert app.screen is screen and screen.phase == "ask"
        assert screen.session.current() == item and screen.session.position == 1
        assert screen.query_one(PromptView).again
        await pilot.press("escape", "y")
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")  # Enter would open the answer again
        assert isinstance(app.screen, DecksScreen)

    [row] = store.reviews(deck_id=deck.id)
    assert row.card_key == item.card_key
    assert row.verdict == ("right" if right else "wrong")
    assert row.mode == "review"
    assert row.rating == (Rating.GOOD if right else Rating.AGAIN)
    assert row.duration_ms == 12_000
    state = store.card_state(deck.id, item.card_key)
    assert state is not None and state.due > clock.now


async def test_rating_keys_override_the_suggestion_after_typing(store: Store):
    """Digits typed into the answer go to the input; after feedback they rate."""
    deck = only(kinds_deck(), "worker-count")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "1", "enter")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.result is not None and screen.result.rating == Rating.GOOD  # a new card
        assert "▸3 Good" in screen.query_one(FeedbackPanel).text()
        await pilot.press("2")  # one key: rates Hard and goes on
        assert screen.session.results[0].rating == Rating.HARD
        assert screen.phase == "ask" and screen.session.position == 1  # it came back
    [row] = store.reviews(deck_id=deck.id)
    assert row.answer == "1"
    assert row.rating == Rating.HARD


async def test_card_space_reveals_and_digit_rates_and_moves_on(store: Store):
    deck = only(kinds_deck(), "what-is-master")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")  # cram: both the card and its reverse
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert len(screen.session.items) == 2
        first = screen.session.current()
        assert first is not None
        await pilot.press("space")
        assert screen.phase == "reveal"
        panel = screen.query_one(FeedbackPanel)
        assert panel.self_graded
        await pilot.press("1")
        assert screen.session.position == 1
        await pilot.press("space", "enter")  # Enter rates Good
        assert isinstance(app.screen, SummaryScreen)
    rows = store.reviews(deck_id=deck.id)
    assert [(r.card_key, r.rating, r.verdict, r.mode) for r in rows] == [
        (first.card_key, Rating.AGAIN, "wrong", "cram"),
        (screen.session.items[1].card_key, Rating.GOOD, "right", "cram"),
    ]
    # Cram never moves due dates.
    assert store.card_state(deck.id, "what-is-master") is None


async def test_hint_is_recorded_and_caps_the_rating(store: Store):
    deck = only(kinds_deck(), "wait-call")
    clock = FakeClock()
    app = make_app([deck], store, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+g")
        assert "Hint: It suspends until a signal" in str(app.screen.query_one(PromptView).render())
        clock.advance(3)
        await pilot.press(*text_keys("sigsuspend"), "enter")
    [row] = store.reviews(deck_id=deck.id)
    assert row.hint_used
    assert row.rating == Rating.HARD


async def test_retry_missed_from_the_summary(store: Store):
    deck = only(kinds_deck(), "usr2-ignored")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "f", "enter", "escape", "y")  # end as it comes back
        summary = app.screen
        assert isinstance(summary, SummaryScreen)
        assert summary.summary.wrong == 1
        await pilot.press("r")
        retry = app.screen
        assert isinstance(retry, SessionScreen)
        assert retry.session.mode == "missed"
        await pilot.press("t", "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.right == 1
    assert [(r.verdict, r.mode) for r in store.reviews(deck_id=deck.id)] == [
        ("wrong", "review"),
        ("right", "missed"),
    ]


async def test_leaving_mid_session_asks_and_keeps_answers(store: Store):
    deck = kinds_deck()
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        await pilot.press(*answer_keys(screen.session.current()), "enter")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.screen is screen
        await pilot.press("escape", "y")
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.summary.answered == 1
    assert len(store.reviews(deck_id=deck.id)) == 1


async def test_quit_mid_session_confirms_then_exits(store: Store):
    deck = kinds_deck()
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.press(*answer_keys(app.screen.session.current()))
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 answer so far is saved" in str(app.screen.query_one("#confirm-note").render())
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("ctrl+q", "y")
    assert app.return_code == 0
    assert len(store.reviews(deck_id=deck.id)) == 1


async def test_multi_choice_needs_a_choice_before_submitting(store: Store):
    deck = only(kinds_deck(), "worker-flags")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter")
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.phase == "ask"
        await pilot.press("space", "space", "1", "enter")  # toggled twice = off, then 1
        assert screen.phase == "feedback"
    [row] = store.reviews(deck_id=deck.id)
    shown = screen.session.items[0].order
    assert row.answer == deck.questions[0].options[shown[0]]


async def test_order_and_match_work_with_the_mouse(store: Store):
    deck = only(kinds_deck(), "signal-to-flag")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        item = app.screen.session.current()
        lefts = list(app.screen.query("#match-left SideRow"))
        rights = list(app.screen.query("#match-right SideRow"))
        for left in range(3):
            await pilot.click(lefts[left], offset=(12, 0))
            await pilot.click(rights[list(item.order).index(left)], offset=(12, 0))
        await pilot.click("#match-submit")
        assert app.screen.result.grade.verdict == "right"
        panel = app.screen.query_one(FeedbackPanel)
        line = panel.text().splitlines()[-2]  # the rating line, then a hint
        row = panel.outer_size.height - 3  # above the hint line and the bottom padding
        await pilot.click(panel, offset=(line.index("2 Hard") + 1, row))
        screen = app.screen
        assert screen.session.results[-1].rating == Rating.HARD  # rated, and on
        assert screen.phase == "ask" and screen.session.position == 1
        await pilot.press("escape", "y")
        assert isinstance(app.screen, SummaryScreen)

    deck = only(kinds_deck(), "shutdown-steps")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        widget = app.screen.query_one("#answer")
        rows = list(widget.query("Row"))
        before = list(widget.sequence)
        # The ▼ on the first row moves that item down one place.
        await pilot.click(rows[0], offset=(1, 0))
        assert widget.sequence == [before[1], before[0], *before[2:]]
        # Click a row to pick it up, another to drop it there.
        await pilot.click(rows[3], offset=(12, 0))
        await pilot.click(rows[0], offset=(12, 0))
        assert widget.sequence[0] == before[3]


async def test_match_undo_removes_the_last_pair(store: Store):
    deck = only(kinds_deck(), "signal-to-flag")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "1", "a", "2", "b")
        widget = app.screen.query_one("#answer")
        assert widget.pairs == {0: 0, 1: 1}
        await pilot.press("backspace")
        assert widget.pairs == {0: 0}
        await pilot.press("enter")  # not complete: Enter picks, it does not submit
        assert app.screen.phase == "ask"


async def test_the_first_frame_after_an_answer_holds_the_whole_feedback(store: Store):
    """The feedback is laid out with the frame that shows it, never an empty sheet first
    (its lines are stacked inside the layout; see FeedbackPanel.get_content_height)."""
    deck = only(kinds_deck(), "wait-call")
    app = make_app([deck], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        panel = screen.query_one(FeedbackPanel)
        frames: list[tuple[bool, int, str]] = []
        display = app._display

        def record(shown_screen, update) -> None:  # type: ignore[no-untyped-def]
            display(shown_screen, update)
            if update is not None:
                frames.append((panel.visible, panel.line_count, panel.text()))

        app._display = record  # type: ignore[method-assign]
        await pilot.press(*text_keys("nope"), "enter")
        await pilot.pause()
        first = next(f for f in frames if f[0])
        assert first[1] > 0 and "✗ Wrong" in first[2] and "Why" in first[2]


@contextlib.asynccontextmanager
async def _feedback_to_a_wrong_answer(store: Store):  # type: ignore[no-untyped-def]
    """A running app showing the feedback to a wrong short answer: (app, pilot, panel)."""
    app = make_app([only(kinds_deck(), "wait-call")], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", *text_keys("nope"), "enter")
        await pilot.pause()
        yield app, pilot, app.screen.query_one(FeedbackPanel)


async def test_feedback_text_can_be_selected_across_its_parts(store: Store):
    """Each line carries its own place, so a selection reads in the order shown, from
    the verdict through the explanation to the rating keys."""
    from textual.geometry import Offset
    from textual.selection import Selection

    async with _feedback_to_a_wrong_answer(store) as (app, pilot, panel):
        everything, _ = panel.get_selection(Selection(None, None))
        lines = everything.splitlines()
        verdict = next(i for i, line in enumerate(lines) if line.startswith("✗ Wrong"))
        why = next(i for i, line in enumerate(lines) if line.startswith("Why"))
        rating = next(i for i, line in enumerate(lines) if line.startswith("Rating"))
        assert verdict < why < rating
        picked, _ = panel.get_selection(Selection(Offset(2, verdict), Offset(3, why)))
        assert picked.startswith("Wrong") and picked.endswith("Why")
        # What the mouse finds under a character is that same place.
        region = panel.content_region
        widget, offset = app.screen.get_widget_and_offset_at(region.x + 4, region.y + why)
        assert widget is panel and offset == Offset(4, why)
        # A selection is drawn highlighted.
        app.screen.selections = {panel: Selection(Offset(2, verdict), Offset(5, verdict))}
        await pilot.pause()
        highlight = app.screen.get_component_rich_style("screen--selection")
        line = panel.render_line(verdict)
        marked = [seg.text for seg in line if seg.style and highlight.bgcolor
                  and seg.style.bgcolor == highlight.bgcolor]
        assert "".join(marked) == "Wro"


async def test_feedback_is_drawn_again_in_a_new_theme(store: Store):
    async with _feedback_to_a_wrong_answer(store) as (app, pilot, panel):

        def verdict_colour():  # type: ignore[no-untyped-def]
            line = next(line for line in panel._lines if line.text.startswith("✗ Wrong"))
            return next(iter(line)).style.color

        before = verdict_colour()
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        await pilot.pause()
        assert verdict_colour() != before


async def test_a_huge_paste_into_the_answer_box_is_refused_and_the_app_stays_quick(
    store: Store,
):
    """100k pasted characters: Textual's input would keep every edit in its undo history
    (minutes of CPU, GBs); the box holds at most what the store keeps of an answer."""
    from textual import events

    from srcquiz.progress.rows import MAX_ANSWER_CHARS
    from srcquiz.tui.widgets.answer.base import AnswerInput

    app = make_app([only(kinds_deck(), "wait-call")], store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        box = app.screen.query_one(AnswerInput)
        box.post_message(events.Paste("y" * 100_000))
        await pilot.pause()
        assert len(box.value) <= MAX_ANSWER_CHARS
        await pilot.press(*"sigsuspend")
        assert box.value.endswith("sigsuspend") and len(box.value) <= MAX_ANSWER_CHARS
