"""`card`: recall the answer, Space shows the back, then you rate yourself 1-4."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from srcquiz.tui.widgets.answer.base import AnswerWidget
from srcquiz.tui.widgets.mouse import MouseButton

if TYPE_CHECKING:
    from srcquiz.study.responses import Response


class CardAnswer(AnswerWidget):
    INSTRUCTIONS = "Recall the answer, then press Space to see it."
    can_focus = True
    BINDINGS = [Binding("space,enter", "reveal", "Show answer", key_display="␣")]

    def compose(self) -> ComposeResult:
        yield MouseButton("Show answer (Space)", id="reveal", compact=True)

    def action_reveal(self) -> None:
        """Submitting a card means: show me the back (the screen then asks for a rating)."""
        self.submit()

    @on(Button.Pressed, "#reveal")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reveal()

    def response(self) -> Response:
        return None
