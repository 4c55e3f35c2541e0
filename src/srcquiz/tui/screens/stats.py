"""Progress: a per-deck table and three charts (reviews per day, retention, due forecast).

Imported only when opened: textual-plotext is not part of start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from srcquiz.textsafe import printable
from srcquiz.tui.screens.base import BaseScreen
from srcquiz.tui.widgets.keybar import KeyBar
from srcquiz.tui.widgets.tables import PassiveTable

if TYPE_CHECKING:
    from datetime import date

    from srcquiz.deck.model import Deck
    from srcquiz.tui.app import SrcquizApp

HISTORY_DAYS = 30
FORECAST_DAYS = 14
# Fixed axis ticks: plotext's automatic ones vary from run to run.
# "0", not "today": at 80 columns "today" overlapped "-7", and plotext then drew
# one or the other from run to run.
PAST_TICKS = ([-28, -21, -14, -7, 0], ["-28", "-21", "-14", "-7", "0"])
FUTURE_TICKS = ([0, 7, 13], ["today", "+7", "+13"])
# Whole percentages, narrow enough to leave the plot its width (plotext's own: "83.3").
PERCENT_TICKS = ([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
CHARTS = ("reviews", "retention", "forecast")


def count_ticks(counts: list[int]) -> list[int]:
    """Whole-number ticks (counts of reviews or cards are never 2.5)."""
    top = max(counts, default=0) or 1
    step = max(1, -(-top // 5))
    return list(range(0, top + step, step))


class Chart(PlotextPlot):
    """A plot that renders nothing rather than fail when squeezed very small."""

    def render(self) -> RenderResult:
        if self.size.width < 12 or self.size.height < 6:
            return ""
        return super().render()


class StatsScreen(BaseScreen):
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
    ]

    app: SrcquizApp

    def __init__(self, decks: list[Deck]) -> None:
        super().__init__(id="stats")
        self.decks = decks

    def compose(self) -> ComposeResult:
        with Vertical(classes="body"):
            yield Static(self._title(), id="stats-title", markup=False)
            yield PassiveTable(id="stats-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="charts"):
                for name in CHARTS:
                    with Vertical(classes="chart-box"):
                        # The title is ours, not plotext's: plotext silently drops a
                        # title wider than its canvas (at 80 columns, "Retention").
                        yield Static("", id=f"chart-{name}-title", classes="chart-title")
                        yield Chart(id=f"chart-{name}")
        yield KeyBar()

    def _title(self) -> str:
        if len(self.decks) == 1:
            return printable(f"Stats · {self.decks[0].title}")
        return f"Stats · {len(self.decks)} decks"

    def on_mount(self) -> None:
        super().on_mount()
        self._fill_table()
        self._draw_charts()

    def _fill_table(self) -> None:
        table = self.query_one(PassiveTable)
        for key, label in (
            ("deck", "Deck"),
            ("cards", "Cards"),
            ("new", "New"),
            ("learning", "Learning"),
            ("due", "Due"),
            ("reviews", "Reviews"),
            ("retention", "Ret. 30d"),
            ("streak", "Streak"),
        ):
            table.add_column(label, key=key)
        # The numbers the decks screen keeps: read again only for decks that changed.
        stats = self.app.deck_numbers().deck_stats(self.decks, self.app.clock())
        for deck in self.decks:
            st = stats[deck.id]
            table.add_row(
                Text(printable(deck.id)),  # a str cell is markup; the id may be a file name
                str(st.cards),
                str(st.new),
                str(st.learning),
                str(st.due_today),
                str(st.reviews),
                "—" if st.retention_30d is None else f"{st.retention_30d:.0%}",
                f"{st.streak}d",
                key=deck.id,
            )

    def _draw_charts(self) -> None:
        store, now = self.app.store, self.app.clock()
        ids = [d.id for d in self.decks]
        today = now.date()

        reviews = store.reviews_per_day(ids, days=HISTORY_DAYS, now=now)
        self._bar_chart("reviews", f"Reviews per day ({HISTORY_DAYS}d)", reviews, today,
                        PAST_TICKS, "days ago")

        retention = [
            (d, r)
            for d, r in store.retention_per_day(ids, days=HISTORY_DAYS, now=now)
            if r is not None
        ]
        plot = self.query_one("#chart-retention", Chart).plt
        self._chart_title(
            "retention", "Retention (% not Again)" if retention else "Retention: no reviews yet"
        )
        plot.ylim(0, 100)
        plot.yticks(*_float_ticks(PERCENT_TICKS))
        if retention:
            plot.plot(
                [(d - today).days for d, _ in retention],
                [round(r * 100) for _, r in retention],
                marker="dot",
            )
        plot.xlim(-HISTORY_DAYS + 1, 0)
        plot.xticks(*_float_ticks(PAST_TICKS))
        plot.xlabel("days ago")

        forecast = store.due_forecast(ids, days=FORECAST_DAYS, now=now)
        self._bar_chart("forecast", f"Due in the next {FORECAST_DAYS} days", forecast,
                        today, FUTURE_TICKS, "days from today")

    def _bar_chart(
        self,
        name: str,
        title: str,
        counts: list[tuple[date, int]],
        today: date,
        ticks: tuple[list[int], list[str]],
        xlabel: str,
    ) -> None:
        """A per-day count chart: x is days from today, y whole-number counts."""
        plot = self.query_one(f"#chart-{name}", Chart).plt
        self._chart_title(name, title)
        plot.bar([(d - today).days for d, _ in counts], [n for _, n in counts])
        plot.xticks(*_float_ticks(ticks))
        plot.yticks([float(t) for t in count_ticks([n for _, n in counts])])
        plot.xlabel(xlabel)

    def _chart_title(self, name: str, title: str) -> None:
        self.query_one(f"#chart-{name}-title", Static).update(title)

    def action_cursor(self, delta: int) -> None:
        self.query_one(PassiveTable).move_by(delta)

    def action_back(self) -> None:
        self.app.pop_screen()


def _float_ticks(ticks: tuple[list[int], list[str]]) -> tuple[list[float], list[str]]:
    """plotext's tick positions are floats (its annotations say so)."""
    return [float(t) for t in ticks[0]], ticks[1]
