"""A clickable row with a fixed-width key column, so wrapped (and CJK) text stays aligned.

One Static per row (a two-column grid inside), not a container of widgets:
questions appear faster with fewer widgets to style and lay out.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from srcquiz.textsafe import printable


class Row(Static):
    """One option/item: `key` (e.g. `1.`, `▲▼`) then the text, wrapped under itself."""

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
        grid.add_row(Text(self._key, style="bold"), Text(printable(self._text)))
        self.update(grid)

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
