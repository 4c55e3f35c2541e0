"""`match`: two columns; pick an item on one side, then its partner on the other.

Left items are numbered, right items lettered, so `1` then `c` pairs them
without moving the cursor at all.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalGroup
from textual.widgets import Button

from srcquiz.deck.kinds import Match
from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.answer.rows import Row
from srcquiz.tui.widgets.mouse import MouseButton

if TYPE_CHECKING:
    from srcquiz.study.session import StudyItem

LEFT, RIGHT = 0, 1
LETTERS = string.ascii_lowercase


class SideRow(Row):
    def __init__(self, side: int, index: int, key: str, text: str) -> None:
        super().__init__(index, key, text, key_width=9)
        self.side = side


class MatchAnswer(AnswerWidget):
    INSTRUCTIONS = (
        "Match: pick an item (↑↓ ←→ Enter, or its number/letter), then its partner; "
        "Backspace undoes a pair; Enter submits when all are paired."
    )
    can_focus = True
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("left", "side(0)", "Left column", show=False),
        Binding("right", "side(1)", "Right column", show=False),
        Binding("enter,space", "pick", "Pick / submit"),
        Binding("backspace", "undo", "Undo pair"),
        Binding("delete", "unpair", "Unpair", show=False),
        *(Binding(str(n), f"pick_key(0, {n - 1})", f"Left {n}", show=False) for n in range(1, 10)),
        *(
            Binding(letter, f"pick_key(1, {i})", f"Right {letter}", show=False)
            for i, letter in enumerate(LETTERS)
        ),
    ]

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(item, id=id)
        question = item.question
        assert isinstance(question, Match)
        self.question = question
        self.lefts = [left for left, _ in question.pairs]
        rights = [right for _, right in question.pairs]
        order = list(item.order) or list(range(len(rights)))
        self.rights = [rights[i] for i in order]  # as shown
        self.pairs: dict[int, int] = {}  # left index -> shown right index
        self.history: list[int] = []  # lefts in the order they were paired
        self.side = LEFT
        self.cursors = [0, 0]
        self.pending: tuple[int, int] | None = None  # (side, index) picked, partner not yet

    def compose(self) -> ComposeResult:
        with HorizontalGroup(id="match-columns"):
            with VerticalGroup(id="match-left", classes="match-column"):
                for i, text in enumerate(self.lefts):
                    yield SideRow(LEFT, i, "", text)
            with VerticalGroup(id="match-right", classes="match-column"):
                for i, text in enumerate(self.rights):
                    yield SideRow(RIGHT, i, "", text)
        with HorizontalGroup(classes="mouse-buttons"):
            yield MouseButton("Undo pair", id="match-undo", compact=True)
            yield MouseButton("Submit", id="match-submit", compact=True)

    def on_mount(self) -> None:
        self._redraw()

    # -- state --------------------------------------------------------------

    def _partner_of_right(self, right: int) -> int | None:
        for left, r in self.pairs.items():
            if r == right:
                return left
        return None

    def _label(self, side: int, index: int) -> str:
        here = self.side == side and self.cursors[side] == index
        pointer = "◆" if self.pending == (side, index) else ("▸" if here else " ")
        if side == LEFT:
            partner = self.pairs.get(index)
            mark = LETTERS[partner] if partner is not None else " "
            return f"{pointer}{index + 1:>2}.[{mark}]"
        left = self._partner_of_right(index)
        mark = str(left + 1) if left is not None else " "
        return f"{pointer} {LETTERS[index]}.[{mark:>1}]"

    def _redraw(self) -> None:
        for row in self.query(SideRow):
            row.set_key(self._label(row.side, row.index))
            here = self.side == row.side and self.cursors[row.side] == row.index
            row.set_class(here and self.has_focus, "-highlight")
            row.set_class(self.pending == (row.side, row.index), "-grabbed")
            paired = (
                row.index in self.pairs
                if row.side == LEFT
                else self._partner_of_right(row.index) is not None
            )
            row.set_class(paired, "-chosen")

    def on_focus(self) -> None:
        self._redraw()

    def on_blur(self) -> None:
        self._redraw()

    @property
    def complete(self) -> bool:
        return len(self.pairs) == len(self.lefts)

    def _pair(self, left: int, right: int) -> None:
        other = self._partner_of_right(right)
        if other is not None and other != left:
            del self.pairs[other]
            self.history.remove(other)
        if left in self.history:
            self.history.remove(left)
        self.pairs[left] = right
        self.history.append(left)
        self.pending = None
        # Continue with the first unpaired left item.
        free = [i for i in range(len(self.lefts)) if i not in self.pairs]
        self.side = LEFT
        if free:
            self.cursors[LEFT] = free[0]

    def select(self, side: int, index: int) -> None:
        """Pick one item: the first of a pair, or the partner of the pending one."""
        self.side, self.cursors[side] = side, index
        if self.pending is not None and self.pending[0] != side:
            left = index if side == LEFT else self.pending[1]
            right = index if side == RIGHT else self.pending[1]
            self._pair(left, right)
        else:
            self.pending = (side, index)
            self.side = RIGHT if side == LEFT else LEFT
        self._redraw()

    # -- actions --------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        count = len(self.lefts) if self.side == LEFT else len(self.rights)
        self.cursors[self.side] = (self.cursors[self.side] + delta) % count
        self._redraw()

    def action_side(self, side: int) -> None:
        self.side = side
        self._redraw()

    def action_pick(self) -> None:
        if self.complete and self.pending is None:
            self.submit()
            return
        self.select(self.side, self.cursors[self.side])

    def action_pick_key(self, side: int, index: int) -> None:
        count = len(self.lefts) if side == LEFT else len(self.rights)
        if index < count:
            self.select(side, index)

    def action_undo(self) -> None:
        if self.pending is not None:
            self.pending = None
        elif self.history:
            left = self.history.pop()
            del self.pairs[left]
            self.side, self.cursors[LEFT] = LEFT, left
        self._redraw()

    def action_unpair(self) -> None:
        index = self.cursors[self.side]
        left = index if self.side == LEFT else self._partner_of_right(index)
        if left is not None and left in self.pairs:
            del self.pairs[left]
            self.history.remove(left)
        self._redraw()

    def response(self) -> dict[str, str]:
        return {self.lefts[left]: self.rights[right] for left, right in self.pairs.items()}

    @on(Row.Clicked)
    def _clicked(self, event: Row.Clicked) -> None:
        if not self.take_click(event):
            return
        row = event.row
        assert isinstance(row, SideRow)
        self.select(row.side, row.index)

    @on(Button.Pressed, "#match-undo")
    def _undo_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_undo()

    @on(Button.Pressed, "#match-submit")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()
