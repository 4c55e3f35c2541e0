"""What you see right after answering: the verdict, the right answer, what you typed,
why, and where in the upstream code it comes from; plus the rating keys.

Two widgets only (the text, the clickable rating line), both Textual Content
rather than Rich tables: feedback must be on screen within milliseconds of the
keypress, and every widget and Rich layout costs time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from srcquiz.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, describe_answer
from srcquiz.scheduler import Rating

if TYPE_CHECKING:
    from srcquiz.session import AnswerResult, StudyItem

VERDICT_TEXT = {
    "right": f"{RIGHT_MARK} Right",
    "almost": f"{ALMOST_MARK} Almost: accepted with a typo",
    "wrong": f"{WRONG_MARK} Wrong",
}
VERDICT_STYLE = {
    "right": "bold $text-success",
    "almost": "bold $text-warning",
    "wrong": "bold $text-error",
}
LABEL_WIDTH = 8


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


Part = str | tuple[str, str]


def diff_parts(diff: str) -> list[Part]:
    """`given → expected` with the two sides told apart by more than colour."""
    given, arrow, expected = diff.partition(" → ")
    if not arrow:
        return [diff]
    return [(given, "strike $text-error"), arrow, (expected, "bold $text-success")]


def _field(label: str, *value: Part) -> list[Part]:
    return [(label.ljust(LABEL_WIDTH), "dim"), *value, "\n"]


def feedback_content(item: StudyItem, result: AnswerResult | None) -> Content:
    """The whole feedback as one Content: the cheapest thing for Textual to lay out."""
    parts: list[Part] = []
    if result is None:
        parts += [("How well did you know it?", "bold"), "\n\n"]
        parts += _field("Answer", (describe_answer(item.question, item.card_key), "bold"))
    else:
        grade = result.grade
        verdict = VERDICT_TEXT[grade.verdict]
        if grade.verdict == "wrong" and 0 < grade.score < 1:
            verdict += f" (partly right: {grade.score:.0%})"
        parts += [(verdict, VERDICT_STYLE[grade.verdict]), "\n\n"]
        parts += _field("Answer", (grade.expected, "bold"))
        if grade.verdict != "right":
            parts += _field("You", grade.given or "(nothing)")
            if grade.diff:
                parts += _field("Diff", *diff_parts(grade.diff))
            if grade.details:
                parts += ["\n", *(f"  {line}\n" for line in grade.details)]
    rest: list[Part] = []
    if item.question.explanation:
        rest += _field("Why", item.question.explanation)
    if source := source_of(item):
        rest += _field("Source", source)
    if anchor := anchor_text(item):
        rest += _field("Code", anchor)
    if rest:
        parts += ["\n", *rest]
    return Content.assemble(*parts).rstrip()


@lru_cache(maxsize=16)
def rating_line(chosen: Rating | None, self_graded: bool) -> Content:
    """`Rating  1 Again  2 Hard  ▸3 Good  4 Easy  Next ⏎`, each part clickable."""
    parts = ["[dim]Rating  [/]"]
    for rating in Rating:
        mark = "▸" if rating == chosen else " "
        style = "reverse bold" if rating == chosen else "bold"
        label = f"{mark}{int(rating)} {rating.label}"
        parts.append(f"[@click=screen.rate({int(rating)})][{style}]{label}[/][/]  ")
    if not self_graded:
        parts.append("[@click=screen.next][bold]Next ⏎[/][/]")
    hint = (
        "Press 1-4 to rate and go on (Enter = 3 Good)."
        if self_graded
        else "1-4 change the rating, Enter goes on."
    )
    return Content.from_markup("".join(parts) + f"\n[dim]{hint}[/]")


class FeedbackPanel(Static):
    """The feedback for one answer (or, for a card being rated, its back).

    Mounted once per session and refilled: one Static, so showing it costs
    almost no layout."""

    def __init__(self) -> None:
        super().__init__("", id="feedback")
        self.item: StudyItem | None = None
        self.result: AnswerResult | None = None

    @property
    def self_graded(self) -> bool:
        return self.result is None

    def show(self, item: StudyItem, result: AnswerResult | None) -> None:
        self.item, self.result = item, result
        self.update(self._content(None if result is None else result.rating))

    def _content(self, rating: Rating | None) -> Content:
        assert self.item is not None
        return Content.assemble(
            feedback_content(self.item, self.result),
            "\n\n",
            rating_line(rating, self.self_graded),
        )

    def show_rating(self, rating: Rating) -> None:
        self.update(self._content(rating))
