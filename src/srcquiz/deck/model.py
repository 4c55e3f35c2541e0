"""The deck model: a deck and the study cards its questions yield.

A question may yield several study cards (each cloze number, the reverse of a
card); `Question.card_keys()` names them so review history can be keyed by
stable ids that survive rewording. The questions are `deck.kinds`' classes and
their parts `deck.parts`': start-up shows every deck without making a question
(`lazy_deck`), so not even their shared base is made here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from srcquiz.deck.kinds import Question
    from srcquiz.deck.parts import Anchor

KINDS = ("card", "short", "number", "choice", "truefalse", "cloze", "order", "match")


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    shuffle: bool = True
    anchor: Anchor | None = None
    path: str = ""

    def question(self, qid: str) -> Question | None:
        """The question with this id: a lookup in a table made once per deck."""
        hit = _BY_ID.get(id(self))
        if hit is None or hit[0] is not self:
            if len(_BY_ID) >= 256:
                _BY_ID.clear()
            hit = (self, {q.id: q for q in self.questions})
            _BY_ID[id(self)] = hit  # holding the deck keeps its id() unique
        return hit[1].get(qid)

    def card_keys(self) -> list[str]:
        """Every question's study cards, in deck order. Worked out once per deck (a
        deck never changes; each call re-parsed every cloze, and the decks screen asks
        for every deck's keys each time it comes back)."""
        return list(self._key_table()[0])

    def keyed_count(self) -> int:
        """How many questions have at least one study card (worked out with the keys)."""
        return self._key_table()[1]

    def _key_table(self) -> tuple[tuple[str, ...], int]:
        hit = _CARD_KEYS.get(id(self))
        if hit is None or hit[0] is not self:
            if len(_CARD_KEYS) >= 256:
                _CARD_KEYS.clear()
            per_question = [q.card_keys() for q in self.questions]
            keys = tuple(key for keys in per_question for key in keys)
            hit = (self, keys, sum(1 for keys in per_question if keys))
            _CARD_KEYS[id(self)] = hit  # holding the deck keeps its id() unique
        return hit[1], hit[2]

    def question_count(self) -> int:
        return len(self.questions)

    def card_count(self) -> int:
        return len(self._key_table()[0])

    def card_at(self, index: int) -> tuple[str, Question]:
        """The study card at `index` of `card_keys()` and its question."""
        key = self._key_table()[0][index]
        q = self.question(split_card_key(key)[0])
        assert q is not None  # the key was made from this deck's questions
        return key, q

    def question_at(self, index: int) -> Question:
        """The question at `index` in deck order (a lazily read deck decodes only it)."""
        return self.questions[index]

    def stored_vocabulary(self) -> dict[str, str] | None:
        """The terms grading knows from this deck, if they came with it (a deck cache
        entry carries them: `lazy_deck`); None means work them out from the questions."""
        return None

    def counts_by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for q in self.questions:
            counts[q.kind] += 1
        return {k: v for k, v in counts.items() if v}


_CARD_KEYS: dict[int, tuple[Deck, tuple[str, ...], int]] = {}
_BY_ID: dict[int, tuple[Deck, dict[str, Question]]] = {}


def split_card_key(key: str) -> tuple[str, str]:
    """`"qid#c2"` -> `("qid", "c2")`; `"qid"` -> `("qid", "")`."""
    qid, _, sub = key.partition("#")
    return qid, sub
