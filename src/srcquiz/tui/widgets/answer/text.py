"""`short` and `number`: one line of text, Enter submits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from srcquiz.deck.kinds import Number
from srcquiz.textsafe import printable
from srcquiz.tui.widgets.answer.base import AnswerInput, AnswerWidget

if TYPE_CHECKING:
    from srcquiz.study.responses import Response


class TextAnswer(AnswerWidget):
    INSTRUCTIONS = "Type the answer, Enter to submit."
    HELP_KEYS = (("type", "Your answer"), ("Enter", "Submit"))

    def compose(self) -> ComposeResult:
        question = self.item.question
        placeholder = "your answer"
        if isinstance(question, Number):
            placeholder = "a number" + (f" ({printable(question.unit)})" if question.unit else "")
        yield AnswerInput(placeholder=placeholder, id="answer-input")
        if isinstance(question, Number) and question.unit:
            yield Static(printable(question.unit), classes="unit", markup=False)

    def response(self) -> Response:
        return self.query_one("#answer-input", Input).value

    def focus_answer(self) -> None:
        self.query_one("#answer-input", Input).focus()

    @on(Input.Submitted, "#answer-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()
