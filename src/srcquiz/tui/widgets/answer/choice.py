"""`choice` (one or several options) and `truefalse`: a numbered list to pick from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive

from srcquiz.deck.kinds import Choice
from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.answer.rows import Row

if TYPE_CHECKING:
    from srcquiz.study.session import StudyItem


class PickList(AnswerWidget):
    """Options shown as numbered rows; arrows move, Enter or a number picks."""

    can_focus = True
    multi = False
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "enter", "Submit"),
        *(Binding(str(n), f"number({n})", f"Pick option {n}", show=False) for n in range(1, 10)),
    ]

    highlighted: reactive[int] = reactive(0, init=False)

    def labels(self) -> list[str]:
        raise NotImplementedError

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(item, id=id)
        self.chosen: set[int] = set()  # positions as shown

    def compose(self) -> ComposeResult:
        labels = self.labels()
        width = 9 if self.multi else 5
        for pos, text in enumerate(labels):
            yield Row(pos, self._key(pos), text, key_width=width)

    def _key(self, pos: int) -> str:
        pointer = "▸" if pos == self.highlighted else " "
        box = ("[x] " if pos in self.chosen else "[ ] ") if self.multi else ""
        return f"{pointer}{box}{pos + 1}."

    def _redraw(self) -> None:
        for row in self.query(Row):
            row.set_key(self._key(row.index))
            row.set_class(row.index == self.highlighted, "-highlight")
            row.set_class(row.index in self.chosen, "-chosen")

    def on_mount(self) -> None:
        self._redraw()

    def watch_highlighted(self) -> None:
        self._redraw()
        rows = list(self.query(Row))
        if 0 <= self.highlighted < len(rows):
            rows[self.highlighted].scroll_visible(animate=False)

    def action_move(self, delta: int) -> None:
        count = len(self.labels())
        self.highlighted = (self.highlighted + delta) % count

    def action_number(self, n: int) -> None:
        if n <= len(self.labels()):
            # No redraw before submitting: the feedback replaces this widget at once.
            self.set_reactive(PickList.highlighted, n - 1)
            self.pick(n - 1)

    def action_enter(self) -> None:
        self.pick(self.highlighted)

    def pick(self, pos: int) -> None:
        self.chosen = {pos}
        self.submit()

    @on(Row.Clicked)
    def _clicked(self, event: Row.Clicked) -> None:
        if not self.take_click(event):
            return
        self.highlighted = event.row.index
        self.pick(event.row.index)
        self._redraw()


class ChoiceAnswer(PickList):
    BINDINGS = [Binding("space", "toggle_option", "Toggle")]

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(item, id=id)
        question = item.question
        assert isinstance(question, Choice)
        self.question = question
        self.multi = question.multi
        self.order = tuple(item.order) or tuple(range(len(question.options)))

    def instructions(self) -> str:
        if self.multi:
            return "Choose all that apply: 1-9 or Space toggles, Enter submits."
        return "Choose one: press its number, or move with ↑↓ and press Enter."

    def labels(self) -> list[str]:
        return [self.question.options[i] for i in self.order]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_option" and not self.multi:
            return None
        return super().check_action(action, parameters)

    def pick(self, pos: int) -> None:
        if self.multi:
            self.chosen ^= {pos}
            self._redraw()
        else:
            super().pick(pos)

    def action_toggle_option(self) -> None:
        if self.multi:
            self.pick(self.highlighted)

    def action_enter(self) -> None:
        if not self.multi:
            super().action_enter()
        elif not self.chosen:
            self.notify("Choose at least one option first (Space or its number).")
        else:
            self.submit()

    def response(self) -> frozenset[int]:
        return frozenset(self.order[pos] for pos in self.chosen)


class TrueFalseAnswer(PickList):
    INSTRUCTIONS = "True or false? Press t or f (or 1/2, or ↑↓ and Enter)."
    BINDINGS = [
        Binding("t,y", "number(1)", "True"),
        Binding("f,n", "number(2)", "False"),
    ]

    def labels(self) -> list[str]:
        return ["True", "False"]

    def response(self) -> bool:
        return 0 in self.chosen
