"""One card to ask (`StudyItem`): which question, which of its cards, how it is laid
out, and what it shows when the learner asks for help without a written hint.

Kept apart from the session engine, which decides which item comes next.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, MutableSequence
from dataclasses import dataclass
from typing import TypeVar, overload

from srcquiz.deck.kinds import Choice, Cloze, Flashcard, Match, Number, Order, Question, Short
from srcquiz.deck.model import Deck, split_card_key
from srcquiz.study.grading import describe_answer

# How a hidden character of the expected answer is drawn in a letter hint.
HIDDEN = "_"
Q = TypeVar("Q", bound=Question)


@dataclass(frozen=True, eq=False)
class StudyItem:
    """One card to ask: a question, which of its cards, and how it is laid out."""

    deck: Deck
    question: Question
    card_key: str
    order: tuple[int, ...] = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StudyItem):
            return NotImplemented
        return (self.deck.id, self.card_key, self.order) == (
            other.deck.id,
            other.card_key,
            other.order,
        )

    def __hash__(self) -> int:
        return hash((self.deck.id, self.card_key, self.order))

    @property
    def cloze_number(self) -> int | None:
        _, sub = split_card_key(self.card_key)
        if isinstance(self.question, Cloze) and sub.startswith("c") and sub[1:].isdigit():
            return int(sub[1:])
        return None

    @property
    def is_reverse(self) -> bool:
        return split_card_key(self.card_key)[1] == "reverse"

    @property
    def self_graded(self) -> bool:
        return self.question.self_graded

    def prompt_text(self) -> str:
        q = self.question
        if isinstance(q, Flashcard) and self.is_reverse:
            return q.answer
        if isinstance(q, Cloze):
            return q.masked(self.cloze_number or (q.numbers() or (1,))[0])
        return q.prompt

    def expected_text(self) -> str:
        return describe_answer(self.question, self.card_key)

    def blanks(self) -> int:
        """How many blanks a cloze card asks for (0 for other kinds)."""
        q = self.question
        if not isinstance(q, Cloze):
            return 0
        return len(q.answers_for(self.cloze_number or 1))

    def shown_options(self) -> list[tuple[int, str]]:
        """(index into question.options, text) in the order shown."""
        q = self.question
        return [(i, q.options[i]) for i in self.order] if isinstance(q, Choice) else []

    def shown_items(self) -> list[tuple[int, str]]:
        """(index into question.items, text) in the shuffled order shown."""
        q = self.question
        return [(i, q.items[i]) for i in self.order] if isinstance(q, Order) else []

    def shown_rights(self) -> list[str]:
        """A match question's right-hand sides in the order shown."""
        q = self.question
        return [q.pairs[i][1] for i in self.order] if isinstance(q, Match) else []

    def hint_lines(self, presses: int) -> tuple[str, ...] | None:
        """What `presses` asks for help show: the written hint first when the question
        has one, then one letter more of the answer per further press (`letter_hint`).
        None when the last press has nothing new to show (the front end says so)."""
        written = (self.question.hint,) if self.question.hint else ()
        letters = presses - len(written)
        if letters < 1:
            return written[:presses] if presses > 0 else ()
        shown = self.letter_hint(letters)
        return None if shown is None else (*written, shown)

    def letter_hint(self, letters: int) -> str | None:
        """Help for a question without a written hint: the expected answer with its
        first `letters` characters shown and the rest hidden, and its length, e.g.
        `n_______ (8 letters)`. None when there is nothing (more) to reveal: a kind
        answered by picking, not typing, or every character shown by `letters - 1`."""
        typed = _TYPED_ANSWERS.get(self.question.kind)
        answers = typed(self) if typed is not None else ()
        longest = max((_revealable(a) for a in answers), default=0)
        if letters < 1 or letters > longest:
            return None
        return " | ".join(_masked(answer, letters) for answer in answers)


# Each kind whose answer is typed: the text(s) a letter hint reveals. Picking kinds
# (choice, true/false, order, match) and self-rated cards have none.
_TYPED_ANSWERS: dict[str, Callable[[StudyItem], tuple[str, ...]]] = {
    "short": lambda item: (_as(item.question, Short).answer,),
    "number": lambda item: (_as(item.question, Number).answer_text(),),
    "cloze": lambda item: _as(item.question, Cloze).answers_for(item.cloze_number or 1),
}


