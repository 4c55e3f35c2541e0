"""One exception type for problems the user can fix: printed as one sentence."""

from __future__ import annotations


class UserError(Exception):
    """A plain-sentence failure; the CLI prints it and exits with `code`."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code
