"""A clickable row with a fixed-width key column, so wrapped (and CJK) text stays aligned."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static


class Row(HorizontalGroup):
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

    def compose(self) -> ComposeResult:
        key = Static(self._key, classes="row-key", markup=False)
        key.styles.width = self._key_width
        yield key
        yield Static(self._text, classes="row-text", markup=False)

    def set_key(self, key: str) -> None:
        self._key = key
        if self.is_mounted:
            self.query_one(".row-key", Static).update(key)

    def set_text(self, text: str) -> None:
        self._text = text
        if self.is_mounted:
            self.query_one(".row-text", Static).update(text)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        offset = event.get_content_offset(self)
        self.post_message(self.Clicked(self, offset.x if offset else 0))
