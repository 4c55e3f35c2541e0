"""What you see right after answering: the verdict, the right answer, what you typed,
why, and where in the upstream code it comes from; plus the rating keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import HorizontalGroup, VerticalGroup
from textual.message import Message
from textual.widgets import Button, Static

from srcquiz.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, describe_answer
from srcquiz.scheduler import Rating
from srcquiz.tui.widgets.mouse import MouseButton

if TYPE_CHECKING:
    from srcquiz.session import AnswerResult, StudyItem

VERDICT_TEXT = {
    "right": f"{RIGHT_MARK} Right",
    "almost": f"{ALMOST_MARK} Almost: accepted with a typo",
    "wrong": f"{WRONG_MARK} Wrong",
}
LABEL_WIDTH = 9


class Field(HorizontalGroup):
    """`Label    value`, the value wrapping under itself."""

    def __init__(self, label: str, value: str | Text, *, classes: str = "") -> None:
        super().__init__(classes=f"field {classes}".strip())
        self._label = label
        self._value = value

    def compose(self) -> ComposeResult:
        label = Static(self._label, classes="field-label", markup=False)
        label.styles.width = LABEL_WIDTH
        yield label
        yield Static(self._value, classes="field-value", markup=False)


def source_of(item: StudyItem) -> str:
    if item.question.source:
        return item.question.source
    sources = item.deck.sources
    return sources[0] if len(sources) == 1 else ""


def anchor_text(item: StudyItem) -> str:
    anchor = item.question.anchor
    if anchor is None:
        return ""
    label = anchor.label()
    if anchor.version:
        label = f"{label} @ {anchor.version}" if label else anchor.version
    return label


def diff_text(diff: str) -> Text:
    """`given → expected` with the two sides told apart by more than colour."""
    given, arrow, expected = diff.partition(" → ")
    if not arrow:
        return Text(diff)
    text = Text()
    text.append(given, style="red strike")
    text.append(arrow)
    text.append(expected, style="green bold")
    return text


class FeedbackPanel(VerticalGroup):
    """Built from the engine's AnswerResult (or, for a card being rated, the item alone)."""

    class Rate(Message):
        def __init__(self, rating: Rating) -> None:
            super().__init__()
            self.rating = rating

    class Next(Message):
        pass

    def __init__(self, item: StudyItem, result: AnswerResult | None) -> None:
        super().__init__(id="feedback")
        self.item = item
        self.result = result

    @property
    def self_graded(self) -> bool:
        return self.result is None

    def compose(self) -> ComposeResult:
        item, result = self.item, self.result
        if result is None:
            yield Static(
                "How well did you know it?", id="feedback-verdict", classes="-card", markup=False
            )
            yield Field(
                "Answer", describe_answer(item.question, item.card_key), classes="answer-field"
            )
        else:
            grade = result.grade
            verdict = VERDICT_TEXT[grade.verdict]
            if grade.verdict == "wrong" and 0 < grade.score < 1:
                verdict += f" (partly right: {grade.score:.0%})"
            yield Static(verdict, id="feedback-verdict", classes=f"-{grade.verdict}", markup=False)
            yield Field("Answer", grade.expected, classes="answer-field")
            if grade.verdict != "right":
                yield Field("You", grade.given or "(nothing)")
                if grade.diff:
                    yield Field("Diff", diff_text(grade.diff))
                if grade.details:
                    yield Static("\n".join(grade.details), id="feedback-details", markup=False)
        if item.question.explanation:
            yield Field("Why", item.question.explanation, classes="explanation")
        if source := source_of(item):
            yield Field("Source", source)
        if anchor := anchor_text(item):
            yield Field("Code", anchor)
        with HorizontalGroup(id="rating-row"):
            yield Static("Rating", id="rating-prompt", markup=False)
            for rating in Rating:
                yield MouseButton(
                    f" {int(rating)} {rating.label}", id=f"rate-{int(rating)}", compact=True
                )
            if result is not None:
                yield MouseButton("Next ⏎", id="next", compact=True)
        yield Static(self._keys_hint(), id="feedback-keys", markup=False)

    def _keys_hint(self) -> str:
        if self.result is None:
            return "Press 1-4 to rate and go on (Enter = 3 Good)."
        return "1-4 change the rating, Enter goes on."

    def on_mount(self) -> None:
        if self.result is not None:
            self.show_rating(self.result.rating)

    def show_rating(self, rating: Rating) -> None:
        for r in Rating:
            button = self.query_one(f"#rate-{int(r)}", Button)
            chosen = r == rating
            button.set_class(chosen, "-chosen")
            # Same width either way: a relabelled button keeps its size.
            button.label = f"{'▸' if chosen else ' '}{int(r)} {r.label}"

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("rate-"):
            self.post_message(self.Rate(Rating(int(button_id.removeprefix("rate-")))))
        elif button_id == "next":
            self.post_message(self.Next())
