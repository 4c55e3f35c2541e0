"""The small values a deck and its questions carry: where text was written
(`Position`), an answer the author expects judged one way (`Example`), the
upstream code a deck or question is about (`Anchor`).

Apart from `deck.model` and `deck.kinds` so that both can use them without
importing each other (a question's kind classes are not made at start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Position(NamedTuple):
    """Where something was written: 1-based line and column.

    A NamedTuple rather than a dataclass: every question carries one, and a
    tuple is several times cheaper to build when a deck is parsed or cached.
    """

    line: int = 0
    column: int = 0


class Example(NamedTuple):
    """An answer a deck author expects to be judged right (counted as recalled) or
    not; `srcquiz lint` grades it. Written like `srcquiz grade` takes answers."""

    text: str
    right: bool
    pos: Position = Position()


@dataclass(frozen=True, slots=True)
class Anchor:
    """The upstream code a question is about."""

    repo: str | None = None
    path: str | None = None
    symbol: str | None = None
    version: str | None = None
    pos: Position = field(default=Position(), compare=False)

    def label(self) -> str:
        return " · ".join(p for p in (self.repo, self.path, self.symbol) if p)

    def merged_over(self, default: Anchor | None) -> Anchor:
        if default is None:
            return self
        return Anchor(
            repo=self.repo or default.repo,
            path=self.path or default.path,
            symbol=self.symbol or default.symbol,
            version=self.version or default.version,
            pos=self.pos,
        )
