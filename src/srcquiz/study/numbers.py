"""Numbers as people write them, read against the unit a question asks in.

A learner writes `0.4 s` for 400 ms, `860M` for 860 million parameters, `10 Hz`
for ten times per second, `512x512` for 512 px per side, `7,5` for 7.5 and
`one` for 1; each is read into the question's unit and the reading is kept for
feedback ("read as 0.4 s = 400 ms"). Only units that measure something else
(`16 MB` when threads are asked) make an answer wrong; text that cannot be read
as a number at all is `Unreadable`, so the caller can ask again instead of
failing the card.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from srcquiz.deck.punctuation import PUNCT_MAP

# --- the typed number ------------------------------------------------------------

_SIGN = r"[+-]?"
_EXP = r"(?:e[+-]?\d+)?"
# Tried in order; each names how its separators are read.
_NUMBER_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(_SIGN + body + _EXP + r"(?![\d.,])", re.IGNORECASE))
    for name, body in (
        # 1.234,5 (dots group, the comma is the decimal point)
        ("dot-grouped", r"[1-9]\d{0,2}(?:\.\d{3})+,\d+"),
        # 1,024 · 1 000 000 · 1'000 · 1_000, optionally with a decimal point
        ("grouped", r"[1-9]\d{0,2}(?P<sep>[,' _])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?"),
        # 7,5 · 0,125 · 1,2345: a comma that cannot be a thousands separator
        ("decimal-comma", r"(?:0,\d+|\d+,\d{1,2}|\d+,\d{4,})"),
        ("plain", r"(?:\d+(?:\.\d*)?|\.\d+)"),
    )
)

NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_FILLER_BEFORE = re.compile(
    r"^(?:~|≈|about|around|approx\.?|approximately|roughly|circa|ca\.|some|exactly)\s*",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".!?;:,)\"'"
_LEADING_PUNCT = "(\"'"

# Tokens after the number: symbols, words (hyphens inside), digits, anything else.
_TOKEN = re.compile(r"%|°|/|[^\W\d_]+(?:-[^\W\d_]+)*|\d+|\S")


@dataclass(frozen=True)
class _Typed:
    """A typed answer taken apart: its number, any `x`-dimensions, the words after."""

    value: float
    written: str  # the number as typed (for feedback)
    note: str  # how an unusual form was read ("decimal comma"), or ""
    dims: tuple[float, ...]  # 512x512 -> (512.0, 512.0); () for one number
    tokens: tuple[str, ...]
    times_prefix: bool  # `x1.5` / `×1.5`


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(PUNCT_MAP).replace("×", "x")
    text = " ".join(text.split())
    text = text.strip()
    while text and text[-1] in _TRAILING_PUNCT and not text.endswith("%"):
        text = text[:-1].rstrip()
    while text and text[0] in _LEADING_PUNCT:
        text = text[1:].lstrip()
    return text


def _number_at(text: str) -> tuple[float, str, str, int] | None:
    """The number at the start of `text`: (value, as written, note, end)."""
    for form, pattern in _NUMBER_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        written = m.group(0)
        digits = written
        note = ""
        if form == "dot-grouped":
            digits = written.replace(".", "").replace(",", ".")
            note = f"{written} read as {digits}"
        elif form == "grouped":
            digits = re.sub(r"[,' _](?=\d{3})", "", written)
        elif form == "decimal-comma":
            digits = written.replace(",", ".")
            note = f"{written} read as {digits}"
        try:
            value = float(digits)
        except (ValueError, OverflowError):
            return None
        if not math.isfinite(value):
            return None
        return value, written, note, m.end()
    return None


def _word_number(text: str) -> tuple[float, str, int] | None:
    """`one`, `Twelve`, `a` (only before a magnitude word: `a million`)."""
    m = re.match(r"([^\W\d_]+)(?![\w])", text)
    if not m:
        return None
    word = m.group(1).lower()
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word]), m.group(1), m.end()
    if word in ("a", "an"):
        rest = text[m.end() :].lstrip().lower()
        if rest.split(" ", 1)[0] in _MAGNITUDE_WORDS:
            return 1.0, m.group(1), m.end()
    return None


def parse_typed(text: str) -> _Typed | None:
    """Take a typed number apart; None when it does not start with a number."""
    text = _clean(text)
    text = _FILLER_BEFORE.sub("", text)
    times_prefix = False
    if re.match(r"^x\s*[\d.]", text, re.IGNORECASE):
        times_prefix = True
        text = text[1:].lstrip()
    found = _number_at(text)
    if found is not None:
        value, written, note, end = found
    else:
        word = _word_number(text)
        if word is None:
            return None
        value, written, end = word
        note = f"{written} read as {_format(value)}"
    rest = text[end:]
    dims: list[float] = []
    while True:
        m = re.match(r"\s*[x*]\s*", rest, re.IGNORECASE)
        nxt = _number_at(rest[m.end() :]) if m else None
        if m is None or nxt is None:
            break
        if not dims:
            dims.append(value)
        dims.append(nxt[0])
        rest = rest[m.end() + nxt[3] :]
    return _Typed(value, written, note, tuple(dims), tuple(_TOKEN.findall(rest)), times_prefix)


def parse_number(text: str) -> tuple[float, str] | None:
    """`"1,024 MB"` -> `(1024.0, "MB")`; None when the text does not start with a number."""
    text = _clean(text)
    found = _number_at(text)
    if found is None:
        return None
    return found[0], text[found[3] :].strip()


# --- units ---------------------------------------------------------------------------

# Dimensions a unit can measure; a count unit ("threads") has none.
TIME, DATA, FREQ, RATIO, PIXELS, ANGLE = "time", "size", "rate", "ratio", "pixels", "angle"
_DIM_NAMES = {TIME: "a time", DATA: "a size", FREQ: "a rate", RATIO: "a ratio",
              PIXELS: "pixels", ANGLE: "an angle"}  # fmt: skip


@dataclass(frozen=True)
class _UnitWord:
    dim: str
    scale: float  # in the dimension's base unit (s, B, Hz, 1, px, °)
    binary: float | None = None  # KB/MB/GB also read as powers of 1024
    name: str = ""


def _units() -> dict[tuple[str, ...], _UnitWord]:
    table: dict[tuple[str, ...], _UnitWord] = {}

    def add(
        dim: str, scale: float, name: str, *spellings: str, binary: float | None = None
    ) -> None:
        for s in spellings:
            table[tuple(s.split())] = _UnitWord(dim, scale, binary, name)

    add(TIME, 1e-9, "ns", "ns", "nanosecond", "nanoseconds", "nsec")
    add(TIME, 1e-6, "µs", "us", "μs", "microsecond", "microseconds", "usec")
    add(TIME, 1e-3, "ms", "ms", "msec", "msecs", "millisecond", "milliseconds")
    add(TIME, 1.0, "s", "s", "sec", "secs", "second", "seconds")
    add(TIME, 60.0, "min", "min", "mins", "minute", "minutes")
    add(TIME, 3600.0, "h", "h", "hr", "hrs", "hour", "hours")
    add(TIME, 86400.0, "days", "day", "days")
    add(DATA, 1.0, "B", "b", "byte", "bytes")
    for i, prefix in enumerate("kmgtp", start=1):
        name = ("k" if prefix == "k" else prefix.upper()) + "B"
        add(DATA, 1000.0**i, name, f"{prefix}b", f"{prefix}byte", f"{prefix}bytes",
            binary=1024.0**i)  # fmt: skip
        add(DATA, 1024.0**i, f"{prefix.upper()}iB", f"{prefix}ib")
    add(FREQ, 1.0, "Hz", "hz", "/ s", "/ sec", "per second", "per sec", "per s",
        "times per second", "times a second", "times / s", "times per sec", "a second")  # fmt: skip
    add(FREQ, 1e3, "kHz", "khz")
    add(FREQ, 1e6, "MHz", "mhz")
    add(FREQ, 1e9, "GHz", "ghz")
    add(RATIO, 0.01, "%", "%", "percent", "per cent", "pct")
    add(RATIO, 1.0, "x", "x", "times", "fold")
    add(PIXELS, 1.0, "px", "px", "pixel", "pixels", "pel", "pels")
    add(ANGLE, 1.0, "°", "°", "deg", "degree", "degrees")
    return table


UNITS = _units()
_LONGEST_UNIT = max(len(k) for k in UNITS)

_MAGNITUDE_WORDS = {
    "thousand": 1e3, "thousands": 1e3, "million": 1e6, "millions": 1e6, "mio": 1e6,
    "mn": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12,
}  # fmt: skip
# Case matters for suffixes: M is a million, m a minute (in a time) or a million.
_MAGNITUDE_SUFFIXES = {"k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6, "B": 1e9, "b": 1e9, "G": 1e9,
                       "T": 1e12}  # fmt: skip
_MAGNITUDE_NAMES = {1e3: "thousand", 1e6: "million", 1e9: "billion", 1e12: "trillion"}
_IGNORED_WORDS = frozenset(
    "of a an the in per each total about approximately roughly around some exactly".split()
)
_NOUN_SYNONYMS = {"param": "parameter", "proc": "process", "thread": "thread"}


def singular(word: str) -> str:
    """`processes` -> `process`, `queries` -> `query`, `process` stays (never `proces`)."""
    w = word.casefold()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith(("ss", "us", "is")):
        return w
    return w[:-1] if w.endswith("s") else w


@dataclass(frozen=True)
class UnitSpec:
    """A question's unit, understood: what it measures, at what scale, of what nouns."""

    text: str
    dim: str | None  # None: a count (`threads`) or no unit at all
    scale: float = 1.0
    binary: float | None = None
    magnitude: float = 1.0  # `million parameters` -> 1e6
    nouns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Read:
    """Words after a number, read: what they measure and which nouns they name."""

    dim: str | None
    scale: float
    binary: float | None
    magnitude: float
    nouns: tuple[str, ...]
    unknown: tuple[str, ...]
    shown: str  # the unit part as read, for feedback ("s", "million")


