"""The contract between the session screen and the widget that collects one answer.

A widget turns keys and clicks into the engine's response object (see
`srcquiz.grading.grade`) and hands it to `on_answer` (the session screen sets
it: a direct call, no message hop, keeps keypress-to-feedback short) or, left
alone, posts it in `AnswerWidget.Submitted`. It never grades anything itself.

After submitting, the widget keeps keyboard focus (moving focus restyles the
screen and slows the feedback frame) but stops answering: its bindings turn
off and its inputs stop taking printable keys, so digits, Enter and arrows fall
through to the session screen's rating and scrolling keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.widget import Widget

from srcquiz.progress.rows import MAX_ANSWER_CHARS
from srcquiz.tui.widgets.inputs import BlinkAwareInput

if TYPE_CHECKING:
    from srcquiz.study.responses import Response
    from srcquiz.study.session import StudyItem


class AnswerWidget(Widget):
    """Base of the per-kind answer widgets."""

    # Shown above the widget: how to answer, in a few words.
    INSTRUCTIONS = ""
    # For the help screen: keys handled by inner widgets (an Input's Enter), not BINDINGS.
    HELP_KEYS: tuple[tuple[str, str], ...] = ()

    class Submitted(Message):
        def __init__(self, response: Response) -> None:
            super().__init__()
            self.response = response

    def __init__(self, item: StudyItem, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="answer")
        self.item = item
        self.answering = True
        self.on_answer: Callable[[Response], None] | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.answering

    def instructions(self) -> str:
        return self.INSTRUCTIONS

    def response(self) -> Response:
        raise NotImplementedError

    def submit(self) -> None:
        if not self.answering:
            return
        if self.on_answer is not None:
            self.on_answer(self.response())
        else:
            self.post_message(self.Submitted(self.response()))

    def stop_answering(self) -> None:
        self.answering = False

    def take_click(self, event: Message) -> bool:
        """A click inside this widget: it goes no further; True if it should act on it
        (still answering), and then the widget has focus."""
        event.stop()
        if not self.answering:
            return False
        self.focus()
        return True

    def focus_answer(self) -> None:
        """Give keyboard focus to the part the user types or moves in first."""
        self.focus()


def _answering(node: Widget) -> bool:
    for ancestor in node.ancestors:
        if isinstance(ancestor, AnswerWidget):
            return ancestor.answering
    return True


class AnswerInput(BlinkAwareInput):
    """A text box inside an answer widget; once answered it lets every key through.

    Its length is capped at what the store keeps of an answer: Textual's input keeps
    an undo history of every edit, and 100k pasted characters cost minutes and GBs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_ANSWER_CHARS)
        super().__init__(*args, **kwargs)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return _answering(self) and super().check_consume_key(key, character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return _answering(self) and super().check_action(action, parameters)

    async def _on_key(self, event: events.Key) -> None:
        if not _answering(self):
            # Skip Input's own handler (no typing); the key still bubbles to the screen.
            event.prevent_default()
