"""A deck's vocabulary: the terms grading must not take for typos of each other.

A typed answer that is, or is closer to, another term the decks know is never a
typo of the answer (`study.terms`). The terms are each question's answers and
options and the identifiers in its prompt, code and explanation, keyed the way
answers are compared (`term_key`). Gathering them means reading every text of a
deck (about a second for 100k questions), so a deck's vocabulary is worked out
once, when the deck is parsed, and kept in its cache entry (`deck.cache`): a warm
load hands it over with the deck (`remember`), and nothing is tokenized again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from srcquiz.deck.keys import CLOZE_RE
from srcquiz.deck.model import Deck
from srcquiz.deck.punctuation import PUNCT_MAP
from srcquiz.gc_pause import gc_paused

if TYPE_CHECKING:
    from srcquiz.deck.kinds import Question

# --- normalisation -----------------------------------------------------------

# Kept even at the ends of an answer: they change meaning (`C#`, `50%`, `*ptr`, `-t`).
_KEEP_AT_ENDS = frozenset("#%&*@/\\-_")


def _is_strippable(ch: str) -> bool:
    if ch.isspace():
        return True
    if ch in _KEEP_AT_ENDS:
        return False
    return unicodedata.category(ch)[0] == "P"


def _strip_ends(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_strippable(text[start]):
        start += 1
    while end > start and _is_strippable(text[end - 1]):
        end -= 1
    return text[start:end]


def _fold(text: str, keep_case: bool) -> str:
    text = unicodedata.normalize("NFKC", text).translate(PUNCT_MAP)
    if not keep_case:
        text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(_strip_ends(text).split())


def normalize(text: str, keep_case: bool = False) -> str:
    """The comparison form of a typed answer: NFKC, case-folded, spaces collapsed,
    surrounding punctuation and quotes removed. Idempotent."""
    # NFKC and case folding can each expose something the other changes; stop at
    # the fixed point (two or three rounds in practice).
    for _ in range(8):
        folded = _fold(text, keep_case)
        if folded == text:
            break
        text = folded
    return text


def loose(text: str, keep_case: bool = False) -> str:
    """Normalised with every space removed: `2*cores` is `2 * cores`."""
    return "".join(normalize(text, keep_case).split())


# ASCII punctuation `normalize` strips from the ends (whitespace is removed first).
_ASCII_STRIP = "".join(c for c in map(chr, range(33, 127)) if _is_strippable(c))


def term_key(text: str) -> str:
    """`loose(text)`, with a fast path for ASCII (most of a deck's vocabulary)."""
    if text.isascii():
        return "".join(text.split()).lower().strip(_ASCII_STRIP)
    return loose(text)


def plain_key(text: str) -> str:
    """A fallback key for answers that are all punctuation (`->`, `&&`, `::`)."""
    return "".join(unicodedata.normalize("NFKC", text).translate(PUNCT_MAP).split())


_HAS_LETTER = re.compile(r"[^\W\d_]")
_NAME_MARK = re.compile(r"[_\d]|(?<=.)[A-Z]|(?<=.)\.(?=.)")


def identifier_like(text: str) -> bool:
    """Written like a name in code: `_apply`, `rfft2`, `AdamW`, `nn.Module`, `CPU`."""
    t = text.strip()
    return (
        bool(t)
        and " " not in t
        and _HAS_LETTER.search(t) is not None
        and _NAME_MARK.search(t) is not None
    )


_MAX_TERM = 60  # longer texts (sentences) are not terms anyone types
_IDENT = re.compile(r"-{1,2}[A-Za-z][\w-]*|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*")
_MAYBE_NAME = re.compile(r"[A-Z\d_()\[\]{}.=<>:/-]")
_CODE_MARK = re.compile(r"[()\[\]{}.=<>:/]")
_BACKTICKED = re.compile(r"`([^`\n]{1,60})`")
_ASCII_SPACE = [c for c in map(chr, range(128)) if c.isspace()]


def question_terms(q: Question) -> list[str]:
    """What a question names as answers or options, as written."""
    out: list[str] = []
    _add_question_terms(q, out, out)
    return out


def _add_question_terms(q: Question, typed: list[str], named: list[str]) -> None:
    """Answers someone types go to `typed` (kept whatever their length); options,
    items, match sides, card backs and anchor symbols to `named`."""
    kind = q.kind
    if kind == "short":
        typed.append(q.answer)  # type: ignore[attr-defined]
        typed += q.accept  # type: ignore[attr-defined]
    elif kind == "cloze":
        typed += [m[1].replace("\\::", "::") for m in CLOZE_RE.findall(q.prompt)]
    elif kind == "choice":
        named += q.options  # type: ignore[attr-defined]
    elif kind == "order":
        named += q.items  # type: ignore[attr-defined]
    elif kind == "match":
        named += [side for pair in q.pairs for side in pair]  # type: ignore[attr-defined]
    elif kind == "card":
        named.append(q.answer)  # type: ignore[attr-defined]
    if q.anchor is not None and q.anchor.symbol:
        named.append(q.anchor.symbol)


def _text_terms(prose: Sequence[str], code: Sequence[str]) -> Iterator[str]:
    """Identifiers in prompts and explanations (names, not plain words), backticked
    spans, and every identifier in code snippets."""
    text = "\n".join(prose)
    yield from _BACKTICKED.findall(text)
    for token in set(text.split()):
        token = token.strip(",.;:!?\"'`")
        if _MAYBE_NAME.search(token) is None:
            continue  # a plain lowercase word (most of them)
        code_like = _CODE_MARK.search(token) is not None
        for name in _IDENT.findall(token):
            if len(name) > 1 and (code_like or identifier_like(name)):
                yield name
    for name in set(_IDENT.findall("\n".join(code))):
        if len(name) > 1:
            yield name


def term_keys(terms: Sequence[str]) -> list[str]:
    """`[term_key(t) for t in terms]`, in a few passes over one string for ASCII terms."""
    if not terms:
        return []
    joined = "\x00".join(terms)
    if not joined.isascii():
        return [term_key(t) for t in terms]
    low = joined.lower()
    for space in _ASCII_SPACE:
        if space in low:
            low = low.replace(space, "")
    keys = low.split("\x00")
    if len(keys) != len(terms):  # a term held the separator
        return [term_key(t) for t in terms]
    return [k.strip(_ASCII_STRIP) for k in keys]


_DECK_CACHE: dict[int, tuple[Deck, dict[str, str]]] = {}


def remember(deck: Deck, vocab: dict[str, str]) -> None:
    """Keep `vocab` as `deck`'s vocabulary (the deck cache hands over the one it
    worked out while writing the deck's entry)."""
    if len(_DECK_CACHE) >= 64:
        _DECK_CACHE.clear()
    _DECK_CACHE[id(deck)] = (deck, vocab)  # holding the deck keeps its id() unique


def deck_vocabulary(deck: Deck) -> dict[str, str]:
    """key -> the term as first written, for one deck; cached per deck object. A deck
    read from the cache carries its vocabulary (`Deck.stored_vocabulary`)."""
    cached = _DECK_CACHE.get(id(deck))
    if cached is not None and cached[0] is deck:
        return cached[1]
    vocab = deck.stored_vocabulary()
    if vocab is None:
        vocab = vocabulary(deck.questions)
    remember(deck, vocab)
    return vocab


def vocabulary(questions: Iterable[Question]) -> dict[str, str]:
    """key -> the term as first written, for these questions (in order)."""
    with gc_paused():
        typed: list[str] = []
        named: list[str] = []
        prose: list[str] = []
        code: list[str] = []
        for q in questions:
            prose.append(q.prompt)
            if q.explanation:
                prose.append(q.explanation)
            if q.code:
                code.append(q.code)
            _add_question_terms(q, typed, named)
        written = typed + [t for t in named if len(t) <= _MAX_TERM]
        written += _text_terms(prose, code)
        ascii_terms = [t for t in written if t.isascii()]
        other = [t for t in written if not t.isascii()]
        keys = term_keys(ascii_terms) + [term_key(t) for t in other]
        # The first spelling of a key wins: reversed, so that dict() keeps it.
        vocab = dict(zip(reversed(keys), reversed(ascii_terms + other), strict=True))
        vocab.pop("", None)
    return vocab
