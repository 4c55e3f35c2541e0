"""What the line mode does per question kind, in one table: the lines it adds
under the prompt (options, items, pairs), the instruction it prints, and how it
reads a typed line into that kind's response.

A line that cannot be read raises `Retry` with the sentence to print; the same
card is asked again and nothing is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from srcquiz.study.grading import AnswerFormatError, parse_truefalse, read_pairs
from srcquiz.study.responses import Response
from srcquiz.study.session import StudyItem


class Retry(Exception):
    """A typed line that cannot be read; its message says how to type it."""


class KindLines(NamedTuple):
    listing: Callable[[StudyItem], list[str]]  # shown under the prompt
    instruction: Callable[[StudyItem], str]  # "answer: ..." without the common tail
    parse: Callable[[StudyItem, str], Response]  # the typed line, stripped


def letters(n: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return [
        alphabet[i] if i < 26 else f"{alphabet[i // 26 - 1]}{alphabet[i % 26]}" for i in range(n)
    ]


def _numbers(line: str, only_digits: str = "type numbers only, separated by spaces.") -> list[int]:
    """The numbers in a typed line; `only_digits` is the sentence for anything else
    (a single choice takes one number, so it must not speak of several)."""
    tokens = [t for t in re.split(r"[\s,;]+", line.strip()) if t]
    if not all(t.isdigit() for t in tokens):
        raise Retry(only_digits)
    return [int(t) for t in tokens]


def _nothing(item: StudyItem) -> list[str]:
    return []


def _numbered(texts: list[str]) -> list[str]:
    return [f"  {n}. {text}" for n, text in enumerate(texts, start=1)]


# -- choice --------------------------------------------------------------------------


def _choice_instruction(item: StudyItem) -> str:
    q: Any = item.question
    n = len(q.options)
    if q.multi:
        return f"answer: the numbers of all right options (1-{n}), e.g. 1 3"
    return f"answer: the number of the option (1-{n})"


def _choice_parse(item: StudyItem, text: str) -> Response:
    q: Any = item.question
    if not text:
        return frozenset()
    shown = item.order
    one = f"type the number of one option, from 1 to {len(shown)}."
    picks = _numbers(text) if q.multi else _numbers(text, one)
    if any(not 1 <= p <= len(shown) for p in picks):
        raise Retry(f"type option numbers from 1 to {len(shown)}.")
    if not q.multi and len(set(picks)) > 1:
        raise Retry("choose one option: type its number.")
    return frozenset(shown[p - 1] for p in picks)


# -- truefalse, number, short, cloze --------------------------------------------------


def _truefalse_parse(item: StudyItem, text: str) -> Response:
    if not text:
        return ""
    value = parse_truefalse(text)
    if value is None:
        raise Retry("type t (true) or f (false).")
    return value


def _number_instruction(item: StudyItem) -> str:
    unit = getattr(item.question, "unit", None)
    return "answer: a number" + (f" (in {unit})" if unit else "")


def _cloze_instruction(item: StudyItem) -> str:
    blanks = item.blanks()
    if blanks <= 1:
        return "answer: the missing text"
    return f"answer: the {blanks} blanks in order, separated by ' | '"


def _cloze_parse(item: StudyItem, text: str) -> Response:
    blanks = max(1, item.blanks())
    parts = [p.strip() for p in text.split("|")] if blanks > 1 else [text]
    if blanks > 1 and text and len(parts) != blanks:
        raise Retry(f"type {blanks} answers separated by ' | '.")
    return tuple(parts)


# -- order ---------------------------------------------------------------------------


def _order_instruction(item: StudyItem) -> str:
    n = len(item.order)
    # A whole answer: every number from 1 to n once (a rotation, so never the order shown).
    example = " ".join(str(i) for i in [*range(2, n + 1), 1])
    return f"answer: the item numbers in the right order, e.g. {example}"


def _order_parse(item: StudyItem, text: str) -> Response:
    if not text:
        return ()
    picks = _numbers(text)
    n = len(item.order)
    if sorted(picks) != list(range(1, n + 1)):
        raise Retry(f"type each number from 1 to {n} once, in the right order.")
    return tuple(item.order[p - 1] for p in picks)


# -- match ---------------------------------------------------------------------------

def _match_listing(item: StudyItem) -> list[str]:
    q: Any = item.question
    lefts = _numbered([left for left, _ in q.pairs])
    shown = zip(letters(len(q.pairs)), item.shown_rights(), strict=True)
    return lefts + [f"  {letter}. {right}" for letter, right in shown]


def _match_instruction(item: StudyItem) -> str:
    q: Any = item.question
    names = letters(len(q.pairs))
    example = " ".join(f"{i}{names[-i]}" for i in range(1, min(len(q.pairs), 3) + 1))
    return f"answer: pair each number with a letter, e.g. {example}"


def _match_parse(item: StudyItem, text: str) -> Response:
    q: Any = item.question
    if not text:
        return {}
    rights = item.shown_rights()  # the letters are the order shown, not the deck's
    try:
        pairs = read_pairs(text, len(q.pairs))
    except AnswerFormatError as exc:
        raise Retry(f"{exc}.") from None
    return {q.pairs[left][0]: rights[right] for left, right in pairs}


def _as_typed(item: StudyItem, text: str) -> Response:
    return text


KIND_LINES: dict[str, KindLines] = {
    "card": KindLines(_nothing, lambda item: "answer:", _as_typed),
    "short": KindLines(_nothing, lambda item: "answer:", _as_typed),
    "number": KindLines(_nothing, _number_instruction, _as_typed),
    "choice": KindLines(
        lambda item: _numbered([text for _, text in item.shown_options()]),
        _choice_instruction,
        _choice_parse,
    ),
    "truefalse": KindLines(
        _nothing, lambda item: "answer: t (true) or f (false)", _truefalse_parse
    ),
    "cloze": KindLines(_nothing, _cloze_instruction, _cloze_parse),
    "order": KindLines(
        lambda item: _numbered([text for _, text in item.shown_items()]),
        _order_instruction,
        _order_parse,
    ),
    "match": KindLines(_match_listing, _match_instruction, _match_parse),
}


def parse_response(item: StudyItem, line: str) -> Response:
    """Turn a typed line into the response `grade()` expects for this kind."""
    return KIND_LINES[item.question.kind].parse(item, line.strip())
