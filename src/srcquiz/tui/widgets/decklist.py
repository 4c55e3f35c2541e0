"""The home screen's two widgets: the filter line and the deck list.

Both are plain text widgets rather than Textual's Input and DataTable: the home
screen is what start-up waits for, and these draw in a fraction of the time.
CJK titles are measured in terminal cells, so the number columns stay aligned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from srcquiz.textsafe import printable

NUMBER_COLUMNS = (("Qs", 4), ("New", 4), ("Due", 4), ("Ret.", 5))
MARK_WIDTH = 2


class DeckRow(NamedTuple):  # a NamedTuple: no dataclass code generation at start-up
    key: str
    title: str
    numbers: tuple[str, str, str, str]
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
        if self.value:
            shown = printable(self.value)  # pasted text can hold anything
            self.update(Content.assemble(("Filter: ", "dim"), shown, ("▏", "bold")))
        else:
            self.update(
                Content.assemble(("Filter: ", "dim"), ("▏", "bold"), (self.PLACEHOLDER, "dim"))
            )


class DeckList(Widget):
    """Rows of decks with a cursor; the screen moves it, a click selects or marks."""

    DEFAULT_CSS = """
    DeckList {
        height: auto;
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

    @property
    def keys(self) -> list[str]:
        return [row.key for row in self.rows]

    def set_rows(self, rows: Sequence[DeckRow], keep: str | None = None) -> None:
        self.rows = list(rows)
        keys = self.keys
        self.cursor = keys.index(keep) if keep in keys else 0
        self.refresh(layout=True)

    def set_row(self, index: int, row: DeckRow) -> None:
        self.rows[index] = row
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
        parent = self.parent
        if isinstance(parent, Widget) and parent.is_scrollable:
            height = parent.scrollable_content_region.height
            top = parent.scroll_y
            if line < top + 1:
                parent.scroll_to(y=max(0, line - 1), animate=False)
            elif line >= top + height:
                parent.scroll_to(y=line - height + 1, animate=False)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        return len(self.rows) + 1

    def render(self) -> Content:
        width = self.size.width
        numbers_width = sum(w + 1 for _, w in NUMBER_COLUMNS)
        title_width = max(8, width - MARK_WIDTH - numbers_width - 1)
        lines: list[Content] = []
        header = " " * MARK_WIDTH + fit("Deck", title_width)
        header += "".join(" " + label.rjust(w) for label, w in NUMBER_COLUMNS)
        lines.append(Content.styled(header, "bold $text-muted"))
        for index, row in enumerate(self.rows):
            text = ("● " if row.marked else "  ") + fit(row.title, title_width)
            text += "".join(
                " " + value.rjust(w)
                for value, (_, w) in zip(row.numbers, NUMBER_COLUMNS, strict=True)
            )
            style = "bold" if row.bold else ""
            if index == self.cursor:
                style = f"{style} reverse".strip()
            lines.append(Content.styled(text, style))
        return Content("\n").join(lines)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1 or offset.y > len(self.rows):
            return
        event.stop()
        self.post_message(self.Clicked(offset.y - 1, offset.x < MARK_WIDTH, event.chain >= 2))
