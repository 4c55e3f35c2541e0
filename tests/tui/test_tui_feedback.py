"""What the feedback says: each fact once, numbers and units as a person writes them,
wrapped lines under their column, `code` shown as code, and the deck's word on a picked
wrong option (`why`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.content import Content
from tui_support import answer_keys, kinds_deck, make_app, only, open_store, text_keys

from srcquiz.deck.kinds import Choice, Number
from srcquiz.deck.loader import load_deck_file, parse_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.tui.app import SrcquizApp
from srcquiz.tui.widgets.session.feedback import FeedbackPanel
from srcquiz.tui.widgets.session.feedback_text import (
    CODE_STYLE,
    LABEL_WIDTH,
    inline_code,
    number_text,
    singular,
    unit_for,
)

WHY_DECK = """\
id: why-deck
title: Signals
sources: [notes]
shuffle: false
questions:
  - id: reload
    kind: choice
    prompt: Which signal makes `nginx` reload its configuration?
    options: [SIGHUP, SIGTERM, SIGUSR2]
    answer: SIGHUP
    explanation: HUP sets `ngx_reconfigure`.
    why:
      SIGTERM: it asks for a fast shutdown, not a reload
  - id: flags
    kind: choice
    prompt: Which are worker flags?
    options: [exiting, reap, quit]
    answer: [exiting, quit]
    explanation: Two of them.
    why:
      reap: only the master reaps children
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from open_store(tmp_path)


def why_deck() -> Deck:
    deck, diags = parse_deck(WHY_DECK, "why.yaml", "why")
    assert deck is not None, diags
    return deck


def panel_text(app: SrcquizApp) -> str:
    return app.screen.query_one(FeedbackPanel).text()


def panel_lines(app: SrcquizApp) -> list[str]:
    return [line.text.rstrip() for line in app.screen.query_one(FeedbackPanel)._lines]


async def _answer(app: SrcquizApp, pilot, keys: list[str] | None = None, right=False):  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+r")  # cram: the question whatever its due date
    item = app.screen.session.current()
    await pilot.press(*(keys if keys is not None else answer_keys(item, right=right)))
    await pilot.pause()


@pytest.mark.parametrize("qid", ["shutdown-steps", "signal-to-flag", "worker-flags"])
async def test_listed_answers_state_each_item_once(store: Store, qid: str) -> None:
    deck = only(kinds_deck(), qid)
    app = make_app([deck], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot)
        text = panel_text(app)
        labels = {line.split()[0] for line in text.splitlines() if line.strip()}
        assert not {"Answer", "You", "Diff"} & labels  # the item lines say it all
        result = app.screen.result
        assert result is not None
        assert result.grade.expected not in text  # the whole answer is not repeated
        for detail in result.grade.details:
            assert text.count(detail.partition(" ")[2]) == 1
        count = result.grade.diff.split("; ", 1)[0]
        assert f": {count}" in text.splitlines()[0]  # the count, in the verdict


async def test_true_or_false_has_no_diff_line(store: Store) -> None:
    app = make_app([only(kinds_deck(), "usr2-ignored")], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot)
        lines = panel_lines(app)
        assert "Answer  true" in lines and "You     false" in lines
        assert not any(line.startswith("Diff") or "→" in line for line in lines)


@pytest.mark.parametrize(
    ("answer", "typed", "answer_line", "you_line"),
    [
        (1, "8", "Answer  1 process", "You     8 (too high)"),
        (2, "1", "Answer  2 processes", "You     1 (too low)"),
        (1024, "1000", "Answer  1024 processes", "You     1000 (too low)"),
    ],
)
async def test_numbers_read_as_written(
    store: Store, answer: int, typed: str, answer_line: str, you_line: str
) -> None:
    deck = kinds_deck()
    question = deck.question("worker-count")
    assert isinstance(question, Number) and question.unit == "processes"
    deck = replace(deck, questions=(replace(question, answer=answer),))
    app = make_app([deck], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot, [*text_keys(typed), "enter"])
        lines = panel_lines(app)
        assert answer_line in lines and you_line in lines


def test_units_and_numbers() -> None:
    assert [singular(w) for w in ("processes", "loops", "caches", "batches", "entries")] == [
        "process", "loop", "cache", "batch", "entry",
    ]  # fmt: skip
    assert [singular(w) for w in ("ms", "MB", "fps", "bus", "status")] == [
        "ms", "MB", "fps", "bus", "status",
    ]  # fmt: skip
    assert unit_for(1, "event loops") == "event loop"
    assert unit_for(3, "event loops") == "event loops"
    assert number_text(1024) == "1024" and number_text(1_000_000) == "1,000,000"
    assert number_text(0.25) == "0.25"


