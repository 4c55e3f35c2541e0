"""Answer checking: one `grade()` for every question kind.

Typed answers are compared on a normalised key (Unicode width, case, spacing,
surrounding punctuation) so that `SIGHUP.`, `ｓｉｇｈｕｐ` and ` sighup ` are all
the answer `SIGHUP`; a small typo is accepted as "almost" so the scheduler can
rate it Hard instead of failing a card the user clearly knew.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from srcquiz.deck.model import (
    Card,
    Choice,
    Cloze,
    Match,
    Number,
    Order,
    Question,
    Short,
    TrueFalse,
    split_card_key,
)

Verdict = Literal["right", "almost", "wrong"]

RIGHT_MARK = "✓"
ALMOST_MARK = "≈"
WRONG_MARK = "✗"


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer, with everything feedback needs to show."""

    verdict: Verdict
    score: float
    expected: str
    given: str
    diff: str
    details: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Right or almost: the user knew it."""
        return self.verdict != "wrong"


# --- normalisation -----------------------------------------------------------

# Punctuation NFKC leaves alone: CJK full stops and brackets, typographic quotes.
_PUNCT_MAP = str.maketrans(
    {
        "。": ".",
        "｡": ".",
        "、": ",",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "【": "[",
        "】": "]",
        "〔": "(",
        "〕": ")",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "‘": "'",
        "’": "'",
        "‛": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‹": "'",
        "›": "'",
        "…": "...",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)

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
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
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


def _loose(text: str, keep_case: bool) -> str:
    """Normalised with every space removed: `2*cores` is `2 * cores`."""
    return "".join(normalize(text, keep_case).split())


def _plain_key(text: str) -> str:
    """A fallback key for answers that are all punctuation (`->`, `&&`, `::`)."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP).split())


def _case_matters(answer: str) -> bool:
    """Single letters and short flags (`t` vs `T`, `-t` vs `-T`) are compared with case;
    short words (`Go`, `OS`) are not."""
    key = _loose(answer, keep_case=True)
    return len(key) == 1 or (len(key) == 2 and not key.isalnum())


def _max_typos(key: str) -> int:
    """Edits tolerated for an answer of this (normalised) length."""
    n = len(key)
    if n < 4:
        return 0
    return min(3, 1 + (n - 4) // 6)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _looks_numeric(key: str) -> bool:
    parsed = parse_number(key)
    return parsed is not None and not parsed[1]


@dataclass(frozen=True)
class _TextMatch:
    verdict: Verdict
    closest: str  # the accepted form the answer matched or came closest to


def _match_text(given: str, accepted: Sequence[str], fuzzy: bool = True) -> _TextMatch:
    """Compare a typed answer against every accepted form."""
    from rapidfuzz.distance import DamerauLevenshtein

    best: tuple[int, str] | None = None
    for answer in accepted:
        keep_case = _case_matters(answer)
        want = _loose(answer, keep_case)
        got = _loose(given, keep_case)
        if not want:  # an answer made only of punctuation
            want, got = _plain_key(answer), _plain_key(given)
            if not keep_case:
                want, got = want.casefold(), got.casefold()
        if got == want:
            return _TextMatch("right", answer)
        if not fuzzy or not got or _looks_numeric(want) or _digits(got) != _digits(want):
            continue
        limit = _max_typos(want)
        if limit == 0:
            continue
        dist = DamerauLevenshtein.distance(got, want, score_cutoff=limit)
        if dist <= limit and (best is None or dist < best[0]):
            best = (dist, answer)
    if best is not None:
        return _TextMatch("almost", best[1])
    return _TextMatch("wrong", accepted[0] if accepted else "")


def clip(text: str, width: int = 60) -> str:
    """Shorten a long typed answer for one-line feedback."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _arrow(given: str, expected: str) -> str:
    return f"{clip(given) or '(nothing)'} → {expected}"


# --- numbers -----------------------------------------------------------------

_NUMBER_RE = re.compile(
    r"""^\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(?P<unit>.*?)\s*$""",
    re.IGNORECASE | re.DOTALL,
)
_GROUPED_RE = re.compile(r"(?<=\d)[,_'](?=\d{3}(?!\d))")


def parse_number(text: str) -> tuple[float, str] | None:
    """`"1,024 MB"` -> `(1024.0, "MB")`; None when the text does not start with a number."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP).strip()
    text = _strip_ends_keep_sign(text)
    text = _GROUPED_RE.sub("", text)
    m = _NUMBER_RE.match(text)
    if not m:
        return None
    try:
        value = float(m.group("num"))
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value):
        return None
    return value, m.group("unit")


def _strip_ends_keep_sign(text: str) -> str:
    """Drop surrounding punctuation but keep a leading sign or decimal point."""
    start, end = 0, len(text)
    while start < end and _is_strippable(text[start]) and text[start] not in "+.":
        start += 1
    while end > start and _is_strippable(text[end - 1]):
        end -= 1
    return text[start:end]


def _unit_ok(typed: str, unit: str | None) -> bool:
    """A typed unit must be the question's (`threads`), a singular of it, or some of
    its words (`layers` for `conv layers`, `B` for `B parameters`)."""
    if unit is None:
        return True
    got = normalize(typed)
    if not got:
        return True

    def words(text: str) -> set[str]:
        return {w[:-1] if w.endswith("s") and len(w) > 1 else w for w in normalize(text).split()}

    return normalize(unit) == got or words(got) <= words(unit)


