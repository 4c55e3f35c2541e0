"""A yes/no question in a box: y or Enter confirms, n or Esc cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup, Vertical
from textual.widgets import Button, Static

from srcquiz.tui.screens.base import BaseModal
from srcquiz.tui.widgets.mouse import MouseButton


class ConfirmScreen(BaseModal):
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, note: str = "", *, yes: str = "Yes", no: str = "Cancel"):
        super().__init__(id="confirm")
        self.question = question
        self.note = note
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="body"):
            yield Static(self.question, id="confirm-question", markup=False)
            if self.note:
                yield Static(self.note, id="confirm-note", markup=False)
            with HorizontalGroup(id="confirm-buttons"):
                yield MouseButton(f"{self.yes} (y)", id="yes", variant="error", compact=True)
                yield MouseButton(f"{self.no} (n)", id="no", compact=True)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
