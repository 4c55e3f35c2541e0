"""What every srcquiz screen shares: a polite message instead of a squashed layout."""

from __future__ import annotations

from textual import events
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

# Below this the layouts cannot show a question and its answer widget legibly.
MIN_WIDTH = 50
MIN_HEIGHT = 12
# From this width the session shows question and feedback side by side (`-wide`).
WIDE_WIDTH = 160


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmall(Static):
    """Shown alone (by CSS) while the terminal is smaller than MIN_WIDTH x MIN_HEIGHT.

    Its rules are parsed when it is first mounted (`_SizeAware`), not at every
    start-up; unscoped, as they hide its screen's other widgets."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        padding: 1 2;
    }
    .-too-small > * {
        display: none;
    }
    .-too-small > TooSmall {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__(
            f"The terminal is too small for srcquiz: make it at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            markup=False,
        )


class _SizeAware:
    """Toggle the `-too-small` class (the stylesheet hides everything but TooSmall) and
    `-wide` (at least WIDE_WIDTH columns: layouts split the space rather than stretch).

    TooSmall is mounted the first time the screen is too small, not composed with
    it: on most start-ups it would be one more widget styled and laid out (hidden)
    before the decks screen's first frame."""

    def _check_size(self) -> None:
        size = self.app.size  # type: ignore[attr-defined]
        small = too_small(size.width, size.height)
        if small and not self.query(TooSmall):  # type: ignore[attr-defined]
            self.mount(TooSmall())  # type: ignore[attr-defined]
        self.set_class(small, "-too-small")  # type: ignore[attr-defined]
        self.set_class(size.width >= WIDE_WIDTH, "-wide")  # type: ignore[attr-defined]

    def on_resize(self, event: events.Resize) -> None:
        self._check_size()

    def on_screen_resume(self) -> None:
        self._check_size()


class BaseScreen(_SizeAware, Screen):
    def on_mount(self) -> None:
        self._check_size()


class BaseModal(_SizeAware, ModalScreen):
    def on_mount(self) -> None:
        self._check_size()
