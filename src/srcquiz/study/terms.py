"""Typed answers compared as a fair teacher would: forgiving typos, never a different term.

Answers are compared on a normalised key (Unicode width, case, spacing, surrounding
punctuation), so `SIGHUP.`, `ｓｉｇｈｕｐ` and ` sighup ` are all `SIGHUP`. A near miss
is a typo ("almost") only when it is not itself, or closer to, another term the decks
know: `DDPM` is not a typo of `DDIM`, `master_process on` is not one of `... off`.

`KnownTerms` is that knowledge for a loaded deck set: every question's answers and
options, identifiers in prompts, code and explanations, and opposite words people mix
up. Creating one costs nothing; each deck's vocabulary comes with the deck from the
deck cache (`deck.vocabulary`, gathered when the deck was parsed), and the
near-neighbour index is built only when a long answer is near-missed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from srcquiz.deck.model import Deck
from srcquiz.deck.vocabulary import deck_vocabulary, identifier_like, loose, plain_key, term_key
from srcquiz.deck.vocabulary import normalize as normalize
from srcquiz.deck.vocabulary import question_terms as question_terms
from srcquiz.gc_pause import gc_paused

# --- comparing ----------------------------------------------------------------


def case_matters(answer: str) -> bool:
    """Single letters and short flags (`t` vs `T`, `-t` vs `-T`) are compared with case;
    short words (`Go`, `OS`) are not."""
    key = loose(answer, keep_case=True)
    return len(key) == 1 or (len(key) == 2 and not key.isalnum())


_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,4}")


def max_typos(answer: str, key: str) -> int:
    """Edits tolerated for an answer with this normalised key. A short acronym
    (`DDIM`) tolerates none: one changed letter names another thing (`DDPM`)."""
    n = len(key)
    if n < 4 or _ACRONYM.fullmatch(answer.strip()):
        return 0
    return min(3, 1 + (n - 4) // 6)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# --- opposites -----------------------------------------------------------------

_OPPOSITE_GROUPS = """
on/off true/false yes/no min/max minimum/maximum before/after pre/post prefix/suffix
enable/disable enabled/disabled read/write reader/writer reads/writes input/output in/out
forward/backward/inverse encode/decode encoder/decoder encoding/decoding push/pull
send/recv/receive get/set start/stop begin/end open/close first/last head/tail
left/right up/down upper/lower high/low inc/dec increment/decrement add/remove
insert/delete lock/unlock acquire/release sync/async synchronous/asynchronous
blocking/nonblocking server/client parent/child src/dst source/target major/minor
row/column rows/columns width/height horizontal/vertical train/eval upsample/downsample
serialize/deserialize load/save import/export allow/deny accept/reject local/global
private/public static/dynamic inner/outer ascending/descending asc/desc signed/unsigned
even/odd next/prev/previous old/new strong/weak shallow/deep soft/hard hot/cold
master/worker/replica leader/follower producer/consumer mutable/immutable
""".split()
OPPOSITES: dict[str, frozenset[str]] = {}
for _group in _OPPOSITE_GROUPS:
    _words = _group.split("/")
    for _w in _words:
        OPPOSITES[_w] = OPPOSITES.get(_w, frozenset()) | frozenset(x for x in _words if x != _w)

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words_of(text: str) -> list[str]:
    """`master_process off` -> master, process, off; `readLock` -> read, lock."""
    return [w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


# --- the index -----------------------------------------------------------------

# Shorter keys are left out of the distance search: a search only ever runs for a
# near miss of an answer of 10+ characters (see `max_typos`), 7+ characters away.
_MIN_NEAR = 7


class _NearIndex:
    """Keys within a small edit distance, found without comparing against every key.

    Each key of length m is cut into three segments; a key within 2 edits of a query
    keeps one segment intact, shifted by at most 2 (the pigeonhole principle behind
    PassJoin). A search looks up each segment-sized slice of the query near where the
    segment would be, then checks the candidates exactly. The tables of one key length
    are built when a search first needs them.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._groups: dict[int, list[str]] = {}
        for key in keys:
            self._groups.setdefault(len(key), []).append(key)
        self._by_len: dict[int, tuple[dict[str, str | list[str]], ...]] = {}
        self.short = [k for m, group in self._groups.items() if m < _MIN_NEAR for k in group]

    def _tables(self, m: int) -> tuple[dict[str, str | list[str]], ...]:
        """The segment tables of keys of length m, built the first time they are needed."""
        tables = self._by_len.get(m)
        if tables is None:
            group = self._groups.get(m, [])
            with gc_paused():
                tables = tuple(
                    _postings([k[start:end] for k in group], group) for start, end in _segments(m)
                )
            self._by_len[m] = tables
        return tables

    def prepare(self) -> None:
        for m in self._groups:
            if m >= _MIN_NEAR:
                self._tables(m)

    def candidates(self, query: str, radius: int) -> list[str]:
        n = len(query)
        found: list[str] = []
        for m in range(max(_MIN_NEAR, n - radius), n + radius + 1):
            if m not in self._groups:
                continue
            for table, (start, end) in zip(self._tables(m), _segments(m), strict=True):
                size = end - start
                for pos in range(max(0, start - radius), min(n - size, start + radius) + 1):
                    have = table.get(query[pos : pos + size])
                    if have is None:
                        continue
                    if type(have) is list:
                        found += have
                    else:
                        found.append(have)  # type: ignore[arg-type]
        return found