async def test_a_cloze_shows_its_sentence_with_the_blank_filled(store: Store) -> None:
    app = make_app([only(kinds_deck(), "idle-cloze")], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot)
        text = panel_text(app)
        sentence = "The master blocks signals with sigprocmask, then waits in sigsuspend."
        assert f"Answer  {sentence}" in text


async def test_wrapped_lines_stay_under_their_column(store: Store) -> None:
    deck = kinds_deck()
    why = "The master blocks its signals and then waits " * 5 + "for one to arrive."
    question = replace(deck.question("wait-call"), explanation=why)
    app = make_app([replace(deck, questions=(question,))], store)
    async with app.run_test(size=(80, 40)) as pilot:
        await _answer(app, pilot)
        lines = panel_lines(app)
        start = next(i for i, line in enumerate(lines) if line.startswith("Why"))
        following = lines[start + 1 : start + 3]
        assert all(line.startswith(" " * LABEL_WIDTH) and line[LABEL_WIDTH] != " "
                   for line in following), following  # fmt: skip


def test_backticks_become_inline_code() -> None:
    content = inline_code("Call `ngx_signal_handler()` first", "bold")
    assert content.plain == "Call ngx_signal_handler() first"
    code = [span for span in content.spans if CODE_STYLE in str(span.style)]
    assert [content.plain[s.start : s.end] for s in code] == ["ngx_signal_handler()"]
    assert inline_code("no code here").plain == "no code here"
    assert isinstance(inline_code("a ` lone backtick"), Content)


async def test_backticks_in_the_prompt_and_options_show_as_code(store: Store) -> None:
    app = make_app([only(why_deck(), "reload")], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen_text = "\n".join(
            "".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()
        )
        assert "Which signal makes nginx reload its configuration?" in screen_text
        assert "`" not in screen_text


async def test_a_picked_wrong_option_says_why_it_is_wrong(store: Store) -> None:
    deck = only(why_deck(), "reload")
    app = make_app([deck], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot, ["2"])  # SIGTERM (no shuffle)
        lines = panel_lines(app)
        assert "Why not it asks for a fast shutdown, not a reload" in lines
    app = make_app([deck], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot, ["3"])  # SIGUSR2: the deck says nothing about it
        assert not any(line.startswith("Why not") for line in panel_lines(app))


async def test_a_wrongly_chosen_option_in_a_multi_choice_says_why(store: Store) -> None:
    app = make_app([only(why_deck(), "flags")], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await _answer(app, pilot, ["1", "2", "enter"])  # exiting and reap
        lines = panel_lines(app)
        at = next(i for i, line in enumerate(lines) if "reap (not one of them)" in line)
        assert lines[at + 1].strip() == "only the master reaps children"


def test_why_must_name_an_option_and_is_kept_in_the_model(tmp_path: Path) -> None:
    deck = why_deck()
    question = deck.question("reload")
    assert isinstance(question, Choice)
    assert question.why == (("SIGTERM", "it asks for a fast shutdown, not a reload"),)
    broken = tmp_path / "broken.yaml"
    broken.write_text(WHY_DECK.replace("      SIGTERM:", "      SIGTREM:"))
    loaded, diags = load_deck_file(broken)
    assert loaded is None
    assert any("SIGTREM" in d.message and "SIGTERM" in d.message for d in diags)
    right = tmp_path / "right.yaml"
    right.write_text(WHY_DECK.replace("      SIGTERM:", "      SIGHUP:"))
    loaded, diags = load_deck_file(right)
    assert loaded is not None
    assert any(d.severity == "warning" and "right answer" in d.message for d in diags)


async def test_a_code_after_snippet_waits_for_the_answer(store: Store) -> None:
    """`code_after: true`: no snippet beside the question; it is in the feedback."""
    import dataclasses

    deck = only(kinds_deck(), "wait-call")
    q = dataclasses.replace(deck.questions[0], code="sigsuspend(&set);", code_after=True)
    deck = dataclasses.replace(deck, questions=(q,))
    app = make_app([deck], store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        assert not app.screen.query("#code")  # nothing shown with the prompt
        await _answer(app, pilot)
        assert "sigsuspend(&set);" in panel_text(app)
