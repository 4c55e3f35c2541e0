"""One answer from the summary, in full again: the question, the verdict, the right
answer, what you gave, why, where it comes from (and `c` for the upstream code).

The summary's table has one line per answer, cut to the terminal; this is the
feedback the learner read (or skipped) during the session, kept for afterwards.
←/→ step through the answers without going back to the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.session.feedback import FeedbackPanel
from srcquiz.tui.widgets.session.feedback_text import field, reads_code
from srcquiz.tui.widgets.session.prompt import PromptView, code_view

if TYPE_CHECKING:
    from srcquiz.study.session import AnswerResult
    from srcquiz.tui.app import SrcquizApp


class AnswerSheet(FeedbackPanel):
    """The session's feedback sheet, with the rating it got instead of the rating keys
    (1-4 mean nothing here: the answer is rated and saved)."""

    def show_answer(self, result: AnswerResult, scheduled: bool = True) -> None:
        item = result.item
        # A flashcard's back, as when it was rated; an answer's verdict, as when answered.
        self.show(item, None if item.self_graded else result, result.response)
        if scheduled:
            rating = f"{int(result.rating)} {result.rating.label}"
            self._parts["rating"] = [field("Rated", Content.styled(rating, "bold"))]
        else:  # cram and missed are practice: no rating was given, none is shown
            self._parts["rating"] = []
        self.refresh(layout=True)


class AnswerScreen(BaseScreen):
    BINDINGS = [
        Binding("escape,q", "back", "Back to the summary"),
        Binding("left", "step(-1)", "Previous answer", key_display="←"),
        Binding("right", "step(1)", "Next answer", key_display="→"),
        Binding("c", "read_code", "Show the upstream code"),
        Binding("up", "scroll(-1)", "Scroll up", show=False),
        Binding("down", "scroll(1)", "Scroll down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", show=False),
        Binding("pagedown", "scroll(10)", "Page down", show=False),
    ]

    app: SrcquizApp

    def __init__(
        self,
        results: Sequence[AnswerResult],
        index: int,
        *,
        several_decks: bool = False,
        scheduled: bool = True,
        moved: Callable[[int], None] | None = None,
    ) -> None:
        """`results` in the summary's order; `moved(index)` keeps the summary's
        highlight on the answer shown when ←/→ step to another."""
        super().__init__()  # no id: ←/→ put a new one in its place
        self.results = list(results)
        self.index = max(0, min(index, len(self.results) - 1))
        self.several_decks = several_decks
        self.scheduled = scheduled
        self.moved = moved

    @property
    def result(self) -> AnswerResult:
        return self.results[self.index]

    def compose(self) -> ComposeResult:
        item = self.result.item
        yield Static(self._title(), id="answer-title", markup=False)
        with VerticalScroll(id="answer-body", classes="body", can_focus=False):
            yield PromptView(item, show_deck=self.several_decks)
            code = code_view(item)
            if code is not None:
                yield code
            yield AnswerSheet(id="answer-sheet")
        yield KeyBar()

    def _title(self) -> str:
        verdict = {"right": "right", "almost": "almost right", "wrong": "wrong"}
        grade = self.result.grade.verdict
        return f"Answer {self.index + 1} of {len(self.results)} · {verdict.get(grade, grade)}"

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(AnswerSheet).show_answer(self.result, self.scheduled)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None hides a key that means nothing here (the key bar drops it)."""
        if action == "read_code":
            return True if reads_code(self.result.item) else None
        if action == "step" and parameters:
            target = self.index + int(str(parameters[0]))
            return True if 0 <= target < len(self.results) else None
        return True

    def action_scroll(self, lines: int) -> None:
        self.query_one("#answer-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_step(self, delta: int) -> None:
        target = self.index + delta
        if not 0 <= target < len(self.results):
            return
        if self.moved is not None:
            self.moved(target)
        self.app.switch_screen(
            AnswerScreen(
                self.results,
                target,
                several_decks=self.several_decks,
                scheduled=self.scheduled,
                moved=self.moved,
            )
        )

    def action_read_code(self) -> None:
        item = self.result.item
        if not reads_code(item) or item.question.anchor is None:
            return
        from srcquiz.tui.screens.code import CodeScreen

        self.app.push_screen(CodeScreen(item.question.anchor))

    def action_back(self) -> None:
        self.app.pop_screen()
