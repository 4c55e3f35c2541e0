"""The contract between the session screen and the widget that collects one answer.

A widget turns keys and clicks into the engine's response object (see
`srcquiz.grading.grade`) and posts it in `AnswerWidget.Submitted`; it never
grades anything itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.widget import Widget

if TYPE_CHECKING:
    from srcquiz.session import StudyItem


class AnswerWidget(Widget):
    """Base of the per-kind answer widgets."""

    # Shown above the widget: how to answer, in a few words.
    INSTRUCTIONS = ""
    # For the help screen: keys handled by inner widgets (an Input's Enter), not BINDINGS.
    HELP_KEYS: tuple[tuple[str, str], ...] = ()

    class Submitted(Message):
        def __init__(self, response: object) -> None:
            super().__init__()
            self.response = response

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="answer")
        self.item = item

    def instructions(self) -> str:
        return self.INSTRUCTIONS

    def response(self) -> object:
        raise NotImplementedError

    def submit(self) -> None:
        self.post_message(self.Submitted(self.response()))

    def settle(self) -> None:
        """After submitting: get out of the way of the feedback (kinds may keep a view)."""
        self.display = False

    def focus_answer(self) -> None:
        """Give keyboard focus to the part the user types or moves in first."""
        self.focus()
