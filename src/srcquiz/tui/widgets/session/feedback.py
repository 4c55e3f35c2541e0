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

from srcquiz.study.scheduler import Rating
from srcquiz.tui.widgets.session.feedback_text import (
    Block,
    about_blocks,
    reads_code,
    verdict_blocks,
)

if TYPE_CHECKING:
    from rich.style import Style as RichStyle
    from textual.selection import Selection

    from srcquiz.study.session import AnswerResult, StudyItem

# A readable measure: feedback lines wrap at this many columns however wide the sheet.
MAX_TEXT_WIDTH = 100
Part = list[Block] | Content


@lru_cache(maxsize=32)
def rating_line(
    chosen: Rating | None, self_graded: bool, code: bool = False, practice: bool = False
) -> Content:
    """`Rating  1 Again  2 Hard  ▸3 Good  4 Easy  Next ⏎`, each part clickable; with
    `code`, the key that shows the anchored upstream code too. `practice` (cram,
    missed: nothing is scheduled) has no rating, only the way on."""
    if practice:
        return _practice_line(self_graded, code)
    parts = ["[dim]Rating  [/]"]
    for rating in Rating:
        mark = "▸" if rating == chosen else " "
        style = "reverse bold" if rating == chosen else "bold"
        label = f"{mark}{int(rating)} {rating.label}"
        parts.append(f"[@click=screen.rate({int(rating)})][{style}]{label}[/][/]  ")
    if not self_graded:
        parts.append("[@click=screen.next][bold]Next ⏎[/][/]")
    enter = chosen or Rating.GOOD
    hint = f"1-4 rate and go on; Enter takes {int(enter)} {enter.label}."
    return Content.from_markup("".join(parts) + f"\n[dim]{hint}{_code_hint(code)}[/]")


def _practice_line(self_graded: bool, code: bool) -> Content:
    """Practice moves no due dates: no rating, only whether a card was known."""
    if self_graded:
        keys = (
            "[@click=screen.rate(1)][bold]1 Missed it[/][/]  "
            "[@click=screen.next][bold]Knew it ⏎[/][/]"
        )
        hint = "Practice moves no due dates; a missed card can be retried."
    else:
        keys = "[@click=screen.next][bold]Next ⏎[/][/]"
        hint = "Practice moves no due dates: Enter goes on."
    return Content.from_markup(f"{keys}\n[dim]{hint}{_code_hint(code)}[/]")


def _code_hint(code: bool) -> str:
    return " [@click=screen.read_code][b]c[/b] shows the code[/] in its repository." if code else ""


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
        self._parts: dict[str, Part] = {}
        self._drawn: dict[str, tuple[Part, int, list[Strip]]] = {}
        self._labels: dict[tuple[str, tuple[str, ...], int], Strip] = {}
        self._last_width = 0
        self._lines: list[Strip] = []
        self._pinned = 0  # the last lines (the rating part): kept in view while scrolling
        self.practice = False  # cram and missed: no rating (set by the session screen)

    @property
    def self_graded(self) -> bool:
        return self.result is None

    # -- filling ----------------------------------------------------------------

    def prepare(self, item: StudyItem) -> None:
        """Set (and draw, while the question is asked) the part known before the answer."""
        self._prepared = item
        self._parts = {"about": about_blocks(item)}
        self._draw("about", min(self._width(), MAX_TEXT_WIDTH))

    def show(self, item: StudyItem, result: AnswerResult | None, response: object = None) -> None:
        """Fill the sheet for `result` (None: a card's back); `response` is what the answer
        widget gave (the picked options, for the deck's word on a wrong one)."""
        if self._prepared is not item:
            self.prepare(item)
        self.item, self.result = item, result
        self._parts["verdict"] = verdict_blocks(item, result, response)
        self._parts["rating"] = rating_line(
            None if result is None else result.rating,
            self.self_graded,
            reads_code(item),
            self.practice,
        )
        self.refresh(layout=True)  # the layout asks for the height: see get_content_height

    def show_rating(self, rating: Rating) -> None:
        code = self.item is not None and reads_code(self.item)
        self._parts["rating"] = rating_line(rating, self.self_graded, code, self.practice)
        self.refresh(layout=True)

    @property
    def line_count(self) -> int:
        """Lines of feedback laid out (0 until the sheet has been laid out with them)."""
        return len(self._lines)

    def text(self) -> str:
        """Everything the panel says, as plain text (as written, not wrapped)."""
        parts = (self._parts.get(name) for name in ("verdict", "about", "rating"))
        return "\n\n".join(_plain(part) for part in parts if part)

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
        part = self._parts.get(name)
        if not part or width <= 0:
            return []
        key = f"rating {id(part)}" if name == "rating" else name
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[0] is part and drawn[1] == width:
            return drawn[2]
        if isinstance(part, Content):
            lines = self._strips(part, width)
        else:
            lines = [line for block in part for line in self._block_strips(block, width)]
        self._drawn[key] = (part, width, lines)
        return lines

    def _strips(self, content: Content, width: int, pad: bool = False) -> list[Strip]:
        return Visual.to_strips(
            self, content, width, None, self.visual_style, apply_selection=False, pad=pad
        )

    def _block_strips(self, block: Block, width: int) -> list[Strip]:
        """The block's text wrapped beside its label column: a wrapped line starts under
        the first, not under the label."""
        style = self.visual_style.rich_style
        if not block.body:
            return [Strip.blank(width, style)]
        if not block.indent:
            return self._strips(block.body, width) or [Strip.blank(width, style)]
        indent = min(block.indent, max(1, width // 3))
        body = self._strips(block.body, width - indent) or [Strip.blank(width - indent, style)]
        gap = Strip.blank(indent, style)
        first = self._label_strip(block.label, indent) if block.label else gap
        return [Strip.join([first if n == 0 else gap, line]) for n, line in enumerate(body)]

    def _label_strip(self, label: Content, indent: int) -> Strip:
        """A label drawn once and reused: the same few labels come after every answer."""
        key = (label.plain, tuple(str(span.style) for span in label.spans), indent)
        strip = self._labels.get(key)
        if strip is None:
            drawn = self._strips(label.truncate(indent), indent, pad=True)
            strip = drawn[0] if drawn else Strip.blank(indent, self.visual_style.rich_style)
            self._labels[key] = strip
        return strip

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
            rating = self._draw("rating", text_width)
            lines += [blank, *rating, blank]
            self._pinned = len(rating) + 2
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
        index = self._line_at(y)
        if index >= len(self._lines):
            return Strip.blank(self.size.width, self.visual_style.rich_style)
        line = self._lines[index]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(index)) is not None:
            line = _highlight(line, span, self.screen.get_component_rich_style("screen--selection"))
        return line

    def _line_at(self, y: int) -> int:
        """Which line row `y` shows. When the feedback is longer than the sheet, the
        rating part stays at the bottom of it, in view however far the rest is
        scrolled: the rating that Enter takes is never below the fold."""
        height, total = self.size.height, len(self._lines)
        if total > height and self._pinned < height and y >= height - self._pinned:
            return total - (height - y)
        return y + self.scroll_offset.y

    def visible_text(self) -> list[str]:
        """The rows of the sheet as they are drawn now (for tests and screen readers)."""
        return [self.render_line(y).text for y in range(self.size.height)]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()  # a new theme, or NO_COLOR: draw again
        self._labels.clear()
        self.refresh(layout=True)

    # -- text selection ---------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(line.text for line in self._lines)
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()


def _plain(part: Part) -> str:
    if isinstance(part, Content):
        return part.plain
    return "\n".join(block.plain for block in part)


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
