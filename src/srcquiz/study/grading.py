"""Answer checking: one `grade()` for every question kind.

Typed text is matched by `terms` (normalised, typo-tolerant, but never taking a
different known term for a typo) and numbers are read by `numbers` (units,
magnitudes, number words), so a right answer is not failed for its form and a
wrong one is not passed for being close. Order is scored by how much of it is in
the right relative order. `parse_answer` turns an answer written on one line
(`srcquiz grade`, deck `examples`) into the response `grade()` takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.kinds import (
    Choice,
    Cloze,
    Flashcard,
    Match,
    Number,
    Order,
    Question,
    Short,
    TrueFalse,
)
from srcquiz.deck.model import Deck, split_card_key
from srcquiz.study.numbers import Reading, Unreadable, format_number, parse_number, read_answer
from srcquiz.study.responses import Response, fits
from srcquiz.study.terms import NO_TERMS, KnownTerms, match_text, normalize

__all__ = ["Grade", "grade", "describe_answer", "normalize", "parse_number", "parse_answer"]

Verdict = Literal["right", "almost", "wrong"]
Outcome = Literal["right", "almost", "partial", "wrong"]

RIGHT_MARK = "✓"
ALMOST_MARK = "≈"
WRONG_MARK = "✗"


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer, with everything feedback needs to show.

    `read_as` says how a typed answer was understood ("0.4 s = 400 ms"). `ask_again`
    marks an answer the grader could not read at all (`16 foo`, `maybe`): its verdict
    is "wrong" for callers that do not know the flag, but a UI should let the learner
    answer again rather than fail the card.
    """

    verdict: Verdict
    score: float
    expected: str
    given: str
    diff: str
    details: tuple[str, ...] = ()
    read_as: str = ""
    ask_again: bool = False

    @property
    def passed(self) -> bool:
        """Right or almost: the user knew it."""
        return self.verdict != "wrong"

    @property
    def outcome(self) -> Outcome:
        """The verdict, with a wrong answer that earned some credit called partial."""
        if self.verdict == "wrong" and 0.0 < self.score < 1.0:
            return "partial"
        return self.verdict


