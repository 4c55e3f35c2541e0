"""`order`: the shuffled items; move the highlighted one up or down, Enter submits.

Mouse: click ▲ or ▼ on a row, or click a row to pick it up and another row to
drop it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive

from srcquiz.deck.kinds import Order
from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.answer.rows import Row

if TYPE_CHECKING:
    from srcquiz.study.session import StudyItem


class OrderAnswer(AnswerWidget):
    INSTRUCTIONS = (
        "Put in order: ↑↓ choose, Shift+↑↓ move the item (or Space to pick it up), Enter submits."
    )
    can_focus = True
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("shift+up,ctrl+up,alt+up", "shift(-1)", "Move up", key_display="⇧↑"),
        Binding("shift+down,ctrl+down,alt+down", "shift(1)", "Move down", key_display="⇧↓"),
        Binding("space", "grab", "Pick up/drop"),
        Binding("enter", "submit_order", "Submit"),
    ]

    cursor: reactive[int] = reactive(0, init=False)
    grabbed: reactive[bool] = reactive(False, init=False)

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(item, id=id)
        question = item.question
        assert isinstance(question, Order)
        self.question = question
        # Item indexes in the order currently shown.
        self.sequence: list[int] = list(item.order) or list(range(len(question.items)))

    def compose(self) -> ComposeResult:
        for pos, index in enumerate(self.sequence):
            yield Row(pos, self._key(pos), self.question.items[index], key_width=8)

    def _key(self, pos: int) -> str:
        pointer = ("◆" if self.grabbed else "▸") if pos == self.cursor else " "
        return f"▲▼{pointer}{pos + 1}."

    def _redraw(self) -> None:
        for row in self.query(Row):
            row.set_key(self._key(row.index))
            row.set_text(self.question.items[self.sequence[row.index]])
            row.set_class(row.index == self.cursor, "-highlight")
            row.set_class(row.index == self.cursor and self.grabbed, "-grabbed")

    def on_mount(self) -> None:
        self._redraw()

    def watch_cursor(self) -> None:
        self._redraw()

    def watch_grabbed(self) -> None:
        self._redraw()

    def _move_item(self, src: int, dst: int) -> None:
        dst = max(0, min(len(self.sequence) - 1, dst))
        if src == dst:
            return
        item = self.sequence.pop(src)
        self.sequence.insert(dst, item)
        self.cursor = dst
        self._redraw()

    def action_cursor(self, delta: int) -> None:
        if self.grabbed:
            self._move_item(self.cursor, self.cursor + delta)
        else:
            self.cursor = max(0, min(len(self.sequence) - 1, self.cursor + delta))

    def action_shift(self, delta: int) -> None:
        self._move_item(self.cursor, self.cursor + delta)

    def action_grab(self) -> None:
        self.grabbed = not self.grabbed

    def action_submit_order(self) -> None:
        self.set_reactive(OrderAnswer.grabbed, False)
        self.submit()

    def response(self) -> tuple[int, ...]:
        return tuple(self.sequence)

    @on(Row.Clicked)
    def _clicked(self, event: Row.Clicked) -> None:
        if not self.take_click(event):
            return
        pos = event.row.index
        if event.x <= 0:
            self._move_item(pos, pos - 1)
            self.grabbed = False
        elif event.x == 1:
            self._move_item(pos, pos + 1)
            self.grabbed = False
        elif self.grabbed:
            self._move_item(self.cursor, pos)
            self.grabbed = False
        else:
            self.cursor = pos
            self.grabbed = True
