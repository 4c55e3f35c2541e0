"""Home: every deck with its numbers, a live filter, and the keys that start studying.

Typing filters straight away (nothing needs focus); ctrl keys and Enter start
studying, so no letter is taken from the filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from srcquiz.textsafe import one_line, printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.decklist import DeckList, DeckRow, FilterLine, legend
from srcquiz.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from srcquiz.cli.workspace import SkippedDeck
    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DeckStats
    from srcquiz.study.limits import Offer
    from srcquiz.tui.app import SrcquizApp

ALL_KEY = "*"


def deck_matches(deck: Deck, query: str) -> bool:
    """Every word of the query appears in the deck's id, title or tags."""
    hay = " ".join((deck.id, deck.title, *deck.tags)).casefold()
    return all(word in hay for word in query.casefold().split())


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _numbers(
    stats: list[DeckStats], offered: Offer, retention: str = ""
) -> tuple[str, str, str, str, str]:
    """Qs and Cards count the decks; New and Due what a review would offer today."""
    return (
        str(sum(s.questions for s in stats)),
        str(sum(s.cards for s in stats)),
        str(offered.new),
        str(offered.due),
        retention,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Skipped decks named on the decks screen; the rest are counted (ctrl+e lists all).
SKIPPED_SHOWN = 3


def skipped_lines(skipped: Sequence[SkippedDeck]) -> Content:
    """A heading with the key, then each skipped file and its first error, one line each."""
    count = len(skipped)
    heading = (
        f"{count} deck file{'s' if count != 1 else ''} not loaded for errors "
        "(ctrl+e shows every problem):"
    )
    parts: list[str | tuple[str, str]] = [(heading, "bold")]
    for broken in skipped[:SKIPPED_SHOWN]:
        first = broken.first_error
        where = f"line {first.line}: " if first.line else ""
        parts += ["\n", ("✗ ", "bold"), (one_line(PurePath(broken.path).name), "bold")]
        parts.append(f"  {where}{one_line(first.message)}")
    if count > SKIPPED_SHOWN:
        parts.append(f"\n  and {count - SKIPPED_SHOWN} more")
    return Content.assemble(*parts)


class DecksScreen(BaseScreen, inherit_bindings=False):
    # Not inherited: Textual's Screen binds Tab to focus-next (nothing here takes focus),
    # and an inherited key would also come first in the key bar.
    BINDINGS = [
        Binding("enter", "study('review')", "Review", key_display="⏎"),
        Binding("ctrl+t", "study('quiz')", "Quiz"),
        Binding("ctrl+r", "study('cram')", "Cram"),
        Binding("ctrl+o", "study('missed')", "Missed"),
        Binding("ctrl+s", "stats", "Stats"),
        Binding("ctrl+l", "settings", "Settings: daily limits, retention", show=False),
        # Tab marks, as in fzf's multi-select (also a type-to-filter list), Insert as in
        # Midnight Commander; not ctrl+space, which macOS takes to switch input sources.
        Binding("tab,insert", "mark", "Mark", key_display="Tab"),
        Binding("ctrl+e", "problems", "Skipped decks: every problem", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("backspace", "erase(1)", "Erase a character", show=False),
        Binding("ctrl+u,ctrl+w", "erase(0)", "Erase the filter", show=False),
        Binding("escape", "clear_filter", "Clear filter / marks", show=False),
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False),
    ]

    app: SrcquizApp

    def __init__(self) -> None:
        super().__init__(id="decks")
        self.marked: set[str] = set()
        self.shown_decks: list[Deck] = []
        self._numbers_fresh = False

    def compose(self) -> ComposeResult:
        yield Static("", id="today")
        if self.app.skipped_decks:  # no widget to style and lay out on most start-ups
            yield Static(skipped_lines(self.app.skipped_decks), id="skipped")
        yield FilterLine()
        yield DeckList(id="deck-list")
        yield Static(legend(), id="deck-legend")
        yield Static("", id="deck-details", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_decks()
        self._numbers_fresh = True

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        # The first resume comes right after on_mount: the numbers were just read.
        if self.is_mounted and not self._numbers_fresh:
            self.refresh_decks()
        self._numbers_fresh = False

    @property
    def filter_text(self) -> str:
        return self.query_one(FilterLine).value

    # -- data -------------------------------------------------------------

    def refresh_decks(self) -> None:
        """Re-read the numbers (after a session) and redraw the rows under the filter."""
        self.app.refresh_stats()
        self._fill()
        self._update_today()

    def _fill(self, keep: str | None = None) -> None:
        listing = self.query_one(DeckList)
        current = listing.highlighted()
        keep = keep if keep is not None else (current.key if current else None)
        query = self.filter_text
        self.shown_decks = [d for d in self.app.decks if deck_matches(d, query)]
        stats = self.app.deck_stats
        rows: list[DeckRow] = []
        if len(self.shown_decks) > 1:
            label = f"All {len(self.shown_decks)} {'matching ' if query.strip() else ''}decks"
            shown = self.shown_decks
            numbers = _numbers([stats[d.id] for d in shown], self.offered(shown))
            rows.append(DeckRow(ALL_KEY, label, numbers, bold=True))
        for deck in self.shown_decks:
            st = stats[deck.id]
            rows.append(
                DeckRow(
                    deck.id,
                    printable(deck.title),
                    _numbers([st], self.offered([deck]), _pct(st.retention_30d)),
                    marked=deck.id in self.marked,
                )
            )
        listing.set_rows(rows, keep=keep)
        self._update_details()

    def offered(self, decks: Sequence[Deck]) -> Offer:
        """What a review of `decks` would offer now, within today's limits."""
        from srcquiz.study.limits import Budget, Limits, offer

        budget = self.app.budget or Budget(Limits(), {}, 0)
        due, new = self.app.due_now, self.app.startable
        return offer(budget, [(d.id, due[d.id], new.get(d.id, 0)) for d in decks])

    def _update_today(self) -> None:
        today = self.app.today_stats
        if today is None:
            return  # the numbers are read once the decks screen has mounted
        due = sum(self.app.due_now.values())
        later = sum(s.due_today for s in self.app.deck_stats.values()) - due
        parts = [f"Today: {_plural(today.reviews, 'answer')}"]
        if today.reviews:
            parts.append(f"{today.right} right ({today.right / today.reviews:.0%})")
        if today.practice:  # cram and missed: counted apart, they move no due dates
            parts.append(f"{today.practice} practice")
        parts.append(f"{due} due now" + (f", {later} later today" if later > 0 else ""))
        parts.append(f"streak {_plural(today.streak, 'day')}")
        # One line (`#today`: `height: 1`): a repaint, not a layout.
        self.query_one("#today", Static).update(Content(" · ".join(parts)), layout=False)

    def _highlighted_key(self) -> str | None:
        row = self.query_one(DeckList).highlighted()
        return None if row is None else row.key

    def _update_details(self) -> None:
        # Narrow, the details are three lines whatever they say (`height: 3`): moving
        # the cursor repaints them. Wide, their height follows the text: a layout.
        self.query_one("#deck-details", Static).update(
            self._details(), layout=self.has_class("-wide")
        )

    def _details(self) -> Content | str:
        """What the details line says about the highlighted row."""
        key = self._highlighted_key()
        if key is None:
            return "No deck matches the filter (Esc clears it)."
        if key == ALL_KEY:
            if self.marked:
                return f"{len(self.marked)} marked deck(s) will be studied: " + printable(
                    ", ".join(sorted(self.marked))
                )
            return "Study every deck listed below together."
        deck = next(d for d in self.app.decks if d.id == key)
        stats = self.app.deck_stats[deck.id]
        facts = [
            _plural(stats.questions, "question"),
            _plural(stats.cards, "card"),
            f"{stats.learning} learning",
            _plural(stats.reviews, "answer") + " so far",
        ]
        held = self._held_back(deck)
        about = printable(" ".join((deck.description or ", ".join(deck.sources)).split()))
        return Content.assemble(
            (printable(deck.id), "bold"),  # without `id:`, the file's name
            (f"  {' · '.join(facts)}\n", "dim"),
            (held, "bold $warning") if held else about,
        )

    def _held_back(self, deck: Deck) -> str:
        """Why the deck shows fewer new or due cards than it has ("" if it does not)."""
        from srcquiz.study.limits import describe_hold

        budget = self.app.budget
        if budget is None:
            return ""
        offered = self.offered([deck])
        startable = self.app.startable.get(deck.id, 0)
        if offered.new >= startable and offered.due >= self.app.due_now[deck.id]:
            return ""
        after_due = budget.copy()
        after_due.take(deck.id, offered.due)
        why = describe_hold(
            after_due.held_by(deck.id), budget.limits.for_deck(deck.id), budget.limits.cap
        )
        return f"Daily limit: {why}; ctrl+l changes it." if why else ""

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

    # -- typing into the filter ---------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Printable keys (except `?`, help) go into the filter."""
        char = event.character
        if event.is_printable and char and char != "?":
            event.stop()
            event.prevent_default()
            self._set_filter(self.filter_text + char)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self._set_filter(self.filter_text + " ".join(event.text.split()))

    def _set_filter(self, value: str) -> None:
        self.query_one(FilterLine).set_value(value)
        self._fill(keep="")

    def action_erase(self, count: int) -> None:
        text = self.filter_text
        if text:
            self._set_filter(text[:-count] if count else "")

    # -- list and actions -----------------------------------------------------

    @on(DeckList.Clicked)
    def _clicked(self, event: DeckList.Clicked) -> None:
        self.query_one(DeckList).move_to(event.index)
        self._update_details()
        if event.on_mark:
            self.action_mark()
        elif event.double:
            self.action_study("review")

    def action_cursor(self, delta: int) -> None:
        listing = self.query_one(DeckList)
        listing.move_to(listing.cursor + delta)
        self._update_details()

    def action_cursor_to(self, index: int) -> None:
        listing = self.query_one(DeckList)
        listing.move_to(index if index >= 0 else len(listing.rows) - 1)
        self._update_details()

    def action_mark(self) -> None:
        listing = self.query_one(DeckList)
        row = listing.highlighted()
        if row is None or row.key == ALL_KEY:
            return
        self.marked.symmetric_difference_update({row.key})
        listing.set_row(listing.cursor, row._replace(marked=row.key in self.marked))
        self._update_details()

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self._set_filter("")
        elif self.marked:
            self.marked.clear()
            self._fill()

    def action_study(self, mode: str) -> None:
        decks = self.selected_decks()
        if not decks:
            self.notify("No deck selected: clear the filter with Esc.", severity="warning")
            return
        self.app.start_session(decks, mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "problems":
            return True if self.app.skipped_decks else None
        return True

    def action_problems(self) -> None:
        from srcquiz.tui.screens.problems import ProblemsScreen

        if self.app.skipped_decks:
            self.app.push_screen(ProblemsScreen(self.app.skipped_decks))

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.id == "skipped":
            self.action_problems()

    def action_settings(self) -> None:
        from srcquiz.tui.screens.settings import SettingsScreen

        key = self._highlighted_key()
        self.app.push_screen(SettingsScreen(None if key == ALL_KEY else key))

    def action_stats(self) -> None:
        decks = self.selected_decks() if self.marked else list(self.shown_decks)
        self.app.show_stats(decks or list(self.app.decks))
