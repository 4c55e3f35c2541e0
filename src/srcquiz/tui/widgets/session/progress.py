"""The session's top line: where you are (n of m, a bar) and how long it has taken."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Static

BAR_WIDTH = 20


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """Drawn with two glyphs, so it reads without colour (NO_COLOR) too."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class SessionProgress(HorizontalGroup):
    def __init__(self, title: str, total: int) -> None:
        super().__init__(id="session-progress")
        self._title = title
        self._total = total

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="session-title", markup=False)
        yield Static("", id="session-count", markup=False)
        yield Static(progress_bar(0, self._total), id="session-bar", markup=False)
        yield Static("⏱ 0:00", id="session-clock", markup=False)

    def show(self, position: int, total: int, answered: int) -> None:
        """`position` is 0-based; `answered` fills the bar."""
        self._total = total
        self.query_one("#session-count", Static).update(f"{min(position + 1, total)} of {total}")
        self.query_one("#session-bar", Static).update(progress_bar(answered, total))

    def show_elapsed(self, seconds: float) -> None:
        self.query_one("#session-clock", Static).update(f"⏱ {format_elapsed(seconds)}")
