"""`card`: recall the answer, Space shows the back, then you rate yourself 1-4."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Button

from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.mouse import MouseButton


class CardAnswer(AnswerWidget):
    INSTRUCTIONS = "Recall the answer, then press Space to see it."
    can_focus = True
    BINDINGS = [Binding("space,enter", "reveal", "Show answer", key_display="␣")]

    class Revealed(Message):
        """The back was asked for; the screen shows it and waits for a rating."""

    def compose(self) -> ComposeResult:
        yield MouseButton("Show answer (Space)", id="reveal", compact=True)

    def action_reveal(self) -> None:
        self.post_message(self.Revealed())

    @on(Button.Pressed, "#reveal")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reveal()

    def response(self) -> object:
        return None