def _read_tokens(tokens: tuple[str, ...], spec: UnitSpec | None = None) -> _Read:
    """Read the words after a number; `spec` (the question's unit) settles what `m`, `B`
    and a counted noun such as `times` mean."""
    time_ctx = spec is not None and spec.dim == TIME
    data_ctx = spec is not None and spec.dim == DATA
    own_nouns = spec.nouns if spec is not None else frozenset()
    magnitude, dim, scale, binary = 1.0, None, 1.0, None
    nouns: list[str] = []
    unknown: list[str] = []
    shown: list[str] = []
    i = 0
    if tokens:
        first = tokens[0]
        suffix = _MAGNITUDE_SUFFIXES.get(first)
        if (time_ctx and first == "m") or (data_ctx and first in "bB"):
            suffix = None  # minutes, bytes
        magnitude = _MAGNITUDE_WORDS.get(first.casefold(), suffix or 1.0)
        if magnitude != 1.0:
            i = 1
            shown.append(_MAGNITUDE_NAMES.get(magnitude, first))
    while i < len(tokens):
        word = tokens[i].casefold()
        if _noun(word) in own_nouns or word in _IGNORED_WORDS:
            if word not in _IGNORED_WORDS:
                nouns.append(word)
            i += 1
            continue
        unit = None if dim is not None else _unit_at(tokens, i, time_ctx)
        if unit is not None:
            (dim, scale, binary, name), size = unit
            shown.append(name)
            i += size
            continue
        (nouns if word[:1].isalpha() else unknown).append(tokens[i])
        i += 1
    return _Read(dim, scale, binary, magnitude, tuple(nouns), tuple(unknown), " ".join(shown))


