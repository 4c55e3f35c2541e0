"""Problems found in a deck, each located at file:line:column.

Below the loader, parser and cache alike, so each can report without importing
the others.
"""

from __future__ import annotations

from typing import NamedTuple

from srcquiz.textsafe import one_line


class Diagnostic(NamedTuple):
    """One problem, printed compiler style: `file:line:col: error: message`. A
    NamedTuple: every start-up imports it, and a dataclass costs 0.3 ms to create."""

    path: str
    line: int
    column: int
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        # Messages quote the deck's text and paths: shown escaped, one line each.
        return one_line(f"{where}: {self.severity}: {self.message}")

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


class DeckError(Exception):
    """A deck that could not be loaded; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))
