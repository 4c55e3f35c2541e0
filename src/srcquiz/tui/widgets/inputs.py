"""Text inputs that follow the app's cursor-blink setting (off in snapshot tests)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class BlinkAwareInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class FilterInput(BlinkAwareInput):
    """The decks filter: `?` opens help instead of typing (no deck title needs it)."""

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "?":
            event.stop()
            event.prevent_default()
            await self.app.run_action("help")
            return
        await super()._on_key(event)
