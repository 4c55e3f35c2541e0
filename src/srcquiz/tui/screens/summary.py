"""The end of a session: score, time, every answer next to the right one, retry the misses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from srcquiz.study.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK
from srcquiz.textsafe import printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.screens.session import session_title
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.session.progress import format_elapsed
from srcquiz.tui.widgets.tables import PassiveTable

if TYPE_CHECKING:
    from srcquiz.study.session import Session, Summary, SummaryRow
    from srcquiz.tui.app import SrcquizApp

MARKS = {"right": RIGHT_MARK, "almost": ALMOST_MARK, "wrong": WRONG_MARK}


def shorten(text: str, width: int) -> Text:
    """One table cell: on one line, cut to `width`, and plain text (a DataTable reads
    a str cell as markup: an answer `[/]` would crash it, `[@click=…]` would act)."""
    text = " ".join(printable(text).split())
    return Text(text if len(text) <= width else text[: width - 1] + "…")


def score_line(summary: Summary) -> str:
    parts = [f"{summary.right + summary.almost} of {summary.answered} right"]
    if summary.almost:
        parts[0] += f" ({summary.almost} with a typo)"
    parts.append(f"score {summary.score:.0%}")
    if summary.came_back:  # each card counted once above, however often it came back
        parts.append(f"{summary.came_back} came back")
    parts.append(f"{format_elapsed(summary.elapsed_s)} answering")  # reading feedback not counted
    return " · ".join(parts)


class SummaryScreen(BaseScreen):
    BINDINGS = [
        Binding("r", "retry", "Retry missed"),
        Binding("enter,escape", "back", "Back to decks", key_display="⏎"),
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
        yield from self.compose_too_small()
        with Vertical(classes="body"):
            yield Static(
                f"{session_title(self.session)}: finished", id="summary-title", markup=False
            )
            yield Static(score_line(self.summary), id="summary-score", markup=False)
            yield PassiveTable(id="summary-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="summary-details", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(PassiveTable)
        table.add_column("#", key="n")
        table.add_column(" ", key="mark")
        table.add_column("Question", key="question")
        table.add_column("Your answer", key="given")
        table.add_column("Right answer", key="expected")
        self._fill()
        if not self.summary.rows:
            self.query_one("#summary-details", Static).update("Nothing was answered.")

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
        widths = (free * 2 // 5, free * 3 // 10, free - free * 2 // 5 - free * 3 // 10)
        table.clear()
        for n, row in enumerate(self.summary.rows, start=1):
            table.add_row(
                str(n),
                MARKS[row.verdict],
                shorten(row.item.prompt_text(), widths[0]),
                shorten(row.given or "—", widths[1]),
                shorten(row.expected, widths[2]),
                key=str(n - 1),
            )
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

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
        text.append(f"{MARKS[row.verdict]} ", style="bold")
        text.append(printable(row.item.prompt_text()) + "\n")
        text.append("You: ", style="bold")
        text.append(printable(row.given or "(self-rated card)") + "\n")
        text.append("Answer: ", style="bold")
        text.append(printable(row.expected))
        text.append(f"   rated {row.rating.label}", style="dim")
        self.query_one("#summary-details", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return True if self.missed else None
        return True

    def action_cursor(self, delta: int) -> None:
        self.query_one(PassiveTable).move_by(delta)

    def action_retry(self) -> None:
        if not self.missed:
            return
        from srcquiz.study.session import Session
        from srcquiz.tui.screens.session import SessionScreen

        self.app.switch_screen(SessionScreen(Session.retry(self.session, self.missed)))

    def action_back(self) -> None:
        self.app.pop_screen()
