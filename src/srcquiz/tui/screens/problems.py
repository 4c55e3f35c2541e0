"""ctrl+e on the decks screen: every problem of every deck file that was skipped.

A deck with an error is not loaded; without this screen it would simply be
missing from the list (the loader's messages go to stderr, which the app's
screen hides). Each problem is shown compiler style, path:line:column, so it can
be found in the file; `srcquiz lint` prints the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from srcquiz.textsafe import one_line
from srcquiz.tui.screens.base import BaseModal

if TYPE_CHECKING:
    from srcquiz.cli.workspace import SkippedDeck

SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow"}


def problems_view(skipped: Sequence[SkippedDeck]) -> Group:
    """One block per skipped file: its path, then each problem as `line:col  severity: message`,
    a wrapped message staying in its column."""
    blocks: list[Text | Table] = []
    for broken in skipped:
        if blocks:
            blocks.append(Text(""))
        blocks.append(Text(one_line(broken.path), style="bold"))
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for d in broken.problems:
            where = f"  {d.line}:{d.column}" if d.line else "  file"
            message = Text.assemble((d.severity, SEVERITY_STYLE.get(d.severity, "")), ": ")
            message.append(one_line(d.message))
            table.add_row(Text(where, style="dim"), message)
        blocks.append(table)
    return Group(*blocks)


class ProblemsScreen(BaseModal):
    # Here rather than in srcquiz.tcss: parsed only when the screen is first opened.
    DEFAULT_CSS = """
    ProblemsScreen {
        align: center middle;
    }
    #problems-box {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    #problems-title {
        text-style: bold;
        margin-bottom: 1;
    }
    #problems-note {
        margin-top: 1;
        color: $text-muted;
    }
    """
    BINDINGS = [Binding("escape,q,ctrl+e", "close", "Close")]

    def __init__(self, skipped: Sequence[SkippedDeck]) -> None:
        super().__init__(id="problems")
        self.skipped = list(skipped)

    def compose(self) -> ComposeResult:
        count = len(self.skipped)
        title = f"{count} deck file{'s' if count != 1 else ''} skipped for errors  (Esc closes)"
        with VerticalScroll(id="problems-box", classes="body"):
            yield Static(title, id="problems-title", markup=False)
            yield Static(problems_view(self.skipped), id="problems-list")
            yield Static(
                "Fix them in the files (srcquiz lint checks them), then start srcquiz again.",
                id="problems-note",
                markup=False,
            )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#problems-box").focus()

    def action_close(self) -> None:
        self.dismiss()
