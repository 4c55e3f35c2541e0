"""Deck text as grading sees it, for the authoring rules (`lint_rules`).

Text is compared the way grading compares answers (Unicode-folded, case-folded,
spacing and surrounding punctuation aside), and identifiers are split on `_`
and case changes, so `worker_processes` shows "worker processes" and
`aeSetBeforeSleepProc` shows `beforeSleep`. A lint of 100k questions splits a
million texts: each form is cached per text, ASCII text (most of a deck) takes
C-speed paths (`str.translate`, bytes) that give what the Unicode regexes give,
and the cheap `squashed` containment rules out nearly every pair first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse, islice

MIN_CHARS = 4  # an answer with fewer letters and digits is never a give-away
# The bytes paths take any str, lone surrogates too (YAML lets none into a deck).
_UTF8, _SP = "utf-8", "surrogatepass"

_WORD = re.compile(r"\w+|[^\w\s]")
# One identifier part (`HTTP`+`Server`, `before`+`Sleep`, `conv`+`1`, a run of letters
# without case such as CJK) or one punctuation mark. `_`, `-` and quotes only join or
# wrap parts: `worker-process` is `worker_process`.
_PIECE = re.compile(
    r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^\W\d_]+|[^\w\s'\"`\-]"
)
_ENDS = frozenset(".,;:!?()[]{}'\"`")  # stripped from an answer's ends, as grading does


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """Unicode-folded and case-folded, as grading compares."""
    return unicodedata.normalize("NFKC", text).casefold()


_NOT_ALNUM = re.compile(r"[\W_]+")
_ASCII_SPACE = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
)
_ASCII_DROP = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
    "".join(chr(c) for c in range(128) if not chr(c).isalnum()),
)


_ASCII_MARKS = bytes(c for c in range(128) if not chr(c).isalnum())


@lru_cache(maxsize=8192)
def squashed(text: str) -> str:
    """Only the folded letters and digits. A text that shows an answer (by any rule
    here) holds the answer's squashed form, so this C-speed test rules out nearly
    every pair before the slower word-by-word one."""
    if text.isascii():  # most deck text; NFKC and case folding are plain lowercasing
        return text.translate(_ASCII_DROP)
    # Bytes first: `[\\W_]` over non-ASCII text is slow, and what is left after the
    # ASCII marks go is nearly always letters only (CJK words between spaces).
    rest = folded(text).encode(_UTF8, _SP).translate(None, _ASCII_MARKS).decode(_UTF8, _SP)
    return rest if rest.isalnum() else _NOT_ALNUM.sub("", rest)


@lru_cache(maxsize=8192)
def whole_words(text: str) -> tuple[str, ...]:
    """Words and single punctuation marks, for verbatim matches."""
    return tuple(_WORD.findall(text.lower() if text.isascii() else folded(text)))


def word_set(text: str) -> set[str]:
    """The folded `\\w+` words of `text` (C-speed for ASCII text)."""
    if text.isascii():
        return set(text.translate(_ASCII_SPACE).lower().split())
    return set(re.findall(r"\w+", folded(text)))


# ASCII letters, digits and `_` kept, other ASCII bytes made spaces; bytes of
# non-ASCII characters (UTF-8 never uses ASCII bytes for them) kept.
_BYTE_SPACE = bytes(c if c >= 128 or chr(c).isalnum() or c == 95 else 32 for c in range(256))
_WORDS = re.compile(r"\w+")


def shown_words(texts: Iterable[str], words: set[str]) -> set[str]:
    """Which of `words` (folded `\\w+` words) are words of some text of `texts`,
    as `word_set` splits each, found at bytes speed a few thousand texts at a time
    (so memory stays flat however large the deck).

    No word spans the newline that joins the texts, and normalising never joins
    characters across it. Case folding maps each character on its own, so ASCII
    bytes are lowered as bytes and only the tokens holding other characters are
    folded and split by `\\w+`."""
    wanted = {w.encode(_UTF8, _SP) for w in words}
    found: set[str] = set()
    it = iter(texts)
    while chunk := list(islice(it, 4096)):
        text = unicodedata.normalize("NFKC", "\n".join(chunk))
        tokens = text.encode(_UTF8, _SP).lower().translate(_BYTE_SPACE).split()
        found.update(t.decode(_UTF8, _SP) for t in wanted.intersection(tokens))
        for token in filterfalse(bytes.isascii, tokens):
            found.update(words.intersection(_WORDS.findall(token.decode(_UTF8, _SP).casefold())))
    return found


def glued_at_next(text: str) -> frozenset[int]:
    """Indexes of the whole words directly followed by the next, no space between."""
    spans = [m.span() for m in _WORD.finditer(folded(text))]
    return frozenset(i for i in range(len(spans) - 1) if spans[i][1] == spans[i + 1][0])


@dataclass(frozen=True, slots=True)
class Parts:
    """A text's identifiers split into parts (punctuation marks are parts of their
    own); `starts`/`ends`: the indexes where a word of the text begins and ends."""

    parts: tuple[str, ...]
    starts: frozenset[int]
    ends: frozenset[int]


def _in_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@lru_cache(maxsize=8192)
def split_parts(text: str) -> tuple[str, ...]:
    """The identifier parts and marks of `text`, case-folded (see `parts_of`)."""
    return tuple(map(str.casefold, _PIECE.findall(unicodedata.normalize("NFKC", text))))


@lru_cache(maxsize=4096)
def parts_of(text: str) -> Parts:
    """`split_parts` with where each word begins and ends (slower: only for texts
    that may show something)."""
    norm = unicodedata.normalize("NFKC", text)
    parts: list[str] = []
    starts: set[int] = set()
    ends: set[int] = set()
    for m in _PIECE.finditer(norm):
        piece, i, j = m.group(), m.start(), m.end()
        if not piece[0].isalnum():
            starts.add(len(parts))
            ends.add(len(parts))
        else:
            if not i or not _in_word(norm[i - 1]):
                starts.add(len(parts))
            if j == len(norm) or not _in_word(norm[j]):
                ends.add(len(parts))
        parts.append(piece.casefold())
    return Parts(tuple(parts), frozenset(starts), frozenset(ends))


def weight_of(parts: Iterable[str]) -> int:
    """Letters and digits: how much there is to recognise."""
    return sum(len(p) for p in parts if p[0].isalnum())


@lru_cache(maxsize=4096)
def answer_parts(answer: str) -> tuple[str, ...]:
    """An answer's parts without the surrounding punctuation grading ignores."""
    parts = split_parts(answer)
    lo, hi = 0, len(parts)
    while lo < hi and parts[lo] in _ENDS:
        lo += 1
    while hi > lo and parts[hi - 1] in _ENDS:
        hi -= 1
    return parts[lo:hi]


def _find(seq: Sequence[str], sub: Sequence[str]) -> Iterator[int]:
    n = len(sub)
    if not n:
        return
    first, sub = sub[0], tuple(sub)
    for i in range(len(seq) - n + 1):
        if seq[i] == first and seq[i : i + n] == sub:
            yield i


def shows(text: str, answer: str) -> bool:
    """`text` holds `answer` as whole words, or (an answer of several identifier
    parts) inside a longer identifier: `beforeSleep` in `aeSetBeforeSleepProc`.
    A one-part answer must be a whole word: `loop` is not shown by `NioEventLoop`."""
    key = squashed(answer)
    if len(key) < MIN_CHARS or key not in squashed(text):
        return False
    a = answer_parts(answer)
    t = parts_of(text)
    return any(len(a) > 1 or (i in t.starts and i in t.ends) for i in _find(t.parts, a))


def any_shown(text: str, answers: Iterable[str]) -> bool:
    """Whether `shows(text, a)` can hold for any of `answers` (its C-speed test alone)."""
    whole = squashed(text)
    return any(len(key := squashed(a)) >= MIN_CHARS and key in whole for a in answers)
