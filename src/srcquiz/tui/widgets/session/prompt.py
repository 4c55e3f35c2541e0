"""The question itself: what kind it is, the prompt, its code snippet and the hint."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from srcquiz.textsafe import printable
from srcquiz.tui.widgets.session.feedback_text import inline_code

if TYPE_CHECKING:
    from srcquiz.study.session import StudyItem

KIND_LABELS = {
    "card": "flashcard",
    "short": "short answer",
    "number": "number",
    "choice": "choose one",
    "truefalse": "true or false",
    "cloze": "fill in the blank",
    "order": "put in order",
    "match": "match the pairs",
}


def kind_label(item: StudyItem) -> str:
    question = item.question
    label = KIND_LABELS.get(question.kind, question.kind)
    if question.kind == "choice" and getattr(question, "multi", False):
        label = "choose all that apply"
    if item.is_reverse:
        label = "flashcard, reversed"
    return label


@lru_cache(maxsize=256)
def highlighted_code(code: str, lang: str | None) -> Content:
    """Textual's own highlighter (the Pygments lexer for `lang` only, loaded on demand)."""
    from textual.highlight import highlight

    try:
        return highlight(code.rstrip("\n"), language=lang or "text")
    except Exception:  # an unknown or broken lexer: show the code plain
        return Content(code.rstrip("\n"))


class PromptView(Static):
    """The kind, the prompt and (once asked for) the hint, as one piece of text."""

    def __init__(
        self,
        item: StudyItem,
        *,
        show_prompt: bool = True,
        show_deck: bool = False,
        again: bool = False,
    ):
        self.item = item
        self.show_prompt = show_prompt
        self.show_deck = show_deck
        self.again = again  # the card came back in a learning step
        self.hints: tuple[str, ...] = ()
        self.presses = 0
        super().__init__(self._content(), id="prompt-view")

    @property
    def hint_shown(self) -> bool:
        return bool(self.hints)

    def _content(self) -> Content:
        item = self.item
        parts: list[str | tuple[str, str] | Content] = [
            (kind_label(item).upper(), "bold $text-accent")
        ]
        if self.again:
            parts.append(("  ·  again: a learning step", "$text-warning"))
        if self.show_deck:
            parts.append((f"  ·  {printable(item.deck.title)}", "dim"))
        if self.show_prompt:
            parts += ["\n\n", inline_code(item.prompt_text(), "bold")]
        for hint in self.hints:
            parts += ["\n\n", inline_code(f"Hint: {hint}", "$text-warning")]
        return Content.assemble(*parts)

    def show_hint(self) -> bool:
        """One more step of help: the written hint, then one letter more of the answer
        each time (`StudyItem.hint_lines`). False when there is nothing more to show."""
        hints = self.item.hint_lines(self.presses + 1)
        if hints is None:
            return False
        self.presses += 1
        self.hints = hints
        self.update(self._content())
        return True


def code_view(item: StudyItem) -> Static | None:
    """The question's snippet, highlighted, in its own box (None when there is none)."""
    question = item.question
    if not question.code or item.is_reverse or question.code_after:
        return None  # `code_after`: the snippet shows the answer, so it comes with the feedback
    return Static(highlighted_code(printable(question.code), question.lang), id="code")