def _unit_at(
    tokens: tuple[str, ...], i: int, time_ctx: bool
) -> tuple[tuple[str, float, float | None, str], int] | None:
    """The longest unit spelled from tokens[i] on: ((dim, scale, binary, name), length)."""
    if time_ctx and tokens[i] == "m":
        return (TIME, 60.0, None, "min"), 1
    for size in range(min(_LONGEST_UNIT, len(tokens) - i), 0, -1):
        unit = UNITS.get(tuple(t.casefold() for t in tokens[i : i + size]))
        if unit is not None:
            return (unit.dim, unit.scale, unit.binary, unit.name), size
    return None


def unit_spec(unit: str | None) -> UnitSpec:
    """Understand a question's `unit` (`ms`, `million parameters`, `px per side`)."""
    if not unit:
        return UnitSpec("", None)
    tokens = tuple(_TOKEN.findall(_clean(unit)))
    if [t.casefold() for t in tokens] == ["times"]:
        return UnitSpec(unit, None, nouns=frozenset({"time"}))  # a count of occurrences
    # A lone `B` is bytes; `B parameters` is billions of them.
    data = [t.casefold() for t in tokens] == ["b"] or any(
        t.casefold() != "b" and getattr(UNITS.get((t.casefold(),)), "dim", None) == DATA
        for t in tokens
    )
    read = _read_tokens(tokens, UnitSpec("", DATA if data else None))
    nouns = frozenset(_noun(w) for w in read.nouns + read.unknown)
    return UnitSpec(unit, read.dim, read.scale, read.binary, read.magnitude, nouns)


def _noun(word: str) -> str:
    s = singular(word)
    return _NOUN_SYNONYMS.get(s, s)


