"""The bottom line of keys: one Static redrawn when the bindings change.

Textual's Footer rebuilds a widget per key on every focus change (about 40 ms
here); this draws the same information as one line of text, clickable too.
"""

from __future__ import annotations

from functools import lru_cache

from textual.content import Content, Span
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Static

KEY_STYLE = "bold $footer-key-foreground"


@lru_cache(maxsize=64)
def _click(action: str) -> Style:
    """What `@click=action` markup means, made directly: parsing it as a style string
    took most of the bar's first paint."""
    return Style.from_meta({"@click": action})


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
        # Spans are built directly (no markup to parse): this line is drawn on every
        # start-up and after every answer.
        text: list[str] = []
        spans: list[Span] = []
        seen: set[str] = set()
        palette = self.app.COMMAND_PALETTE_BINDING
        # A screen may name what a key does now (Enter: "Good", the rating it takes).
        describe = getattr(self.screen, "key_description", None)
        # ... and keep a key that works but has nothing to offer now off the bar.
        hidden = getattr(self.screen, "key_hidden", None)
        entries = []
        for key, (_node, binding, enabled, _tip) in self.screen.active_bindings.items():
            if not binding.show or not enabled or binding.action in seen or key == palette:
                continue
            if hidden is not None and hidden(binding.action):
                continue
            seen.add(binding.action)
            entries.append(
                (
                    f"app.simulate_key({key!r})",
                    self.app.get_key_display(binding),
                    (describe(binding.action) if describe else None) or binding.description,
                )
            )
        if self.app.ENABLE_COMMAND_PALETTE:
            entries.append(("app.command_palette", "^p", "palette"))
        at = 0
        for action, display, description in entries:
            if at:
                text.append(" ")
                at += 1
            key_part, rest = f" {display}", f" {description}"
            spans.append(Span(at, at + len(key_part) + len(rest), _click(action)))
            spans.append(Span(at, at + len(key_part), KEY_STYLE))
            text.append(key_part + rest)
            at += len(key_part) + len(rest)
        # One line whatever it says (`height: 1`, `width: 1fr`): a repaint, not a layout
        # of the whole screen, each time the keys change (every answer, every screen).
        self.update(Content("".join(text), spans), layout=False)
