"""The home screen's two widgets: the filter line and the deck list.

Both are plain text widgets rather than Textual's Input and DataTable: the home
screen is what start-up waits for, and these draw in a fraction of the time.
CJK titles are measured in terminal cells, so the number columns stay aligned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from srcquiz.textsafe import printable

NUMBER_COLUMNS = (("Qs", 4), ("Cards", 6), ("New", 5), ("Due", 5), ("Ret.", 5))
# What each column counts: the legend under the list and the header's tooltips.
COLUMN_HELP = {
    "Qs": "Questions in the deck.",
    "Cards": "Cards you study: one per question, more for a cloze with several blanks "
    "or a card studied both ways.",
    "New": "New cards a review would start today: cards never studied, up to what the "
    "deck's daily new-card limit leaves (0 once it is used up; ctrl+l changes it).",
    "Due": "Cards a review would offer now, within the deck's daily review limit and the "
    "cap on all decks (learning steps due later today are not counted yet).",
    "Ret.": "Retention: the share of reviews of cards seen before that you remembered "
    "(not rated Again), over the last 30 days.",
}
# Two lines that each fit 80 columns.
LEGEND = (
    ("Qs", "questions"),
    ("Cards", "what you study"),
    ("Ret.", "remembered on review (30 days)"),
    ("\n", ""),
    ("New", "to start today"),
    ("Due", "to review now, both within the daily limits (ctrl+l)"),
)


def legend() -> Content:
    """`Qs questions · Cards what you study …`, the column names in bold."""
    parts: list[str | tuple[str, str]] = []
    for label, meaning in LEGEND:
        if label == "\n":
            parts.append("\n")
            continue
        if parts and parts[-1] != "\n":
            parts.append(" · ")
        parts += [(label, "bold"), f" {meaning}"]
    return Content.assemble(*parts)
MARK_WIDTH = 2
# A row's style by (bold, under the cursor).
_ROW_STYLES = {
    (bold, cursor): Style(bold=bold or None, reverse=cursor or None)
    for bold in (False, True)
    for cursor in (False, True)
}
# Titles wider than this are cut, so the numbers stay near the names on a wide screen.
TITLE_MAX = 60


class DeckRow(NamedTuple):  # a NamedTuple: no dataclass code generation at start-up
    key: str
    title: str
    numbers: tuple[str, str, str, str, str]
    marked: bool = False
    bold: bool = False


def fit(text: str, width: int) -> str:
    """`text` cut (with …) or padded to exactly `width` terminal cells."""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (width - 1 - used)


class FilterLine(Static):
    """What has been typed to filter the decks (the screen feeds it keys)."""

    PLACEHOLDER = "type to filter decks…  (? help)"

    def __init__(self) -> None:
        super().__init__(id="filter")
        self.value = ""
        self._draw()

    def set_value(self, value: str) -> None:
        self.value = value
        self._draw()

    def _draw(self) -> None:
        # One line whatever was typed (`#filter`: `height: 1`): each key repaints it,
        # with no layout of the whole screen.
        if self.value:
            shown = printable(self.value)  # pasted text can hold anything
            line = Content.assemble(("Filter: ", "dim"), shown, ("▏", "bold"))
        else:
            line = Content.assemble(("Filter: ", "dim"), ("▏", "bold"), (self.PLACEHOLDER, "dim"))
        self.update(line, layout=False)


class DeckList(ScrollView, can_focus=False):
    """Rows of decks with a cursor; the screen moves it, a click selects or marks.

    Scrolls itself (a ScrollView drawing only the lines in view) rather than sitting
    in a scrolling container: one widget fewer to style, lay out and paint before
    the decks screen's first frame (2 ms of it)."""

    COMPONENT_CLASSES = {"deck-list--header"}
    DEFAULT_CSS = """
    DeckList {
        overflow-x: hidden;
    }
    DeckList > .deck-list--header {
        color: $text-muted;
        text-style: bold;
    }
    """

    class Clicked(Message):
        def __init__(self, index: int, on_mark: bool, double: bool) -> None:
            super().__init__()
            self.index = index
            self.on_mark = on_mark
            self.double = double

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[DeckRow] = []
        self.cursor = 0
        # The lines' texts for a width (new rows clear them): moving the cursor only
        # restyles them.
        self._texts: tuple[int, list[str]] | None = None
        self._base_style = Style()
        self._pass = (0, 0)

    @property
    def keys(self) -> list[str]:
        return [row.key for row in self.rows]

    def set_rows(self, rows: Sequence[DeckRow], keep: str | None = None) -> None:
        self.rows = list(rows)
        self._texts = None
        keys = self.keys
        self.cursor = keys.index(keep) if keep in keys else 0
        self.virtual_size = Size(0, len(self.rows) + 1)  # the header, then a line a deck
        self.refresh()

    def set_row(self, index: int, row: DeckRow) -> None:
        self.rows[index] = row
        self._texts = None
        self.refresh()

    def highlighted(self) -> DeckRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def move_to(self, index: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, index))
            self.refresh()
            # Line 0 is the header; keep the cursor's line in view.
            self.scroll_visible_line(self.cursor + 1)

    def scroll_visible_line(self, line: int) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_y
        if line < top + 1:
            self.scroll_to(y=max(0, line - 1), animate=False)
        elif line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def line_at(self, event: events.MouseEvent) -> int | None:
        """The list line (0: the header) under the pointer."""
        offset = event.get_content_offset(self)
        return None if offset is None else offset.y + int(self.scroll_y)

    def title_width(self) -> int:
        """As wide as the longest title (up to TITLE_MAX) and as the widget allows."""
        numbers_width = sum(w + 1 for _, w in NUMBER_COLUMNS)
        room = self.scrollable_content_region.width - MARK_WIDTH - numbers_width - 1
        longest = max((cell_len(row.title) for row in self.rows), default=0)
        return max(8, min(room, max(longest + 1, 12), TITLE_MAX))

    def line_texts(self) -> list[str]:
        """The header and each deck's row, as text one title width wide."""
        title_width = self.title_width()
        header = " " * MARK_WIDTH + fit("Deck", title_width)
        header += "".join(" " + label.rjust(w) for label, w in NUMBER_COLUMNS)
        lines = [header]
        for row in self.rows:
            text = ("● " if row.marked else "  ") + fit(row.title, title_width)
            text += "".join(
                " " + value.rjust(w)
                for value, (_, w) in zip(row.numbers, NUMBER_COLUMNS, strict=True)
            )
            lines.append(text)
        return lines

    def render_line(self, y: int) -> Strip:
        """One line as one segment: the list is drawn through Textual's line API, a
        strip per line in view, not a Content laid out and wrapped whole."""
        width, top = self._pass
        y += top
        if y > len(self.rows):
            return Strip.blank(width, self._base_style)
        if self._texts is None or self._texts[0] != width:
            self._texts = (width, self.line_texts())
        text = self._texts[1][y]
        if y == 0:
            style = self._base_style + self.get_component_rich_style("deck-list--header")
        else:
            row = self.rows[y - 1]
            style = self._base_style + _ROW_STYLES[row.bold, y - 1 == self.cursor]
        return Strip([Segment(text, style)], cell_len(text)).crop_extend(0, width, self._base_style)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Worked out once a pass, not once a line: the style from every ancestor's,
        # the width left by the scrollbar, the first line in view.
        self._base_style = self.rich_style
        self._pass = (self.scrollable_content_region.width, int(self.scroll_y))
        return super().render_lines(crop)

    def column_at(self, x: int) -> str | None:
        """The number column whose header covers content column `x`, if any."""
        at = MARK_WIDTH + self.title_width()
        for label, width in NUMBER_COLUMNS:
            if at < x <= at + width:
                return label
            at += width + 1
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Over the header, each number column says what it counts."""
        offset = event.get_content_offset(self)
        label = None if offset is None or self.line_at(event) != 0 else self.column_at(offset.x)
        tip = COLUMN_HELP.get(label) if label else None
        if tip != self.tooltip:
            self.tooltip = tip

    def on_click(self, event: events.Click) -> None:
        offset, line = event.get_content_offset(self), self.line_at(event)
        if offset is None or line is None or line < 1 or line > len(self.rows):
            return
        event.stop()
        self.post_message(self.Clicked(line - 1, offset.x < MARK_WIDTH, event.chain >= 2))