# --- reading an answer -----------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """Candidate values in the question's unit (several when a convention is ambiguous:
    MB as 10^6 or 2^20 bytes), each with how it was read."""

    values: tuple[float, ...]
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Unreadable:
    reason: str


@dataclass(frozen=True)
class WrongUnit:
    reason: str


def read_answer(text: str, unit: str | None) -> Reading | Unreadable | WrongUnit:
    """Read a typed answer in the question's unit."""
    spec = unit_spec(unit)
    typed = parse_typed(text)
    if typed is None:
        return Unreadable(f"could not read {text.strip()!r} as a number; say it with digits")
    value = typed.value
    if typed.dims:
        if len(set(typed.dims)) != 1:
            return WrongUnit(f"{'×'.join(map(_format, typed.dims))} is not one number")
        value = typed.dims[0]
    read = _read_tokens(typed.tokens, spec)
    if read.unknown:
        return Unreadable(f"could not read {' '.join(read.unknown)!r} after the number")
    dim, scale, binary, magnitude = read.dim, read.scale, read.binary, read.magnitude
    if typed.times_prefix and dim is None:
        dim, scale = RATIO, 1.0
    if typed.dims and dim is None and spec.dim == PIXELS:
        dim = PIXELS
    if spec.dim == DATA and dim is None and magnitude in _DATA_PREFIX:
        prefix = _DATA_PREFIX[magnitude]
        shown = "kMGT"[round(math.log(prefix, 1024)) - 1] + "B"
        dim, scale, binary, magnitude = DATA, magnitude, prefix, 1.0  # 16G
        read = _Read(dim, scale, binary, magnitude, read.nouns, (), shown)
    read = _Read(dim, scale, binary, magnitude, read.nouns, (), read.shown)
    if spec.text:
        problem = _unit_problem(typed, read, spec)
        if problem is not None:
            return problem
    return _candidates(value * magnitude, _written(typed, read), typed, read, spec)


_DATA_PREFIX = {1e3: 1024.0, 1e6: 1024.0**2, 1e9: 1024.0**3, 1e12: 1024.0**4}


def _unit_problem(typed: _Typed, read: _Read, spec: UnitSpec) -> WrongUnit | Unreadable | None:
    """A unit that measures something else is wrong; words naming what is counted
    must be the question's own (a typo in them is fine)."""
    written = f"{typed.written} {' '.join(typed.tokens)}".strip()
    if read.dim is not None and read.dim != spec.dim:
        if spec.dim is not None or not (read.dim == RATIO and read.scale == 1.0):
            return WrongUnit(f"{written} is {_DIM_NAMES[read.dim]}; the unit is {spec.text}")
    if spec.dim is not None and read.dim == spec.dim:
        return None  # `400 ms delay`: the unit says it all
    from rapidfuzz.distance import DamerauLevenshtein

    for word in read.nouns:
        noun = _noun(word)
        if noun in spec.nouns or word in _IGNORED_WORDS:
            continue
        if len(noun) >= 5 and any(
            DamerauLevenshtein.distance(noun, n, score_cutoff=1) <= 1 for n in spec.nouns
        ):
            continue  # a typo in the unit word
        return Unreadable(f"could not read {word!r} as {spec.text}; give the number in {spec.text}")
    return None


def _candidates(
    value: float, written: str, typed: _Typed, read: _Read, spec: UnitSpec
) -> Reading:
    """`value` is the typed number times its own magnitude (`860M` -> 860e6)."""
    values: list[float] = []
    shown: list[str] = []

    def add(v: float, plain: bool = False) -> None:
        if v not in values:
            values.append(v)
            target = f"{_format(v)} {spec.text}".strip()
            shown.append(target if plain or written == target else f"{written} = {target}")

    if read.dim is not None and read.dim == spec.dim:
        add(value * (read.scale / spec.scale) / spec.magnitude)
        if read.binary is not None or spec.binary is not None:
            ratio = (read.binary or read.scale) / (spec.binary or spec.scale)
            add(value * ratio / spec.magnitude)
        return Reading(tuple(values), tuple(shown))
    if read.magnitude != 1.0:
        add(value / spec.magnitude)
    else:
        interpreted = bool(typed.note or typed.dims or read.dim is not None)
        add(value, plain=not interpreted)
        if spec.magnitude > 1.0 and abs(value) >= spec.magnitude:
            add(value / spec.magnitude)  # 860000000 for 860 million
    if read.dim == RATIO and spec.dim is None and read.scale != 1.0:
        add(value * read.scale)  # 50% for a bare 0.5
    return Reading(tuple(values), tuple(shown))


def _written(typed: _Typed, read: _Read) -> str:
    number = "×".join(map(_format, typed.dims)) if typed.dims else typed.written
    if typed.times_prefix:
        number = "×" + number
    return f"{number} {read.shown}".strip() if read.shown else number


def _format(value: float) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e16:
        return f"{int(value):,}"
    text = f"{value:.10g}"
    return text if "e" in text else f"{float(text):,.10f}".rstrip("0").rstrip(".")


format_number = _format
