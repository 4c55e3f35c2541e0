"""The bottom line of keys: one Static redrawn when the bindings change.

Textual's Footer rebuilds a widget per key on every focus change (about 40 ms
here); this draws the same information as one line of text, clickable too.
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.redraw()

    def _bindings_changed(self, screen: Screen) -> None:
        # A frame later: the change that moved the bindings (feedback, a new
        # question) is painted first, this one line right after.
        if screen is self.screen:
            self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        if not self.is_attached:
            return
        parts: list[str] = []
        seen: set[str] = set()
        palette = self.app.COMMAND_PALETTE_BINDING
        for key, (_node, binding, enabled, _tip) in self.screen.active_bindings.items():
            if not binding.show or not enabled or binding.action in seen or key == palette:
                continue
            seen.add(binding.action)
            display = _escape(self.app.get_key_display(binding))
            parts.append(
                f"[@click=app.simulate_key({key!r})][b $footer-key-foreground]"
                f" {display}[/] {_escape(binding.description)}[/]"
            )
        if self.app.ENABLE_COMMAND_PALETTE:
            parts.append("[@click=app.command_palette][b $footer-key-foreground] ^p[/] palette[/]")
        self.update(Content.from_markup(" ".join(parts)))
