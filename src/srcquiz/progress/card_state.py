"""One study card's memory state as the store saves it and the scheduler moves it.

It lives with the store (not the scheduler) so that opening a database and
showing the decks never needs the scheduler or fsrs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# FSRS's card states (fsrs.State values; a test checks they agree).
LEARNING = 1
REVIEW = 2
RELEARNING = 3


@dataclass(frozen=True)
class CardState:
    """One study card's FSRS memory state; times are timezone-aware UTC."""

    due: datetime
    state: int = LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "due": self.due.timestamp(),
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "last_review": self.last_review.timestamp() if self.last_review else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        last = data.get("last_review")
        return cls(
            due=datetime.fromtimestamp(float(data["due"]), UTC),
            state=int(data["state"]),
            step=None if data.get("step") is None else int(data["step"]),
            stability=None if data.get("stability") is None else float(data["stability"]),
            difficulty=None if data.get("difficulty") is None else float(data["difficulty"]),
            last_review=None if last is None else datetime.fromtimestamp(float(last), UTC),
        )
