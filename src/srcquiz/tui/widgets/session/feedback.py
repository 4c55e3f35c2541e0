"""What you see right after answering: the verdict, the right answer, what you typed,
why, and where in the upstream code it comes from; plus the rating keys.

Feedback must be on screen within 10 ms of the keypress (issue 5), and drawing
is most of that. So the sheet is one line-drawing widget (every widget under its
area is drawn again in the frame that shows it) stacking three pieces of Textual
Content drawn at different times: the part that depends on the answer (verdict,
answer, diff) after the keypress; the part that does not (why, source, code)
while the question is still being asked; the rating line once per rating.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from srcquiz.study.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, describe_answer
from srcquiz.study.scheduler import Rating
from srcquiz.textsafe import printable

if TYPE_CHECKING:
    from rich.style import Style as RichStyle
    from textual.selection import Selection

    from srcquiz.study.session import AnswerResult, StudyItem

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
# A readable measure: feedback lines wrap at this many columns however wide the sheet.
MAX_TEXT_WIDTH = 100


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
    given, arrow, expected = printable(diff).partition(" → ")
    if not arrow:
        return [diff]
    return [(given, "strike $text-error"), arrow, (expected, "bold $text-success")]


def _field(label: str, *value: Part) -> list[Part]:
    return [(label.ljust(LABEL_WIDTH), "dim"), *value, "\n"]


def _bold(text: str) -> Part:
    return (printable(text), "bold")


def verdict_content(item: StudyItem, result: AnswerResult | None) -> Content:
    """The part that depends on the answer (for a card being rated: its back)."""
    parts: list[Part] = []
    if result is None:
        parts += [("How well did you know it?", "bold"), "\n\n"]
        parts += _field("Answer", _bold(describe_answer(item.question, item.card_key)))
    else:
        grade = result.grade
        verdict = VERDICT_TEXT[grade.verdict]
        if grade.verdict == "wrong" and 0 < grade.score < 1:
            verdict += f" (partly right: {grade.score:.0%})"
        parts += [(verdict, VERDICT_STYLE[grade.verdict]), "\n\n"]
        parts += _field("Answer", _bold(grade.expected))
        if grade.verdict != "right":
            parts += _field("You", printable(grade.given) or "(nothing)")
            if grade.diff:
                parts += _field("Diff", *diff_parts(grade.diff))
            if grade.details:
                parts += ["\n", *(f"  {printable(line)}\n" for line in grade.details)]
    return Content.assemble(*parts).rstrip()


def about_content(item: StudyItem) -> Content:
    """The part known before the answer: why, the source article, the upstream code."""
    parts: list[Part] = []
    if item.question.explanation:
        parts += _field("Why", printable(item.question.explanation))
    if source := source_of(item):
        parts += _field("Source", printable(source))
    if anchor := anchor_text(item):
        parts += _field("Code", printable(anchor))
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


class FeedbackPanel(ScrollView, can_focus=False):
    """The sheet over the lower part of the session screen with the feedback for one
    answer (or, for a card being rated, its back); it scrolls when long.

    Mounted once per session, hidden while asking and refilled. One line-drawing
    widget rather than a container of Statics: every widget under the sheet's area
    is drawn again in the frame that shows it. Its three parts are drawn at
    different times: `prepare` (when a question is shown) draws why/source/code,
    `show` draws the verdict, and each rating line is drawn once and reused.
    """

    DEFAULT_CSS = """
    FeedbackPanel {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        scrollbar-size-horizontal: 0;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.item: StudyItem | None = None
        self.result: AnswerResult | None = None
        self._prepared: StudyItem | None = None
        self._parts: dict[str, Content] = {}
        self._drawn: dict[str, tuple[Content, int, list[Strip]]] = {}
        self._last_width = 0
        self._lines: list[Strip] = []

    @property
    def self_graded(self) -> bool:
        return self.result is None

    # -- filling ----------------------------------------------------------------

    def prepare(self, item: StudyItem) -> None:
        """Set (and draw, while the question is asked) the part known before the answer."""
        self._prepared = item
        self._parts = {"about": about_content(item)}
        self._draw("about", min(self._width(), MAX_TEXT_WIDTH))

    def show(self, item: StudyItem, result: AnswerResult | None) -> None:
        if self._prepared is not item:
            self.prepare(item)
        self.item, self.result = item, result
        self._parts["verdict"] = verdict_content(item, result)
        self._parts["rating"] = rating_line(
            None if result is None else result.rating, self.self_graded
        )
        self.refresh(layout=True)  # the layout asks for the height: see get_content_height

    def show_rating(self, rating: Rating) -> None:
        self._parts["rating"] = rating_line(rating, self.self_graded)
        self.refresh(layout=True)

    @property
    def line_count(self) -> int:
        """Lines of feedback laid out (0 until the sheet has been laid out with them)."""
        return len(self._lines)

    def text(self) -> str:
        """Everything the panel says, as plain text (as written, not wrapped)."""
        parts = (self._parts.get(name) for name in ("verdict", "about", "rating"))
        return "\n\n".join(str(part) for part in parts if part)

    # -- drawing ----------------------------------------------------------------

    def _width(self) -> int:
        """Text width: the content width less the scrollbar's column. While hidden the
        sheet may have no size; then the width it last had."""
        width = self.size.width - self.styles.scrollbar_size_vertical
        if width > 0:
            self._last_width = width
        return self._last_width

    def _draw(self, name: str, width: int) -> list[Strip]:
        """The lines of one part at `width`, drawn again only when it or the width changed.
        Each rating line (one per rating) keeps its own lines."""
        content = self._parts.get(name)
        if not content or width <= 0:
            return []
        key = f"rating {id(content)}" if name == "rating" else name
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[0] is content and drawn[1] == width:
            return drawn[2]
        lines = Visual.to_strips(
            self, content, width, None, self.visual_style, apply_selection=False
        )
        self._drawn[key] = (content, width, lines)
        return lines

    def _assemble(self, width: int) -> None:
        """Stack the parts (a blank line around each) and give every line its place,
        which text selection reads."""
        if width <= 0 or "verdict" not in self._parts:
            self._lines = []
        else:
            text_width = min(width, MAX_TEXT_WIDTH)
            blank = Strip.blank(text_width, self.visual_style.rich_style)
            lines = [blank, *self._draw("verdict", text_width)]
            if about := self._draw("about", text_width):
                lines += [blank, *about]
            lines += [blank, *self._draw("rating", text_width), blank]
            if text_width < width:
                style = self.visual_style.rich_style
                lines = [line.extend_cell_length(width, style) for line in lines]
            self._lines = [line.apply_offsets(0, y) for y, line in enumerate(lines)]
        # Set quietly: this runs inside a layout, which reads it right after.
        self.set_reactive(FeedbackPanel.virtual_size, Size(width, len(self._lines)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Lines are stacked here, inside the layout, so the frame that shows the sheet
        already holds them. The scrollbar's column is always kept (scrollbar-gutter:
        stable), so a long text never has to wrap again once it turns out to scroll."""
        self._assemble(width - self.styles.scrollbar_size_vertical)
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        if index >= len(self._lines):
            return Strip.blank(self.size.width, self.visual_style.rich_style)
        line = self._lines[index]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(index)) is not None:
            line = _highlight(line, span, self.screen.get_component_rich_style("screen--selection"))
        return line

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()  # a new theme, or NO_COLOR: draw again
        self.refresh(layout=True)

    # -- text selection ---------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(line.text for line in self._lines)
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()


def _highlight(line: Strip, span: tuple[int, int], style: RichStyle) -> Strip:
    """`line` with characters `span` (end -1: to the end) in the selection style."""
    start, end = span
    if end == -1:
        end = len(line.text)
    segments: list[Segment] = []
    at = 0
    for text, seg_style, control in line:
        stop = at + len(text)
        if control or stop <= start or at >= end:
            segments.append(Segment(text, seg_style, control))
        else:
            cut_a, cut_b = max(start - at, 0), min(end - at, len(text))
            if cut_a:
                segments.append(Segment(text[:cut_a], seg_style))
            picked = style if seg_style is None else seg_style + style
            segments.append(Segment(text[cut_a:cut_b], picked))
            if cut_b < len(text):
                segments.append(Segment(text[cut_b:], seg_style))
        at = stop
    return Strip(segments, line.cell_length)
