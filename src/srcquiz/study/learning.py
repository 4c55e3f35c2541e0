"""Learning steps inside a session, as Anki runs them: a card that is still being
learnt (a failed card, or a new one on its first steps) comes back before the
session ends instead of waiting for the next one.

FSRS puts such a card in a learning step due minutes away (1 and 10 minutes by
default). The session asks it again as soon as that step is due, or, once
nothing else is left, up to `LEARN_AHEAD` early, like Anki's learn-ahead limit.
Each return is a real review: the scheduler moves the card again.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from srcquiz.progress.card_state import LEARNING, RELEARNING, CardState

# Anki's default "learn ahead limit": with nothing else to ask, a learning card due
# this soon is asked now rather than ending the session without it.
LEARN_AHEAD = timedelta(minutes=20)
LEARNING_STATES = frozenset({LEARNING, RELEARNING})

Card = TypeVar("Card", bound=Hashable)


class LearningQueue(Generic[Card]):
    """The session's cards in a learning step, with when each step falls due."""

    def __init__(self, learn_ahead: timedelta = LEARN_AHEAD) -> None:
        self.learn_ahead = learn_ahead
        self._due: dict[Card, datetime] = {}

    def __len__(self) -> int:
        return len(self._due)

    def update(self, card: Card, after: CardState | None) -> None:
        """Note the card's state after its (final) rating: still learning, it waits
        for its step; graduated, or not scheduled at all (cram), it leaves."""
        if after is not None and after.state in LEARNING_STATES:
            self._due[card] = after.due
        else:
            self._due.pop(card, None)

    def wait(self, card: Card, due: datetime) -> None:
        """A card an earlier session left in a learning step: asked when its step falls
        due during this one (or within the learn-ahead window at its end)."""
        self._due.setdefault(card, due)

    def pick(self, now: datetime, others_left: bool) -> Card | None:
        """The card to ask next, taken off the queue, or None. A step already due
        comes before the other cards; with none of them left, the earliest step
        due within the learn-ahead window."""
        if not self._due:
            return None
        card, due = min(self._due.items(), key=lambda pair: pair[1])
        limit = now if others_left else now + self.learn_ahead
        if due > limit:
            return None
        del self._due[card]
        return card