def _postings(segments: list[str], keys: list[str]) -> dict[str, str | list[str]]:
    """segment -> the key having it there (a list when several do)."""
    table: dict[str, str | list[str]] = dict(zip(segments, keys, strict=True))
    if len(table) == len(keys):
        return table
    seen: dict[str, str | list[str]] = {}
    for seg, key in zip(segments, keys, strict=True):
        have = seen.get(seg)
        if have is None:
            seen[seg] = key
        elif type(have) is list:
            have.append(key)
        else:
            seen[seg] = [have, key]  # type: ignore[list-item]
    return seen


def _segments(m: int) -> tuple[tuple[int, int], ...]:
    a, b = m // 3, 2 * m // 3
    return ((0, a), (a, b), (b, m))


class KnownTerms:
    """The terms a loaded deck set knows, by normalised key. Build one per deck set
    (`known_terms`); it gathers its vocabulary on first use."""

    def __init__(self, decks: Iterable[Deck] = (), extra: Iterable[str] = ()) -> None:
        self._decks = tuple(decks)
        self._extra = {k: t for t in extra if (k := term_key(t))}
        self._base: KnownTerms | None = None
        self._terms: dict[str, str] | None = None
        self._near: _NearIndex | None = None

    def with_terms(self, *terms: str) -> KnownTerms:
        """This index and `terms` too; shares everything built so far (cheap)."""
        out = KnownTerms(extra=terms)
        out._base = self
        return out

    def prepare(self) -> KnownTerms:
        """Build everything now (a UI may call this off the main thread)."""
        if self._base is not None:
            self._base.prepare()
        else:
            self._near_index().prepare()
        return self

    @property
    def terms(self) -> dict[str, str]:
        """Every known key -> the term as first written (the decks' and the opposites)."""
        if self._base is not None:
            return {**self._base.terms, **self._extra}
        if self._terms is None:
            vocabularies = [deck_vocabulary(deck) for deck in self._decks]
            terms: dict[str, str] = dict(vocabularies[0]) if vocabularies else {}
            for vocab in vocabularies[1:]:
                for key, term in vocab.items():
                    terms.setdefault(key, term)
            for term in OPPOSITES:
                terms.setdefault(term_key(term), term)
            for key, term in self._extra.items():
                terms.setdefault(key, term)
            self._terms = terms
        return self._terms

    def __len__(self) -> int:
        if self._base is not None:
            return len(self._base) + sum(self._base.get(k) is None for k in self._extra)
        return len(self.terms)

    def __bool__(self) -> bool:
        return True  # an index, even an empty one; never sized just to be tested

    def get(self, key: str) -> str | None:
        """The known term with this key (see `term_key`), as written."""
        hit = self._extra.get(key)
        if hit is not None:
            return hit
        return self._base.get(key) if self._base is not None else self.terms.get(key)

    def _near_index(self) -> _NearIndex:
        if self._near is None:
            self._near = _NearIndex(self.terms)
        return self._near

    def nearest(self, key: str, radius: int, exclude: Iterable[str] = ()) -> tuple[int, str] | None:
        """The closest known key within `radius` plain edits (Levenshtein) of `key`,
        other than those in `exclude`: (distance, term as written)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        exclude = set(exclude)
        if self._base is not None:
            best = self._base.nearest(key, radius, exclude)
            found = list(self._extra)
        elif radius <= 0:
            term = self.terms.get(key)
            return None if term is None or key in exclude else (0, term)
        else:
            best = None
            index = self._near_index()
            found = index.candidates(key, radius)
            if len(key) - radius < _MIN_NEAR:
                found += [k for k in index.short if abs(len(k) - len(key)) <= radius]
        hit = process.extractOne(
            key,
            [c for c in found if c not in exclude],
            scorer=Levenshtein.distance,
            score_cutoff=radius,
        )
        if hit is not None and (best is None or hit[1] < best[0]):
            best = (int(hit[1]), self.get(hit[0]) or hit[0])
        return best


NO_TERMS = KnownTerms()
_SET_CACHE: dict[tuple[int, ...], tuple[tuple[Deck, ...], KnownTerms]] = {}


def known_terms(decks: Iterable[Deck]) -> KnownTerms:
    """The index of a loaded deck set; the same decks give the same index."""
    decks = tuple(decks)
    ident = tuple(map(id, decks))
    cached = _SET_CACHE.get(ident)
    if cached is not None and all(a is b for a, b in zip(cached[0], decks, strict=True)):
        return cached[1]
    if len(_SET_CACHE) >= 8:
        _SET_CACHE.clear()
    index = KnownTerms(decks)
    _SET_CACHE[ident] = (decks, index)
    return index


# --- matching a typed answer ---------------------------------------------------------


@dataclass(frozen=True)
class TextMatch:
    verdict: str  # "right" | "almost" | "wrong"
    closest: str  # the accepted form the answer matched or came closest to
    reason: str = ""  # why a near answer is not a typo


def match_text(
    given: str, accepted: Sequence[str], fuzzy: bool = True, terms: KnownTerms | None = None
) -> TextMatch:
    """Compare a typed answer against every accepted form."""
    from rapidfuzz.distance import DamerauLevenshtein

    from srcquiz.study.numbers import parse_number

    best: tuple[int, str, str, str] | None = None
    for answer in accepted:
        keep_case = case_matters(answer)
        want, got = loose(answer, keep_case), loose(given, keep_case)
        if not want:  # an answer made only of punctuation
            want, got = plain_key(answer), plain_key(given)
            if not keep_case:
                want, got = want.casefold(), got.casefold()
        if got == want:
            return TextMatch("right", answer)
        if not fuzzy or not got or _digits(got) != _digits(want):
            continue
        number = parse_number(want)
        if number is not None and not number[1]:
            continue
        limit = max_typos(answer, want)
        if limit == 0:
            continue
        dist = DamerauLevenshtein.distance(got, want, score_cutoff=limit)
        if dist <= limit and (best is None or dist < best[0]):
            best = (dist, answer, want, got)
    if best is None:
        return TextMatch("wrong", accepted[0] if accepted else "")
    dist, answer, want, got = best
    reason = not_a_typo(given, answer, dist, accepted, NO_TERMS if terms is None else terms)
    if reason:
        return TextMatch("wrong", answer, reason)
    return TextMatch("almost", answer)


def not_a_typo(
    given: str, answer: str, dist: int, accepted: Sequence[str], terms: KnownTerms
) -> str:
    """Why an answer `dist` edits from `answer` is a different term, or "" for a typo."""
    got, want = term_key(given), term_key(answer)
    own = {term_key(a) for a in accepted}
    shown = given.strip()
    if not (_plural_of(got, want) and not identifier_like(answer)):
        other = terms.get(got)
        if other is not None and got not in own:
            return f"{shown} is another name, not a typo of {answer}"
    affix = _affix(got, want, given, answer, terms)
    if affix:
        return f"{affix} makes a different name: {shown} is not {answer}"
    typed_words, answer_words = words_of(given), words_of(answer)
    if len(typed_words) == len(answer_words):
        for a, b in zip(typed_words, answer_words, strict=True):
            if a != b and a in OPPOSITES.get(b, ()):
                return f"{a} is the opposite of {b}"
    own_parts = {term_key(t) for a in accepted for t in _parts(a)}
    typed_parts, answer_parts = _parts(given), _parts(answer)
    if len(typed_parts) == len(answer_parts) > 1:
        for a, b in zip(typed_parts, answer_parts, strict=True):
            ka, kb = term_key(a), term_key(b)
            if ka == kb:
                continue
            if ka not in own_parts and terms.get(ka) is not None:
                return f"{a} is another name, not a typo of {b}"
            affix = _affix(ka, kb, a, b, terms)
            if affix:
                return f"{affix} makes a different name: {a} is not {b}"
    if dist >= 2:
        near = terms.nearest(got, dist - 1, exclude=own)
        if near is not None:
            return f"{shown} is closer to {near[1]} than to {answer}"
    return ""


_PART_SEPARATORS = re.compile(r"\s+|::|->|[./]")


def _parts(text: str) -> list[str]:
    """The names a written answer is made of: `torch.fft.rfft2` -> torch, fft, rfft2;
    `master_process off` -> master_process, off."""
    return [p for p in _PART_SEPARATORS.split(unicodedata.normalize("NFKC", text).strip()) if p]


def _plural_of(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return long in (short + "s", short + "es")


def _affix(got: str, want: str, given: str, answer: str, terms: KnownTerms) -> str:
    """A leading `_`, `i`, `r` or `a` or a trailing `W` or `_` that turns one name into
    another (`apply`/`_apply`, `rfft2`/`irfft2`, `Adam`/`AdamW`); "" if none."""
    short, long = sorted((got, want), key=len)
    if not short or len(long) - len(short) > 2:
        return ""
    if long in ("_" + short, "__" + short, short + "_"):
        return "the `_`"
    named = (
        identifier_like(given)
        or identifier_like(answer)
        or (terms.get(short) is not None and terms.get(long) is not None)
    )
    if not named:
        return ""
    for prefix in "ira":
        if long == prefix + short:
            return f"a leading `{prefix}`"
    if long == short + "w":
        return "a trailing `W`"
    return ""
