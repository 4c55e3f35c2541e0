"""Home: every deck with its numbers, a live filter, and the keys that start studying."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.inputs import FilterInput
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.tables import PassiveTable

if TYPE_CHECKING:
    from srcquiz.deck import Deck
    from srcquiz.tui.app import SrcquizApp

ALL_KEY = "*"


def deck_matches(deck: Deck, query: str) -> bool:
    """Every word of the query appears in the deck's id, title or tags."""
    hay = " ".join((deck.id, deck.title, *deck.tags)).casefold()
    return all(word in hay for word in query.casefold().split())


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class DeckTable(PassiveTable):
    """The deck list; the filter keeps keyboard focus. A click on the first column marks."""

    class MarkClicked(Message):
        pass

    async def _on_click(self, event: events.Click) -> None:
        await super()._on_click(event)
        meta = event.style.meta
        if meta.get("column") == 0 and meta.get("row", -1) >= 0:
            self.post_message(self.MarkClicked())


class DecksScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "study('review')", "Review", key_display="⏎", priority=True),
        Binding("ctrl+t", "study('quiz')", "Quiz", priority=True),
        Binding("ctrl+r", "study('cram')", "Cram", priority=True),
        Binding("ctrl+o", "study('missed')", "Missed", priority=True),
        Binding("ctrl+s", "stats", "Stats", priority=True),
        Binding("ctrl+space,ctrl+@", "mark", "Mark", key_display="^␣", priority=True),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]
    HELP = (
        "Type to filter the decks. The first row studies every deck shown; mark single "
        "decks with ctrl+space (or a click on their first column) to study just those."
    )

    app: SrcquizApp

    def __init__(self) -> None:
        super().__init__(id="decks")
        self.marked: set[str] = set()
        self.shown_decks: list[Deck] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_too_small()
        with Vertical(classes="body"):
            yield Static("", id="today", markup=False)
            yield FilterInput(placeholder="type to filter decks…  (? help)", id="filter")
            yield DeckTable(id="deck-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="deck-details", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DeckTable)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Deck", key="title")
        table.add_column("Qs", key="questions")
        table.add_column("New", key="new")
        table.add_column("Due", key="due")
        table.add_column("Ret.", key="retention")
        self.refresh_decks()
        self.query_one(FilterInput).focus()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.refresh_decks()
            self.query_one(FilterInput).focus()

    # -- data -------------------------------------------------------------

    def refresh_decks(self) -> None:
        """Re-read the numbers (after a session) and redraw the rows under the filter."""
        self.app.refresh_stats()
        self._fill_table()
        self._update_today()

    def _fill_table(self) -> None:
        table = self.query_one(DeckTable)
        query = self.query_one(FilterInput).value
        previous = self._highlighted_key()
        self.shown_decks = [d for d in self.app.decks if deck_matches(d, query)]
        stats = self.app.deck_stats
        table.clear()
        if len(self.shown_decks) > 1:
            label = (
                f"All {len(self.shown_decks)} decks"
                if not query.strip()
                else f"All {len(self.shown_decks)} matching decks"
            )
            table.add_row(
                "",
                Text(label, style="bold"),
                *self._numbers(d.id for d in self.shown_decks),
                "",
                key=ALL_KEY,
            )
        for deck in self.shown_decks:
            st = stats[deck.id]
            table.add_row(
                "●" if deck.id in self.marked else "",
                Text(deck.title),
                str(st.questions),
                str(st.new),
                str(st.due_today),
                _pct(st.retention_30d),
                key=deck.id,
            )
        if previous is not None and previous in table.rows:
            table.move_cursor(row=table.get_row_index(previous), animate=False)
        self._update_details()

    def _numbers(self, deck_ids: Iterable[str]) -> tuple[str, str, str]:
        stats = [self.app.deck_stats[i] for i in deck_ids]
        return (
            str(sum(s.questions for s in stats)),
            str(sum(s.new for s in stats)),
            str(sum(s.due_today for s in stats)),
        )

    def _update_today(self) -> None:
        today = self.app.today_stats
        due = sum(s.due_today for s in self.app.deck_stats.values())
        parts = [f"Today: {today.reviews} reviewed"]
        if today.reviews:
            parts.append(f"{today.right} right ({today.right / today.reviews:.0%})")
        parts.append(f"{due} due")
        streak = today.streak
        parts.append(f"streak {streak} day{'s' if streak != 1 else ''}")
        self.query_one("#today", Static).update(" · ".join(parts))

    def _highlighted_key(self) -> str | None:
        table = self.query_one(DeckTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def _update_details(self) -> None:
        details = self.query_one("#deck-details", Static)
        key = self._highlighted_key()
        if key is None:
            details.update("No deck matches the filter (Esc clears it).")
            return
        if key == ALL_KEY:
            if self.marked:
                details.update(
                    f"{len(self.marked)} marked deck(s) will be studied: "
                    + ", ".join(sorted(self.marked))
                )
            else:
                details.update("Study every deck listed below together.")
            return
        deck = next(d for d in self.app.decks if d.id == key)
        stats = self.app.deck_stats[deck.id]
        text = Text()
        text.append(deck.id, style="bold")
        text.append(
            f"  {stats.cards} cards · {stats.learning} learning · {stats.reviews} reviews\n",
            style="dim",
        )
        text.append(deck.description or ", ".join(deck.sources))
        details.update(text)

    def selected_decks(self) -> list[Deck]:
        """Marked decks if any, else the highlighted row (the All row: everything shown)."""
        if self.marked:
            return [d for d in self.app.decks if d.id in self.marked]
        key = self._highlighted_key()
        if key is None:
            return []
        if key == ALL_KEY:
            return list(self.shown_decks)
        return [d for d in self.app.decks if d.id == key]

    # -- events and actions -----------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._fill_table()
        table = self.query_one(DeckTable)
        if table.row_count:
            table.move_cursor(row=0, animate=False)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._update_details()

    @on(DeckTable.MarkClicked)
    def _mark_clicked(self) -> None:
        self.action_mark()

    def action_cursor(self, delta: int) -> None:
        self.query_one(DeckTable).move_by(delta)

    def action_mark(self) -> None:
        key = self._highlighted_key()
        if key is None or key == ALL_KEY:
            return
        self.marked.symmetric_difference_update({key})
        table = self.query_one(DeckTable)
        table.update_cell(key, "mark", "●" if key in self.marked else "")
        self._update_details()

    def action_clear_filter(self) -> None:
        box = self.query_one(FilterInput)
        if box.value:
            box.value = ""
        elif self.marked:
            self.marked.clear()
            self._fill_table()

    def action_study(self, mode: str) -> None:
        decks = self.selected_decks()
        if not decks:
            self.notify("No deck selected: clear the filter with Esc.", severity="warning")
            return
        self.app.start_session(decks, mode)

    def action_stats(self) -> None:
        decks = self.selected_decks() if self.marked else list(self.shown_decks)
        self.app.show_stats(decks or list(self.app.decks))
