"""The question itself: what kind it is, the prompt, its code snippet and the hint."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalGroup
from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from srcquiz.session import StudyItem

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


class PromptView(VerticalGroup):
    def __init__(self, item: StudyItem, *, show_prompt: bool = True, show_deck: bool = False):
        super().__init__(id="prompt-view")
        self.item = item
        self.show_prompt = show_prompt
        self.show_deck = show_deck

    def compose(self) -> ComposeResult:
        item = self.item
        label = Text(kind_label(item).upper(), style="bold")
        if self.show_deck:
            label.append(f"  ·  {item.deck.title}", style="dim")
        yield Static(label, id="kind-label")
        if self.show_prompt:
            yield Static(item.prompt_text(), id="prompt", markup=False)
        question = item.question
        if question.code and not item.is_reverse:
            yield Static(highlighted_code(question.code, question.lang), id="code")
        yield Static("", id="hint", markup=False)

    def show_hint(self) -> bool:
        """Reveal the hint; False when the question has none."""
        hint = self.item.question.hint
        if not hint:
            return False
        box = self.query_one("#hint", Static)
        box.update(f"Hint: {hint}")
        box.add_class("-shown")
        return True
