"""A question: `Question`, the fields every kind shares, and the kinds, a frozen
dataclass each, with `KIND_CLASSES`, the table from a kind's name to its class.

Apart from `deck.model`: making these twelve classes costs 7 ms, and start-up
shows the decks screen without building a question (`lazy_deck`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from srcquiz.deck.keys import CLOZE_RE
from srcquiz.deck.parts import Anchor, Example, Position


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


@dataclass(frozen=True, kw_only=True)
class Flashcard(Question):
    """The `card` kind: a front and a back the learner grades themselves. Named apart
    from a study card (a question's unit of review, `card_keys`), which every kind has."""

    kind: ClassVar[str] = "card"
    answer: str
    reversed: bool = False

    def card_keys(self) -> tuple[str, ...]:
        return (self.id, f"{self.id}#reverse") if self.reversed else (self.id,)

    @property
    def self_graded(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class Short(Question):
    kind: ClassVar[str] = "short"
    answer: str
    accept: tuple[str, ...] = ()
    fuzzy: bool = True


@dataclass(frozen=True, kw_only=True)
class Number(Question):
    kind: ClassVar[str] = "number"
    answer: float
    tolerance: float = 0.0
    unit: str | None = None
    # The answer as the deck spells it (`24.10`), for showing it; never compared.
    written: str | None = field(default=None, compare=False)

    def answer_text(self) -> str:
        value = int(self.answer) if float(self.answer).is_integer() else self.answer
        return f"{value:,}" + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True, kw_only=True)
class Choice(Question):
    kind: ClassVar[str] = "choice"
    options: tuple[str, ...]
    correct: tuple[int, ...]  # indexes into options
    multi: bool = False
    shuffle: bool = True
    # (option, why it is wrong), shown when that option is picked.
    why: tuple[tuple[str, str], ...] = ()

    @property
    def answers(self) -> tuple[str, ...]:
        return tuple(self.options[i] for i in self.correct)


@dataclass(frozen=True, kw_only=True)
class TrueFalse(Question):
    kind: ClassVar[str] = "truefalse"
    answer: bool


@dataclass(frozen=True, slots=True)
class Deletion:
    """One `{{cN::answer::hint}}` in a cloze text."""

    number: int
    answer: str
    hint: str | None
    start: int
    end: int


@dataclass(frozen=True, kw_only=True)
class Cloze(Question):
    kind: ClassVar[str] = "cloze"

    def deletions(self) -> tuple[Deletion, ...]:
        return parse_cloze(self.prompt)

    def numbers(self) -> tuple[int, ...]:
        return tuple(sorted({d.number for d in self.deletions()}))

    def card_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.id}#c{n}" for n in self.numbers())

    def masked(self, number: int, blank: str = "[...]") -> str:
        """The text with deletion `number` hidden and every other one shown."""
        out, last = [], 0
        for d in self.deletions():
            out.append(self.prompt[last : d.start])
            if d.number == number:
                out.append(f"[{d.hint}]" if d.hint else blank)
            else:
                out.append(d.answer)
            last = d.end
        out.append(self.prompt[last:])
        return "".join(out)

    def answers_for(self, number: int) -> tuple[str, ...]:
        return tuple(d.answer for d in self.deletions() if d.number == number)


@dataclass(frozen=True, kw_only=True)
class Order(Question):
    kind: ClassVar[str] = "order"
    items: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Match(Question):
    kind: ClassVar[str] = "match"
    pairs: tuple[tuple[str, str], ...]


KIND_CLASSES: dict[str, type[Question]] = {
    cls.kind: cls for cls in (Flashcard, Short, Number, Choice, TrueFalse, Cloze, Order, Match)
}


@lru_cache(maxsize=64)
def parse_cloze(text: str) -> tuple[Deletion, ...]:
    """The deletions of a cloze text. Kept for the last few texts: building a
    question and linting it parse each text three times (deletions are frozen)."""
    return tuple(
        Deletion(
            number=int(m.group(1)),
            answer=m.group(2).replace("\\::", "::"),
            hint=m.group(3) or None,
            start=m.start(),
            end=m.end(),
        )
        for m in CLOZE_RE.finditer(text)
    )
