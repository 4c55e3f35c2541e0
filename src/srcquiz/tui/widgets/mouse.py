"""Buttons for the mouse that never take keyboard focus away from the widget in use."""

from __future__ import annotations

from textual.widgets import Button


class MouseButton(Button, can_focus=False):
    """Clickable, but keys stay with whatever had focus."""
