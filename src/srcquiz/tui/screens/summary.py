"""The end of a session: score, time, every answer next to the right one (Enter or a
click opens its whole feedback again), retry the misses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from srcquiz.deck.kinds import Number
from srcquiz.study.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK
from srcquiz.textsafe import printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.screens.session import session_title
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.session.feedback_text import number_answer
from srcquiz.tui.widgets.session.progress import format_elapsed
from srcquiz.tui.widgets.tables import PassiveTable

if TYPE_CHECKING:
    from srcquiz.study.session import Session, Summary, SummaryRow
    from srcquiz.tui.app import SrcquizApp

MARKS = {"right": RIGHT_MARK, "almost": ALMOST_MARK, "wrong": WRONG_MARK}


def shorten(text: str, width: int) -> Text:
    """One table cell: on one line, cut to `width` terminal cells (a CJK character
    takes two), and plain text (a DataTable reads a str cell as markup: an answer
    `[/]` would crash it, `[@click=…]` would act)."""
    cell = Text(" ".join(printable(text).split()), no_wrap=True)
    cell.truncate(width, overflow="ellipsis")
    return cell


def expected_text(row: SummaryRow) -> str:
    """The right answer as the feedback writes it (`1 process`, not `1 processes`)."""
    question = row.item.question
    return number_answer(question) if isinstance(question, Number) else row.expected


def score_line(summary: Summary) -> str:
    parts = [f"{summary.right + summary.almost} of {summary.answered} right"]
    if summary.almost:
        parts[0] += f" ({summary.almost} with a typo)"
    parts.append(f"score {summary.score:.0%}")
    if summary.came_back:  # each card counted once above, however often it came back
        parts.append(f"{summary.came_back} came back")
    parts.append(f"{format_elapsed(summary.elapsed_s)} answering")  # reading feedback not counted
    return " · ".join(parts)


class SummaryTable(PassiveTable):
    """One click on a row opens it (a DataTable opens only a row already highlighted)."""

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        row = meta.get("row")
        if isinstance(row, int) and row >= 0 and "column" in meta:
            self.move_cursor(row=row, animate=False)
        await super()._on_click(event)


class SummaryScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "open", "Open answer", key_display="⏎"),
        Binding("r", "retry", "Retry missed"),
        Binding("escape", "back", "Back to decks"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
    ]

    app: SrcquizApp

    def __init__(self, session: Session) -> None:
        super().__init__(id="summary")
        self.session = session
        self.summary = session.summary()
        self.missed = session.missed_items()

    def compose(self) -> ComposeResult:
        with Vertical(classes="body"):
            yield Static(
                f"{session_title(self.session)}: finished", id="summary-title", markup=False
            )
            yield Static(score_line(self.summary), id="summary-score", markup=False)
            yield SummaryTable(id="summary-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="summary-details", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self._fill()
        if not self.summary.rows:
            self.query_one("#summary-details", Static).update("Nothing was answered.")

    @property
    def several_decks(self) -> bool:
        """A session over several decks: each row says which deck it came from."""
        return len(self.session.decks) > 1

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        if self.is_mounted:
            self._fill()

    def _fill(self) -> None:
        """Rows cut to the terminal's width (the line below shows the highlighted one in full)."""
        table = self.query_one(PassiveTable)
        cursor = table.cursor_row
        # 5 columns with 2 cells of padding each, `#` up to 3 wide, the mark 1.
        free = max(24, self.app.size.width - 10 - 3 - 1 - 2)
        deck_width = 0
        if self.several_decks:  # the deck's id (its title is in the line below), 2 padding
            longest = max((len(row.item.deck.id) for row in self.summary.rows), default=4)
            deck_width = max(4, min(longest, free // 6))
            free -= deck_width + 2
        widths = (free * 2 // 5, free * 3 // 10, free - free * 2 // 5 - free * 3 // 10)
        # The columns too: a column keeps the width of its widest cell so far, and
        # after a terminal shrinks the rows would run past its edge.
        table.clear(columns=True)
        for label, key in self._columns():
            table.add_column(label, key=key)
        for n, row in enumerate(self.summary.rows, start=1):
            deck = [shorten(row.item.deck.id, deck_width)] if deck_width else []
            table.add_row(
                str(n),
                MARKS[row.verdict],
                *deck,
                shorten(row.item.prompt_text(), widths[0]),
                shorten(row.given or "—", widths[1]),
                shorten(expected_text(row), widths[2]),
                key=str(n - 1),
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def _columns(self) -> list[tuple[str, str]]:
        deck = [("Deck", "deck")] if self.several_decks else []
        return [
            ("#", "n"),
            (" ", "mark"),
            *deck,
            ("Question", "question"),
            ("Your answer", "given"),
            ("Right answer", "expected"),
        ]

    def _row(self) -> SummaryRow | None:
        table = self.query_one(PassiveTable)
        if not self.summary.rows:
            return None
        return self.summary.rows[min(table.cursor_row, len(self.summary.rows) - 1)]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        row = self._row()
        if row is None:
            return
        text = Text()
        if self.several_decks:
            text.append(printable(row.item.deck.title) + "\n", style="dim")
        text.append(f"{MARKS[row.verdict]} ", style="bold")
        text.append(printable(row.item.prompt_text()) + "\n")
        text.append("You: ", style="bold")
        text.append(printable(row.given or "(self-rated card)") + "\n")
        text.append("Answer: ", style="bold")
        text.append(printable(expected_text(row)))
        text.append(f"   rated {row.rating.label}", style="dim")
        self.query_one("#summary-details", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return True if self.missed else None
        return True

    def action_cursor(self, delta: int) -> None:
        self.query_one(PassiveTable).move_by(delta)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """The highlighted answer's whole feedback (nothing answered: back to the decks)."""
        if not self.summary.rows:
            self.action_back()
            return
        from srcquiz.tui.screens.answer import AnswerScreen

        table = self.query_one(PassiveTable)
        index = min(table.cursor_row, len(self.summary.rows) - 1)

        def moved(row: int) -> None:
            table.move_cursor(row=row, animate=False)

        self.app.push_screen(
            AnswerScreen(
                self.session.results,
                index,
                several_decks=self.several_decks,
                scheduled=self.session.scheduled,
                moved=moved,
            )
        )

    def action_retry(self) -> None:
        if not self.missed:
            return
        from srcquiz.study.session import Session
        from srcquiz.tui.screens.session import SessionScreen

        self.app.switch_screen(SessionScreen(Session.retry(self.session, self.missed)))

    def action_back(self) -> None:
        self.app.pop_screen()