def clip(text: str, width: int = 60) -> str:
    """Shorten a long typed answer for one-line feedback."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _arrow(given: str, expected: str) -> str:
    return f"{clip(given) or '(nothing)'} → {expected}"


# --- the graders --------------------------------------------------------------


def _number_text(q: Number) -> str:
    text = q.answer_text()
    return text + (f" (±{format_number(q.tolerance)})" if q.tolerance else "")


# Each kind's right answer as display text.
_ANSWER_TEXT: dict[str, Callable[[Any, str], str]] = {
    "card": lambda q, key: q.prompt if split_card_key(key)[1] == "reverse" else q.answer,
    "short": lambda q, key: q.answer,
    "number": lambda q, key: _number_text(q),
    "choice": lambda q, key: "; ".join(q.answers),
    "truefalse": lambda q, key: "true" if q.answer else "false",
    "cloze": lambda q, key: " | ".join(q.answers_for(_cloze_number(q, key))),
    "order": lambda q, key: " → ".join(q.items),
    "match": lambda q, key: "; ".join(f"{left} → {right}" for left, right in q.pairs),
}


def describe_answer(question: Question, card_key: str) -> str:
    """The right answer as display text (a reverse card's answer is its front)."""
    return _ANSWER_TEXT[question.kind](question, card_key)


def _cloze_number(question: Cloze, card_key: str) -> int:
    _, sub = split_card_key(card_key)
    if sub.startswith("c") and sub[1:].isdigit():
        return int(sub[1:])
    numbers = question.numbers()
    return numbers[0] if numbers else 1


def parse_truefalse(text: str) -> bool | None:
    """`t`, `true`, `yes`, `y`, `1` -> True; `f`, `false`, `no`, `n`, `0` -> False."""
    key = normalize(text)
    if key in ("t", "true", "yes", "y", "1", "right", "correct"):
        return True
    if key in ("f", "false", "no", "n", "0", "wrong", "incorrect"):
        return False
    return None


def grade(
    question: Question, card_key: str, response: Response, terms: KnownTerms | None = None
) -> Grade:
    """Check one answer; `response` is the kind's type in `responses.RESPONSE_TYPES`.

    `terms` is the known-terms index of the loaded decks (`terms.known_terms`): with
    it, a typed answer that names another term of the decks is never taken for a
    typo. Without it only the built-in opposites (on/off, ...) are known.
    """
    if not fits(question.kind, response):
        raise TypeError(f"a {question.kind} answer is not a {type(response).__name__}")
    return _GRADERS[question.kind](question, card_key, response, terms)


def _grade_card(q: Flashcard, card_key: str) -> Grade:
    """Self-graded: the session records the learner's own rating instead."""
    return Grade("right", 1.0, describe_answer(q, card_key), "", "")


def _text(response: Response) -> str:
    return "" if response is None else str(response)


def _grade_short(q: Short, given: str, terms: KnownTerms | None) -> Grade:
    accepted = (q.answer, *q.accept)
    m = match_text(given, accepted, fuzzy=q.fuzzy, terms=terms)
    shown = given.strip()
    if m.verdict == "right":
        return Grade("right", 1.0, q.answer, shown, "")
    if m.verdict == "almost":
        return Grade("almost", 1.0, q.answer, shown, _arrow(shown, m.closest))
    diff = _arrow(shown, q.answer) + (f" ({m.reason})" if m.reason else "")
    return Grade("wrong", 0.0, q.answer, shown, diff)


def _grade_number(q: Number, given: str) -> Grade:
    expected = describe_answer(q, q.id)
    shown = given.strip()
    if not shown:
        return Grade("wrong", 0.0, expected, shown, "(nothing) → " + expected)
    reading = read_answer(given, q.unit)
    if isinstance(reading, Unreadable):
        return Grade("wrong", 0.0, expected, shown, reading.reason, ask_again=True)
    if not isinstance(reading, Reading):  # a unit that measures something else
        diff = f"{clip(shown)} → {expected} ({reading.reason})"
        return Grade("wrong", 0.0, expected, shown, diff)
    slack = q.tolerance + 1e-9 * max(1.0, abs(q.answer))
    for value, how in zip(reading.values, reading.shown, strict=True):
        if abs(value - q.answer) <= slack:
            return Grade("right", 1.0, expected, shown, "", read_as=how)
    pairs = zip(reading.values, reading.shown, strict=True)
    value, how = min(pairs, key=lambda p: abs(p[0] - q.answer))
    direction = "too high" if value > q.answer else "too low"
    return Grade("wrong", 0.0, expected, shown, f"{how} → {expected} ({direction})", read_as=how)


def _as_index_set(response: object) -> frozenset[int]:
    if isinstance(response, int) and not isinstance(response, bool):
        return frozenset({response})
    if isinstance(response, (set, frozenset, list, tuple)):
        return frozenset(i for i in response if isinstance(i, int) and not isinstance(i, bool))
    return frozenset()


def _grade_choice(q: Choice, response: object) -> Grade:
    chosen = frozenset(i for i in _as_index_set(response) if 0 <= i < len(q.options))
    correct = frozenset(q.correct)
    expected = "; ".join(q.answers)
    given = "; ".join(q.options[i] for i in sorted(chosen))
    if chosen == correct:
        return Grade("right", 1.0, expected, given, "")
    if not q.multi:
        return Grade("wrong", 0.0, expected, given, _arrow(given, expected))
    hits = len(chosen & correct)
    extra = len(chosen - correct)
    score = max(0.0, (hits - extra) / len(correct)) if correct else 0.0
    details = []
    for i, option in enumerate(q.options):
        if i in correct and i in chosen:
            details.append(f"{RIGHT_MARK} {option}")
        elif i in correct:
            details.append(f"{WRONG_MARK} {option} (missed: it is one of them)")
        elif i in chosen:
            details.append(f"{WRONG_MARK} {option} (not one of them)")
    missed = len(correct - chosen)
    parts = []
    if missed:
        parts.append(f"{missed} missed")
    if extra:
        parts.append(f"{extra} wrongly chosen")
    diff = f"{hits} of {len(correct)} right, " + ", ".join(parts)
    return Grade("wrong", round(score, 4), expected, given, diff, tuple(details))


def _grade_truefalse(q: TrueFalse, response: object) -> Grade:
    value: bool | None
    if isinstance(response, bool):
        value = response
    elif isinstance(response, str):
        value = parse_truefalse(response)
    else:
        value = None
    expected = "true" if q.answer else "false"
    if value is None:
        given = str(response).strip() if isinstance(response, str) else ""
        return Grade(
            "wrong",
            0.0,
            expected,
            given,
            f"{given or '(nothing)'}: answer true or false",
            ask_again=bool(given),
        )
    given = "true" if value else "false"
    if value == q.answer:
        return Grade("right", 1.0, expected, given, "")
    return Grade("wrong", 0.0, expected, given, _arrow(given, expected))


def _grade_cloze(
    q: Cloze, card_key: str, response: object, terms: KnownTerms | None
) -> Grade:
    answers = q.answers_for(_cloze_number(q, card_key))
    if isinstance(response, str):
        typed: list[str] = [response]
    elif isinstance(response, (list, tuple)):
        typed = [str(r) for r in response]
    else:
        typed = []
    typed = (typed + [""] * len(answers))[: len(answers)]
    expected = " | ".join(answers)
    given = " | ".join(t.strip() for t in typed)
    verdicts = []
    details = []
    every = [d.answer for d in q.deletions()]
    for n, (answer, got) in enumerate(zip(answers, typed, strict=True), start=1):
        # The other blanks' answers are terms too: one typed in the wrong blank is wrong.
        base = NO_TERMS if terms is None else terms
        known = base.with_terms(*(a for a in every if a != answer))
        m = match_text(got, (answer,), terms=known)
        verdicts.append(m.verdict)
        label = f"{n}. " if len(answers) > 1 else ""
        if m.verdict == "right":
            details.append(f"{RIGHT_MARK} {label}{answer}")
        elif m.verdict == "almost":
            details.append(f"{ALMOST_MARK} {label}{clip(got.strip())} (typo: {answer})")
        else:
            why = f"; {m.reason}" if m.reason else ""
            details.append(
                f"{WRONG_MARK} {label}{clip(got.strip()) or '(nothing)'} (should be {answer}{why})"
            )
    good = sum(v != "wrong" for v in verdicts)
    score = good / len(answers) if answers else 0.0
    if all(v == "right" for v in verdicts):
        return Grade("right", 1.0, expected, given, "", tuple(details))
    if good == len(answers):
        return Grade("almost", 1.0, expected, given, _arrow(given, expected), tuple(details))
    if len(answers) == 1:
        diff = _arrow(given, expected)
    else:
        diff = f"{len(answers) - good} of {len(answers)} blanks wrong"
    return Grade("wrong", round(score, 4), expected, given, diff, tuple(details))


def _longest_in_order(seq: Sequence[int]) -> set[int]:
    """The items of the longest run of `seq` already in increasing (right) order,
    not necessarily adjacent: those stay, the others must move."""
    tails: list[int] = []  # tails[k]: index in seq ending the best run of length k + 1
    back: list[int] = [-1] * len(seq)
    for i, item in enumerate(seq):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if seq[tails[mid]] < item:
                lo = mid + 1
            else:
                hi = mid
        back[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    kept: set[int] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        kept.add(seq[i])
        i = back[i]
    return kept


def _item_name(text: str) -> str:
    text = clip(text, 40)
    return f"“{text}”" if " " in text else text


def _move_hint(item: int, kept: set[int], items: Sequence[str]) -> str:
    """Where a misplaced item goes, relative to the items that stay."""
    name = _item_name(items[item])
    before = [k for k in kept if k < item]
    after = [k for k in kept if k > item]
    if not before:
        if item == 0 or not after:
            return f"move {name} to the start"
        return f"move {name} before {_item_name(items[min(after)])}"
    if not after:
        return f"move {name} to the end"
    return f"move {name} after {_item_name(items[max(before)])}"


def _grade_order(q: Order, response: object) -> Grade:
    """Scored by the longest part already in the right relative order: one item moved
    from first to last keeps 5 of 6 in order, and the feedback says which to move."""
    n = len(q.items)
    raw = response if isinstance(response, (list, tuple)) else ()
    seq: list[int] = []
    for i in raw:
        if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n and i not in seq:
            seq.append(i)
    expected = " → ".join(q.items)
    given = " → ".join(q.items[i] for i in seq)
    if seq == list(range(n)):
        return Grade("right", 1.0, expected, given, "")
    if not seq:
        return Grade("wrong", 0.0, expected, given, _arrow(given, expected))
    kept = _longest_in_order(seq)
    moves = [_move_hint(i, kept, q.items) for i in range(n) if i not in kept]
    missing = [i for i in range(n) if i not in seq]
    details = tuple(f"{WRONG_MARK} {m}" for m in moves)
    if missing:
        details += (f"{WRONG_MARK} missing: " + ", ".join(clip(q.items[i], 40) for i in missing),)
    diff = f"{len(kept)} of {n} in the right order; " + "; ".join(moves)
    return Grade("wrong", round(len(kept) / n, 4) if n else 0.0, expected, given, diff, details)


def _grade_match(q: Match, response: object) -> Grade:
    chosen: Mapping[object, object] = response if isinstance(response, Mapping) else {}
    expected = "; ".join(f"{left} → {right}" for left, right in q.pairs)
    given = "; ".join(f"{left} → {chosen.get(left, '?')}" for left, _ in q.pairs)
    details = []
    right = 0
    for left, want in q.pairs:
        got = chosen.get(left)
        if got == want:
            right += 1
            details.append(f"{RIGHT_MARK} {left} → {want}")
        else:
            shown = got if isinstance(got, str) and got else "(nothing)"
            details.append(f"{WRONG_MARK} {left} → {shown} (should be {want})")
    n = len(q.pairs)
    if right == n:
        return Grade("right", 1.0, expected, given, "", tuple(details))
    diff = f"{n - right} of {n} pairs wrong"
    return Grade("wrong", round(right / n, 4) if n else 0.0, expected, given, diff, tuple(details))


# --- answers written on one line (`srcquiz grade`, deck examples) ------------------


class AnswerFormatError(ValueError):
    """An answer written in a form its question cannot take; the message says the form."""


def letters(n: int) -> list[str]:
    """a, b, ..., z, aa, ab, ...: the labels of a match question's right-hand sides."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return [alphabet[i] if i < 26 else alphabet[i // 26 - 1] + alphabet[i % 26] for i in range(n)]


def _numbers(text: str, what: str) -> list[int]:
    tokens = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    if not tokens or not all(t.isdigit() for t in tokens):
        raise AnswerFormatError(f"give {what} as numbers separated by spaces")
    return [int(t) for t in tokens]


def parse_answer(question: Question, text: str) -> Response:
    """The response `grade()` takes for an answer written as a learner would type it,
    with the deck's own numbering: choice options and order items are numbered from 1
    as written in the deck, match pairs are `1b 2a` (left number, right letter)."""
    if isinstance(question, Flashcard):
        raise AnswerFormatError("a card is graded by the learner, not checked")
    if isinstance(question, Choice):
        return _parse_choice(question, text)
    if isinstance(question, Cloze):
        return tuple(p.strip() for p in text.split("|"))
    if isinstance(question, Order):
        n = len(question.items)
        picks = _numbers(text, "the items")
        if sorted(picks) != list(range(1, n + 1)):
            raise AnswerFormatError(f"give each item number from 1 to {n} once, in your order")
        return tuple(p - 1 for p in picks)
    if isinstance(question, Match):
        return _parse_match(question, text)
    return text


def _parse_choice(q: Choice, text: str) -> frozenset[int]:
    if re.fullmatch(r"[\d\s,;]+", text.strip() or "x"):
        picks = _numbers(text, "option numbers")
        if any(not 1 <= p <= len(q.options) for p in picks):
            raise AnswerFormatError(f"option numbers go from 1 to {len(q.options)}")
        return frozenset(p - 1 for p in picks)
    key = normalize(text)
    for i, option in enumerate(q.options):
        if normalize(option) == key:
            return frozenset({i})
    raise AnswerFormatError(f"give option numbers (1-{len(q.options)}) or an option's exact text")


_PAIR = re.compile(r"(\d+)\s*[-=:>]*\s*([a-z]{1,2})\b")


def read_pairs(text: str, n: int) -> list[tuple[int, int]]:
    """`1b 2a 3c` as (left index, right index) pairs, both 0-based, for `n` pairs; the
    one reading of a typed match answer (`srcquiz grade`, deck examples, the line mode)."""
    labels = letters(n)
    low = text.lower()
    tokens = _PAIR.findall(low)
    if not tokens or re.sub(r"[\s,;]+", "", _PAIR.sub("", low)):
        raise AnswerFormatError("pair numbers with letters like 1b 2a 3c")
    out: list[tuple[int, int]] = []
    for num, letter in tokens:
        left = int(num)
        if not 1 <= left <= n or letter not in labels:
            raise AnswerFormatError(f"use numbers 1-{n} and letters a-{labels[-1]}")
        out.append((left - 1, labels.index(letter)))
    return out


def _parse_match(q: Match, text: str) -> dict[str, str]:
    return {q.pairs[left][0]: q.pairs[right][1] for left, right in read_pairs(text, len(q.pairs))}


def example_card_key(question: Question) -> str:
    """The card an example answers: the question's first (a cloze's first deletion)."""
    keys = question.card_keys()
    return keys[0] if keys else question.id


def judge_example(question: Question, text: str, terms: KnownTerms | None) -> Grade:
    """Grade an answer written on one line, as `srcquiz grade` and deck examples do."""
    return grade(question, example_card_key(question), parse_answer(question, text), terms)


def check_examples(deck: Deck, terms: KnownTerms | None) -> list[Diagnostic]:
    """One error, at its line, for each example judged otherwise than its author said:
    a `right` example must count as recalled, a `wrong` one must not."""
    out: list[Diagnostic] = []
    for q in deck.questions:
        for ex in q.examples:
            line, col = ex.pos
            try:
                result = judge_example(q, ex.text, terms)
            except AnswerFormatError as exc:
                msg = f"example `{ex.text}` of `{q.id}` cannot be read: {exc}"
                out.append(Diagnostic(deck.path, line, col, "error", msg))
                continue
            if result.passed == ex.right:
                continue
            said = "right" if ex.right else "wrong"
            why = result.diff or result.read_as
            msg = (
                f"example `{ex.text}` of `{q.id}` is listed as {said} but is judged "
                f"{result.outcome}" + (f": {why}" if why else "")
            )
            out.append(Diagnostic(deck.path, line, col, "error", msg))
    return out


# Each kind's grader, called as (question, card key, response, known terms).
_GRADERS: dict[str, Callable[[Any, str, Any, KnownTerms | None], Grade]] = {
    "card": lambda q, key, r, t: _grade_card(q, key),
    "short": lambda q, key, r, t: _grade_short(q, _text(r), t),
    "number": lambda q, key, r, t: _grade_number(q, _text(r)),
    "choice": lambda q, key, r, t: _grade_choice(q, r),
    "truefalse": lambda q, key, r, t: _grade_truefalse(q, r),
    "cloze": lambda q, key, r, t: _grade_cloze(q, key, r, t),
    "order": lambda q, key, r, t: _grade_order(q, r),
    "match": lambda q, key, r, t: _grade_match(q, r),
}
