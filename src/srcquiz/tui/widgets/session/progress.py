"""The session's top line: where you are (n of m, a bar) and how long it has taken."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
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


class SessionProgress(Static):
    """`Review · deck      3 of 20 ███░░░ ⏱ 1:23`, one widget, laid out at render time."""

    def __init__(self, title: str, total: int) -> None:
        super().__init__(id="session-progress")
        self._title = title
        self._position = 0
        self._total = total
        self._answered = 0
        self._elapsed = 0.0

    def render(self) -> Content:
        total = self._total
        count = f"{min(self._position + 1, total)} of {total}"
        clock = f"⏱ {format_elapsed(self._elapsed)}"
        bar = progress_bar(self._answered, total)
        right_len = cell_len(count) + 1 + len(bar) + 1 + cell_len(clock)
        room = self.size.width - right_len - 2
        if room < 8:  # narrow: drop the bar before the title
            bar, right_len = "", cell_len(count) + 1 + cell_len(clock)
            room = self.size.width - right_len - 2
        title = Content(self._title).truncate(max(0, room), ellipsis=True)
        gap = max(1, self.size.width - title.cell_length - right_len)
        parts: list[str | tuple[str, str] | Content] = [title.stylize("bold"), " " * gap, count]
        if bar:
            parts += [" ", (bar, "$accent")]
        parts += [" ", clock]
        return Content.assemble(*parts)

    def show(self, position: int, total: int, answered: int) -> None:
        """`position` is 0-based; `answered` fills the bar."""
        self._position, self._total, self._answered = position, total, answered
        self.refresh()

    def show_elapsed(self, seconds: float) -> None:
        if int(seconds) != int(self._elapsed):
            self._elapsed = seconds
            self.refresh()