def _format_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return f"{int(value):,}"
    return f"{value:,.10g}" if abs(value) < 1e16 else f"{value:g}"


# --- the graders --------------------------------------------------------------


def describe_answer(question: Question, card_key: str) -> str:
    """The right answer as display text (a reverse card's answer is its front)."""
    _, sub = split_card_key(card_key)
    if isinstance(question, Card):
        return question.prompt if sub == "reverse" else question.answer
    if isinstance(question, Short):
        return question.answer
    if isinstance(question, Number):
        text = question.answer_text()
        if question.tolerance:
            text += f" (±{_format_number(question.tolerance)})"
        return text
    if isinstance(question, Choice):
        return "; ".join(question.answers)
    if isinstance(question, TrueFalse):
        return "true" if question.answer else "false"
    if isinstance(question, Cloze):
        return " | ".join(question.answers_for(_cloze_number(question, card_key)))
    if isinstance(question, Order):
        return " → ".join(question.items)
    if isinstance(question, Match):
        return "; ".join(f"{left} → {right}" for left, right in question.pairs)
    return ""


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


def grade(question: Question, card_key: str, response: object) -> Grade:
    """Check one answer; `response`'s type depends on the kind (see the API notes)."""
    if isinstance(question, Short):
        return _grade_short(question, "" if response is None else str(response))
    if isinstance(question, Number):
        return _grade_number(question, "" if response is None else str(response))
    if isinstance(question, Choice):
        return _grade_choice(question, response)
    if isinstance(question, TrueFalse):
        return _grade_truefalse(question, response)
    if isinstance(question, Cloze):
        return _grade_cloze(question, card_key, response)
    if isinstance(question, Order):
        return _grade_order(question, response)
    if isinstance(question, Match):
        return _grade_match(question, response)
    if isinstance(question, Card):
        # Self-graded: the session records the user's own rating instead.
        return Grade("right", 1.0, describe_answer(question, card_key), "", "")
    raise TypeError(f"cannot grade a {type(question).__name__}")


def _grade_short(q: Short, given: str) -> Grade:
    accepted = (q.answer, *q.accept)
    m = _match_text(given, accepted, fuzzy=q.fuzzy)
    shown = given.strip()
    if m.verdict == "right":
        return Grade("right", 1.0, q.answer, shown, "")
    if m.verdict == "almost":
        return Grade("almost", 1.0, q.answer, shown, _arrow(shown, m.closest))
    return Grade("wrong", 0.0, q.answer, shown, _arrow(shown, q.answer))


def _grade_number(q: Number, given: str) -> Grade:
    expected = describe_answer(q, q.id)
    shown = given.strip()
    parsed = parse_number(given)
    if parsed is None:
        return Grade("wrong", 0.0, expected, shown, f"{clip(shown) or '(nothing)'} is not a number")
    value, unit = parsed
    if not _unit_ok(unit, q.unit):
        return Grade(
            "wrong", 0.0, expected, shown, f"{clip(shown)} → {expected} (the unit is {q.unit})"
        )
    slack = q.tolerance + 1e-9 * max(1.0, abs(q.answer))
    if abs(value - q.answer) <= slack:
        return Grade("right", 1.0, expected, shown, "")
    direction = "too high" if value > q.answer else "too low"
    return Grade(
        "wrong", 0.0, expected, shown, f"{_format_number(value)} → {expected} ({direction})"
    )


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
        return Grade("wrong", 0.0, expected, given, f"{given or '(nothing)'}: answer true or false")
    given = "true" if value else "false"
    if value == q.answer:
        return Grade("right", 1.0, expected, given, "")
    return Grade("wrong", 0.0, expected, given, _arrow(given, expected))


def _grade_cloze(q: Cloze, card_key: str, response: object) -> Grade:
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
    for n, (answer, got) in enumerate(zip(answers, typed, strict=True), start=1):
        m = _match_text(got, (answer,))
        verdicts.append(m.verdict)
        label = f"{n}. " if len(answers) > 1 else ""
        if m.verdict == "right":
            details.append(f"{RIGHT_MARK} {label}{answer}")
        elif m.verdict == "almost":
            details.append(f"{ALMOST_MARK} {label}{clip(got.strip())} (typo: {answer})")
        else:
            details.append(
                f"{WRONG_MARK} {label}{clip(got.strip()) or '(nothing)'} (should be {answer})"
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


def _grade_order(q: Order, response: object) -> Grade:
    n = len(q.items)
    seq = [i for i in response if isinstance(i, int)] if isinstance(response, (list, tuple)) else []
    seq = [i if 0 <= i < n else -1 for i in seq][:n]
    expected = " → ".join(q.items)
    given = " → ".join(q.items[i] if i >= 0 else "?" for i in seq)
    details = []
    right = 0
    for pos in range(n):
        got = seq[pos] if pos < len(seq) else -1
        text = q.items[got] if got >= 0 else "(nothing)"
        if got == pos:
            right += 1
            details.append(f"{RIGHT_MARK} {pos + 1}. {text}")
        else:
            details.append(f"{WRONG_MARK} {pos + 1}. {text} (should be: {q.items[pos]})")
    if right == n:
        return Grade("right", 1.0, expected, given, "", tuple(details))
    diff = f"{n - right} of {n} positions wrong"
    return Grade("wrong", round(right / n, 4) if n else 0.0, expected, given, diff, tuple(details))


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
