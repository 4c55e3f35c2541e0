"""The deck model: a deck, its questions' shared fields, where text was written.

A question may yield several study cards (each cloze number, the reverse of a
card); `Question.card_keys()` names them so review history can be keyed by
stable ids that survive rewording. Each kind's own fields are in `deck.kinds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

KINDS = ("card", "short", "number", "choice", "truefalse", "cloze", "order", "match")


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


@dataclass(frozen=True, kw_only=True)
class Question:
    """Fields every kind shares.

    No `__slots__` here: the deck cache rebuilds questions by filling `__dict__`
    in one call, which is what makes a warm load of 10k questions cheap.
    """

    kind: ClassVar[str] = ""
    id: str
    prompt: str
    explanation: str = ""
    source: str = ""
    anchor: Anchor | None = None
    code: str | None = None
    lang: str | None = None
    code_after: bool = False  # the code is shown with the feedback, not the prompt
    hint: str | None = None
    tags: tuple[str, ...] = ()
    # Checked by lint, not asked: like `pos`, not part of what a question is (an Anki
    # package does not carry them).
    examples: tuple[Example, ...] = field(default=(), compare=False)
    pos: Position = field(default=Position(), compare=False)

    def card_keys(self) -> tuple[str, ...]:
        """Study units of this question: stable keys for review history."""
        return (self.id,)

    @property
    def self_graded(self) -> bool:
        return False


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
