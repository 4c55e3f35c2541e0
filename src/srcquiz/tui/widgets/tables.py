"""A table the screen drives: it never takes focus, so screen keys (Enter, letters) work."""

from __future__ import annotations

from textual.widgets import DataTable


class PassiveTable(DataTable):
    can_focus = False

    def move_by(self, delta: int) -> None:
        if self.row_count:
            row = max(0, min(self.row_count - 1, self.cursor_row + delta))
            self.move_cursor(row=row, animate=False)
