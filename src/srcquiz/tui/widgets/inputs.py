"""Text inputs that follow the app's cursor-blink setting (off in snapshot tests)."""

from __future__ import annotations

from textual.widgets import Input


class BlinkAwareInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
