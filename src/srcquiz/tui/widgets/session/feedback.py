"""What you see right after answering: the verdict, the right answer, what you typed,
why, and where in the upstream code it comes from; plus the rating keys.

Feedback must be on screen within 10 ms of the keypress (issue 5), and drawing
text is most of that. So the panel is three pieces of Textual Content: the part
that depends on the answer (verdict, answer, diff), drawn after the keypress; the
part that does not (why, source, code), drawn while the question is still being
asked; and the rating line, drawn once per rating and reused.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from textual.containers import VerticalScroll
from textual.content import Content
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from srcquiz.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, describe_answer
from srcquiz.scheduler import Rating

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.selection import Selection

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


def verdict_content(item: StudyItem, result: AnswerResult | None) -> Content:
    """The part that depends on the answer (for a card being rated: its back)."""
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
    return Content.assemble(*parts).rstrip()


def about_content(item: StudyItem) -> Content:
    """The part known before the answer: why, the source article, the upstream code."""
    parts: list[Part] = []
    if item.question.explanation:
        parts += _field("Why", item.question.explanation)
    if source := source_of(item):
        parts += _field("Source", source)
    if anchor := anchor_text(item):
        parts += _field("Code", anchor)
    return Content.assemble(*parts).rstrip()


def feedback_content(item: StudyItem, result: AnswerResult | None) -> Content:
    """The whole feedback text (the panel shows it in two pieces)."""
    about = about_content(item)
    verdict = verdict_content(item, result)
    return Content.assemble(verdict, "\n\n", about) if about else verdict


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


class DrawnAhead(Widget):
    """Text whose lines are drawn when it is set (or when asked), not when it is shown.

    A Static draws its text in the frame that first shows it; this one can be drawn
    while it is still hidden, so the frame that shows it only copies lines. Same
    look, wrapping and text selection as a Static holding the same Content."""

    DEFAULT_CSS = """
    DrawnAhead {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Content("")
        self._lines: list[Strip] = []
        self._drawn_at: int | None = None  # the width the lines were drawn for

    def update(self, content: Content) -> None:
        if content is self.content:
            return  # the same (cached) rating line: its lines are still good
        self.content = content
        self._drawn_at = None
        self.refresh(layout=True)

    def draw_ahead(self) -> None:
        """Draw the lines now, for the width the widget has."""
        if self.size.width:
            self.lines_for(self.size.width)

    def lines_for(self, width: int) -> list[Strip]:
        if self._drawn_at != width:
            self._lines = Visual.to_strips(self, self.content, width, None, self.visual_style)
            self._drawn_at = width
        return self._lines

    def render(self) -> Content:
        return self.content

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines_for(width))

    def render_line(self, y: int) -> Strip:
        lines = self.lines_for(self.size.width)
        if y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def notify_style_update(self) -> None:
        self._drawn_at = None  # a new theme, or NO_COLOR: draw again
        super().notify_style_update()

    def selection_updated(self, selection: Selection | None) -> None:
        self._drawn_at = None  # the highlight is part of the drawn lines
        super().selection_updated(selection)


class FeedbackPanel(VerticalScroll, can_focus=False):
    """The sheet over the lower part of the session screen that shows the feedback for
    one answer (or, for a card being rated, its back); it scrolls when long.

    Mounted once per session, hidden while asking and refilled. `prepare` (when a
    question is shown) fills and draws the part that does not depend on the answer.
    The texts sit right in the sheet, with no container between: every widget
    under the sheet's area is drawn again in the frame that shows it."""

    DEFAULT_CSS = """
    FeedbackPanel > #feedback-verdict {
        padding-top: 1;
    }
    FeedbackPanel > #feedback-about {
        margin-top: 1;
    }
    FeedbackPanel > #feedback-rating {
        margin-top: 1;
        padding-bottom: 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.item: StudyItem | None = None
        self.result: AnswerResult | None = None
        self._prepared: StudyItem | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield DrawnAhead(id="feedback-verdict")
        yield DrawnAhead(id="feedback-about")
        yield DrawnAhead(id="feedback-rating")

    @property
    def self_graded(self) -> bool:
        return self.result is None

    def prepare(self, item: StudyItem) -> None:
        """Fill in the part known before the answer; drawn after the next layout."""
        about = self.query_one("#feedback-about", DrawnAhead)
        content = about_content(item)
        about.update(content)
        about.display = bool(content)
        self._prepared = item
        self.call_after_refresh(about.draw_ahead)

    def show(self, item: StudyItem, result: AnswerResult | None) -> None:
        if self._prepared is not item:
            self.prepare(item)
        self.item, self.result = item, result
        self.query_one("#feedback-verdict", DrawnAhead).update(verdict_content(item, result))
        self._show_rating(None if result is None else result.rating)

    def show_rating(self, rating: Rating) -> None:
        self._show_rating(rating)

    def _show_rating(self, rating: Rating | None) -> None:
        self.query_one("#feedback-rating", DrawnAhead).update(rating_line(rating, self.self_graded))

    def text(self) -> str:
        """Everything the panel says, as plain text (as shown, without wrapping)."""
        parts = [str(w.content) for w in self.query(DrawnAhead) if w.display and w.content]
        return "\n\n".join(parts)