def _as(question: Question, kind: type[Q]) -> Q:
    """The question as the kind its table entry is for (the table is keyed by kind)."""
    assert isinstance(question, kind)
    return question


def _revealable(answer: str) -> int:
    """Characters a letter hint can reveal one by one (spaces are shown from the start)."""
    return sum(not ch.isspace() for ch in answer)


def _masked(answer: str, letters: int) -> str:
    """`answer` with its first `letters` non-space characters shown, then its length."""
    out: list[str] = []
    seen = 0
    for ch in answer:
        if ch.isspace():
            out.append(ch)
            continue
        seen += 1
        out.append(ch if seen <= letters else HIDDEN)
    total = _revealable(answer)
    noun = "letter" if all(ch.isalpha() for ch in answer if not ch.isspace()) else "character"
    return f"{''.join(out)} ({total} {noun}{'' if total == 1 else 's'})"


def layout(question: Question, rng: random.Random, avoid: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Presentation order for choice options, order items and match right sides;
    `avoid` is a layout already shown (a retry gets a new one where there is one)."""

    def shuffled(n: int, avoid_identity: bool) -> tuple[int, ...]:
        idx = list(range(n))
        for _ in range(10):
            rng.shuffle(idx)
            if (not avoid_identity or n < 2 or idx != sorted(idx)) and tuple(idx) != avoid:
                break
        return tuple(idx)

    if isinstance(question, Choice):
        n = len(question.options)
        return shuffled(n, False) if question.shuffle else tuple(range(n))
    if isinstance(question, Order):
        return shuffled(len(question.items), True)
    if isinstance(question, Match):
        return shuffled(len(question.pairs), True)
    return ()


class Shuffled:
    """A random permutation of range(n), drawn one index at a time.

    A Fisher-Yates shuffle run front to back: the k-th draw is final after k steps,
    so picking 20 questions of 100k costs 20 draws, not a shuffle of 100k (which
    is what made a quiz or cram start over a big deck slow). Only the swapped
    positions are kept (a dict), never a list of n."""

    def __init__(self, n: int, rng: random.Random):
        self.n = n
        self.rng = rng
        self._next = 0
        self._moved: dict[int, int] = {}

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        i = self._next
        if i >= self.n:
            raise StopIteration
        j = self.rng.randrange(i, self.n)
        moved = self._moved
        picked = moved.get(j, j)
        moved[j] = moved.pop(i, i)
        self._next = i + 1
        return picked


class LazyItems(MutableSequence[StudyItem]):
    """A session's cards, built as they are reached: `total` of them, the next one made
    by `make()` (which draws it and lays it out). A cram of every card of a 100k-card
    deck starts without building 100k items; the count is known at once. Cards put
    back in (a learning step) go where `insert` says, as in a list."""

    def __init__(self, total: int, make: Callable[[], StudyItem]):
        self._built: list[StudyItem] = []
        self._pending = max(0, total)
        self._make = make

    def _build_to(self, end: int) -> None:
        while len(self._built) < end and self._pending:
            self._built.append(self._make())
            self._pending -= 1

    def __len__(self) -> int:
        return len(self._built) + self._pending

    @overload
    def __getitem__(self, i: int) -> StudyItem: ...

    @overload
    def __getitem__(self, i: slice) -> list[StudyItem]: ...

    def __getitem__(self, i: int | slice) -> StudyItem | list[StudyItem]:
        if isinstance(i, slice):
            self._build_to(len(self))
            return self._built[i]
        if i < 0:
            i += len(self)
        self._build_to(i + 1)
        return self._built[i]

    def __setitem__(self, i, value):  # type: ignore[no-untyped-def]
        self._build_to(len(self))
        self._built[i] = value

    def __delitem__(self, i):  # type: ignore[no-untyped-def]
        self._build_to(len(self))
        del self._built[i]

    def insert(self, index: int, value: StudyItem) -> None:
        if index > len(self._built):
            self._build_to(index)
        self._built.insert(index, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyItems | list):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"LazyItems({len(self._built)} built, {self._pending} to come)"
