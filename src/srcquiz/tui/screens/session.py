"""One question at a time, then feedback, then the next; the engine decides everything.

Phases: `ask` (the answer widget has focus), `feedback` (the answer is saved; 1-4
rate and go on, Enter takes the suggested rating, which the key bar names) and, for
flashcards, `reveal` (the back is shown; 1-4 rate it and go on). Practice (cram,
missed) has no rating: Enter goes on, and a card is only known (Enter) or missed (1).

The feedback sheet is mounted once, over the lower part of the screen, and only
filled and shown after an answer: nothing below the prompt moves, so the frame
that shows the feedback lays out and repaints little (keypress to feedback is
a few milliseconds). It takes focus, so rating keys reach the screen and never a
text input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from srcquiz.errors import UserError
from srcquiz.study.scheduler import Rating
from srcquiz.textsafe import printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.answer import AnswerWidget, answer_widget_for
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.session.feedback import FeedbackPanel
from srcquiz.tui.widgets.session.feedback_text import reads_code
from srcquiz.tui.widgets.session.progress import SessionProgress
from srcquiz.tui.widgets.session.prompt import PromptView, code_view

if TYPE_CHECKING:
    from srcquiz.study.responses import Response
    from srcquiz.study.session import AnswerResult, Session, StudyItem
    from srcquiz.tui.app import SrcquizApp

MODE_TITLES = {"review": "Review", "quiz": "Quiz", "cram": "Cram", "missed": "Missed"}


def session_title(session: Session) -> str:
    decks = session.decks
    what = decks[0].title if len(decks) == 1 else f"{len(decks)} decks"
    return printable(f"{MODE_TITLES.get(session.mode, session.mode)} · {what}")


class SessionBody(VerticalScroll, can_focus=False):
    """Holds the question; the screen scrolls it."""


class SessionScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "leave", "End session"),
        Binding("ctrl+g", "hint", "Hint"),
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
        Binding("enter", "next", "Next", key_display="⏎"),
        Binding("c", "read_code", "Show the upstream code", show=False),
        Binding("up", "scroll(-1)", "Scroll up", show=False),
        Binding("down", "scroll(1)", "Scroll down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", show=False),
        Binding("pagedown", "scroll(10)", "Page down", show=False),
    ]

    app: SrcquizApp

    def __init__(self, session: Session) -> None:
        super().__init__(id="session")
        self.session = session
        self.phase = "ask"
        self.hint_used = False
        self.result: AnswerResult | None = None
        self.started_at = 0.0  # seconds on the app clock when the question was shown
        self.session_started = 0.0

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SessionProgress(session_title(self.session), len(self.session.items))
        yield SessionBody(id="session-body", classes="body")
        yield FeedbackPanel(id="feedback-sheet", classes="body")
        yield KeyBar()

    # Textual awaits an async handler; BaseScreen's is sync, hence the override note.
    async def on_mount(self) -> None:  # type: ignore[override]
        super().on_mount()
        self.session_started = self._seconds()
        self.set_interval(1.0, self._tick)
        await self._show_current()

    def _seconds(self) -> float:
        return self.app.clock().timestamp()

    def _tick(self) -> None:
        self.query_one(SessionProgress).show_elapsed(self._seconds() - self.session_started)

    def answered_count(self) -> int:
        return len(self.session.results)

    # -- showing a question ----------------------------------------------------

    async def _show_current(self) -> None:
        item = self.session.current()
        if item is None:
            self._finish()
            return
        self.phase = "ask"
        self.hint_used = False
        self.result = None
        self.started_at = self._seconds()
        self.query_one(FeedbackPanel).visible = False
        body = self.query_one(SessionBody)
        await body.remove_children()
        widget = answer_widget_for(item)
        widget.on_answer = self.answer
        shows_text = item.question.kind == "cloze"
        prompt = PromptView(
            item,
            show_prompt=not shows_text,
            show_deck=len(self.session.decks) > 1,
            again=self.session.asked_before(item),
        )
        code = code_view(item)
        instructions = Static(widget.instructions(), id="instructions", markup=False)
        await body.mount_all([w for w in (prompt, code, instructions, widget) if w is not None])
        sheet = self.query_one(FeedbackPanel)
        sheet.practice = not self.session.scheduled
        sheet.prepare(item)
        body.scroll_home(animate=False)
        self.call_after_refresh(widget.focus_answer)
        self._update_progress()
        self.refresh_bindings()

    def _update_progress(self) -> None:
        s = self.session
        self.query_one(SessionProgress).show(s.position, len(s.items), len(s.results))
        self._tick()

    def _answer_widget(self) -> AnswerWidget | None:
        found = self.query(AnswerWidget)
        return found.first() if found else None

    # -- answering -------------------------------------------------------------

    @on(AnswerWidget.Submitted)
    def _submitted(self, event: AnswerWidget.Submitted) -> None:
        event.stop()
        self.answer(event.response)

    def answer(self, response: Response) -> None:
        """The current answer widget's response: grade and save it, show the feedback."""
        item = self.session.current()
        if self.phase != "ask" or item is None:
            return
        if item.self_graded:  # a card: show the back, then the rating keys rate it
            self._show_feedback(item, None, "reveal")
            return
        elapsed = self._seconds() - self.started_at
        result = self._engine(
            lambda: self.session.answer(response, elapsed, self.hint_used, at=self.app.clock())
        )
        if result is None:
            return
        self.result = result
        self._show_feedback(result.item, result, "feedback", response)

    def _show_feedback(
        self, item: StudyItem, result: AnswerResult | None, phase: str, response: object = None
    ) -> None:
        # One batch, so the first frame painted after the keypress already holds the
        # feedback (an in-between frame would delay it to the next 60 Hz tick).
        with self.app.batch_update():
            self.phase = phase
            widget = self._answer_widget()
            if widget is not None:
                widget.stop_answering()
            sheet = self.query_one(FeedbackPanel)
            sheet.show(item, result, response)
            sheet.visible = True
            if sheet.scroll_y:
                sheet.scroll_home(animate=False)
            self.refresh_bindings()
        # The progress line follows a frame later; the feedback comes first.
        self.call_after_refresh(self._update_progress)

    def _engine(self, call: Callable[[], AnswerResult]) -> AnswerResult | None:
        """Run an engine call; a store failure becomes a message, never a crash, and an
        answer that cannot be read is asked again (nothing was recorded)."""
        from srcquiz.study.session import AskAgain  # loaded with the session by now

        try:
            return call()
        except AskAgain as exc:
            self.notify(str(exc), title="Try again", severity="warning", markup=False)
            return None
        except UserError as exc:
            self.notify(
                printable(str(exc)), title="Not saved", severity="error", timeout=10, markup=False
            )
            return None

    # -- actions ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None hides a key that means nothing in this phase (the key bar drops it)."""
        if action == "rate" and not self.session.scheduled:
            # Practice: no rating; a card is only missed (1) or known (Enter).
            return True if self.phase == "reveal" and parameters == (1,) else None
        if action in ("rate", "next"):
            return True if self.phase in ("feedback", "reveal") else None
        if action == "read_code":
            item = self.session.current()
            readable = item is not None and reads_code(item)
            return True if self.phase in ("feedback", "reveal") and readable else None
        if action == "hint":
            return True if self.phase == "ask" else None
        return True

    def key_hidden(self, action: str) -> bool:
        """Ctrl+G stays off the key bar when it has nothing to show (pressed anyway, it
        says so); it is on the bar while a hint or a letter is left to reveal."""
        if action != "hint" or self.phase != "ask":
            return False
        item = self.session.current()
        found = self.query(PromptView)
        presses = found.first().presses if found else 0
        return item is None or item.hint_lines(presses + 1) is None

    def key_description(self, action: str) -> str | None:
        """What a key does now, for the key bar: Enter names the rating it takes."""
        if action == "next" and self.phase in ("feedback", "reveal"):
            if not self.session.scheduled:
                return "Knew it" if self.phase == "reveal" else "Next"
            rating = self.result.rating if self.phase == "feedback" and self.result else None
            return (rating or Rating.GOOD).label
        if action == "rate" and self.phase == "reveal" and not self.session.scheduled:
            return "Missed it"
        return None

    def action_scroll(self, lines: int) -> None:
        sheet = self.query_one(FeedbackPanel)
        target = sheet if sheet.visible else self.query_one(SessionBody)
        target.scroll_relative(y=lines, animate=False)

    async def action_rate(self, rating: int) -> None:
        if self.phase == "reveal":
            elapsed = self._seconds() - self.started_at
            result = self._engine(
                lambda: self.session.self_grade(Rating(rating), elapsed, at=self.app.clock())
            )
            if result is not None:
                self.result = result
                await self._next()
        elif self.phase == "feedback" and self.session.scheduled:
            # One key per card: the rating replaces the suggestion, then on to the next.
            result = self._engine(lambda: self.session.rate(Rating(rating)))
            if result is not None:
                self.result = result
                await self._next()

    async def action_next(self) -> None:
        if self.phase == "reveal":
            await self.action_rate(int(Rating.GOOD))
        elif self.phase == "feedback":
            await self._next()

    async def _next(self) -> None:
        self.session.advance(at=self.app.clock())
        await self._show_current()

    def action_read_code(self) -> None:
        """The anchored symbol in the upstream source, at the anchored version."""
        item = self.session.current()
        if item is None or not reads_code(item) or self.phase not in ("feedback", "reveal"):
            return
        from srcquiz.tui.screens.code import CodeScreen

        assert item.question.anchor is not None
        self.app.push_screen(CodeScreen(item.question.anchor))

    def action_hint(self) -> None:
        """The written hint, then one letter more per press; says when there is nothing
        (more) to reveal. Any help makes the answer Hard at best."""
        if self.phase != "ask":
            return
        prompt = self.query_one(PromptView)
        if prompt.show_hint():
            self.hint_used = True
            self.refresh_bindings()  # the key leaves the bar once nothing is left
            return
        self.notify(
            "Every letter is shown already."
            if prompt.presses
            else "This question has no hint and nothing to reveal.",
            title="No hint",
            markup=False,
        )

    def action_leave(self) -> None:
        """End the session early (after a confirmation); answers are already saved."""
        answered = self.answered_count()
        if answered == 0:
            self.app.pop_screen()
            return
        from srcquiz.tui.screens.confirm import ConfirmScreen

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._finish()

        self.app.push_screen(
            ConfirmScreen(
                "End this session now?",
                f"Your {answered} answer{'s are' if answered != 1 else ' is'} saved; "
                "you will see the summary.",
                yes="End session",
            ),
            done,
        )

    def _finish(self) -> None:
        from srcquiz.tui.screens.summary import SummaryScreen

        self.app.switch_screen(SummaryScreen(self.session))

    def palette_actions(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        yield ("End session", "Stop here and see the summary", self.action_leave)
        if self.phase == "ask":
            yield (
                "Hint",
                "A hint or the next letter (rates the answer Hard at best)",
                self.action_hint,
            )
