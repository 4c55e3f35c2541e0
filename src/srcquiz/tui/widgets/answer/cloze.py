"""`cloze`: the text with this card's blanks inline, one input per blank.

What is typed shows up inside the text as you type, so each blank is read in
its sentence.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Input, Static

from srcquiz.deck.kinds import Cloze
from srcquiz.textsafe import printable
from srcquiz.tui.widgets.answer.base import AnswerInput, AnswerWidget
from srcquiz.tui.widgets.answer.rows import CODE_CLASS, CODE_CSS, code_style, rich_inline


class ClozeAnswer(AnswerWidget):
    COMPONENT_CLASSES = {CODE_CLASS}
    DEFAULT_CSS = "ClozeAnswer {" + CODE_CSS + "}"
    HELP_KEYS = (
        ("type", "The missing words, one box per blank"),
        ("Enter", "Next blank; on the last one, submit"),
        ("Tab / shift+Tab", "Move between blanks"),
    )

    def instructions(self) -> str:
        if len(self._blanks()) > 1:
            return "Fill in each blank; Enter moves to the next one, then submits."
        return "Fill in the blank, Enter to submit."

    def _question(self) -> Cloze:
        question = self.item.question
        assert isinstance(question, Cloze)
        return question

    def _number(self) -> int:
        number = self.item.cloze_number
        return number if number is not None else self._question().numbers()[0]

    def _blanks(self) -> list[int]:
        """Indexes (into deletions()) of this card's blanks, in text order."""
        number = self._number()
        return [i for i, d in enumerate(self._question().deletions()) if d.number == number]

    def compose(self) -> ComposeResult:
        yield Static(self.cloze_text(), id="cloze-text")
        blanks = self._blanks()
        for n, _ in enumerate(blanks, start=1):
            with HorizontalGroup(classes="blank-row"):
                if len(blanks) > 1:
                    yield Static(f"{n}.", classes="blank-label", markup=False)
                yield AnswerInput(placeholder=f"blank {n}", classes="blank")

    def cloze_text(self, typed: list[str] | None = None) -> Text:
        """The text with the blanks (what is typed in them, else their hint) inline;
        every piece escaped, since each is deck text or typed."""
        question = self._question()
        blanks = self._blanks()
        text = Text()
        last = 0
        code = code_style(self)
        for i, deletion in enumerate(question.deletions()):
            text.append(rich_inline(question.prompt[last : deletion.start], code))
            if i in blanks:
                n = blanks.index(i)
                value = typed[n] if typed and n < len(typed) else ""
                label = f"{n + 1}: " if len(blanks) > 1 else ""
                shown = value or (deletion.hint or "…")
                style = "bold reverse" if value else "reverse"
                text.append(f"[{label}{printable(shown)}]", style=style)
            else:
                text.append(printable(deletion.answer))
            last = deletion.end
        text.append(rich_inline(question.prompt[last:], code))
        return text

    def on_mount(self) -> None:
        if "`" in self._question().prompt:  # drawn again in the theme's code style
            typed = [box.value for box in self._inputs()]
            self.query_one("#cloze-text", Static).update(self.cloze_text(typed))

    def _inputs(self) -> list[Input]:
        return list(self.query(".blank").results(Input))

    def response(self) -> tuple[str, ...]:
        return tuple(box.value for box in self._inputs())

    def focus_answer(self) -> None:
        inputs = self._inputs()
        if inputs:
            inputs[0].focus()

    @on(Input.Changed, ".blank")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        typed = [box.value for box in self._inputs()]
        self.query_one("#cloze-text", Static).update(self.cloze_text(typed))

    @on(Input.Submitted, ".blank")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = self._inputs()
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.submit()
