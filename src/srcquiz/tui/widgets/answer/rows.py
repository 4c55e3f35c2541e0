"""A clickable row with a fixed-width key column, so wrapped (and CJK) text stays aligned.

One Static per row (a two-column grid inside), not a container of widgets:
questions appear faster with fewer widgets to style and lay out.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from srcquiz.textsafe import printable

CODE_RE = re.compile(r"`([^`\n]+)`")
# Inline code in deck text, as the feedback shows it; a component class, so it follows
# the theme (these rows are Rich text, which takes no theme variables).
CODE_CLASS = "text--code"
CODE_CSS = """
    & > .text--code {
        color: $text-warning;
        background: $warning 10%;
    }
"""


def rich_inline(text: str, code_style: Style | str) -> Text:
    """`text` (escaped) with each `backticked` span in `code_style`, backticks dropped."""
    text = printable(text)
    if "`" not in text:
        return Text(text)
    out = Text()
    last = 0
    for match in CODE_RE.finditer(text):
        out.append(text[last : match.start()])
        out.append(match.group(1), style=code_style)
        last = match.end()
    out.append(text[last:])
    return out


def code_style(widget: Widget) -> Style | str:
    """The theme's inline code style once `widget` (declaring CODE_CLASS) is mounted."""
    if not widget.is_mounted:
        return "bold"
    return widget.get_component_rich_style(CODE_CLASS, partial=True)


class Row(Static):
    """One option/item: `key` (e.g. `1.`, `▲▼`) then the text, wrapped under itself."""

    COMPONENT_CLASSES = {CODE_CLASS}
    DEFAULT_CSS = "Row {" + CODE_CSS + "}"

    class Clicked(Message):
        def __init__(self, row: Row, x: int) -> None:
            super().__init__()
            self.row = row
            self.x = x

    def __init__(self, index: int, key: str, text: str, *, key_width: int = 4) -> None:
        super().__init__(classes="row")
        self.index = index
        self._key = key
        self._text = text
        self._key_width = key_width
        self._draw()

    def _draw(self) -> None:
        grid = Table.grid(padding=(0, 1, 0, 0))
        grid.add_column(width=self._key_width, no_wrap=True)
        grid.add_column(ratio=1)
        text = rich_inline(self._text, code_style(self)) if "`" in self._text else None
        grid.add_row(Text(self._key, style="bold"), text or Text(printable(self._text)))
        self.update(grid)

    def on_mount(self) -> None:
        if "`" in self._text:
            self._draw()  # now the theme's code style is known

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if "`" in self._text and self.is_mounted:
            self._draw()

    def set_key(self, key: str) -> None:
        if key != self._key:
            self._key = key
            self._draw()

    def set_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._draw()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        offset = event.get_content_offset(self)
        self.post_message(self.Clicked(self, offset.x if offset else 0))
