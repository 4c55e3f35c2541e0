"""Turning a deck cache entry's JSON back into the model, checked or trusted.

An entry's structure is checked once, when it is written (`decode(doc, path,
checked=True)` on the very bytes about to be stored: every value's type and shape,
choice answers in range, ids lint would accept). The entry then carries a keyed
MAC of those bytes (`deck.cache`), so a read whose MAC matches decodes the same
bytes with conversions only (`checked=False`): what was checked cannot have
changed, and a damaged or hand-made entry never gets here.

Each field's column is checked and converted whole with C-level builtins (`map`,
`"".join`, `set`): a per-value Python step would double the cost of a warm load.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import deque
from collections.abc import Callable, Iterable
from functools import cache
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING, NamedTuple

from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.model import KINDS, Deck
from srcquiz.deck.parts import Anchor, Example, Position

if TYPE_CHECKING:
    from srcquiz.deck.kinds import Question

Result = tuple[Deck | None, list[Diagnostic]]


class Bad(ValueError):
    """An entry that does not fit the model: a miss."""


_NONE = type(None)
_STR: frozenset[type] = frozenset({str})
_OPT_STR: frozenset[type] = frozenset({str, _NONE})
_INT, _LIST = frozenset({int}), frozenset({list})


def _types_in(values: Iterable[object], allowed: frozenset[type]) -> None:
    if not set(map(type, values)) <= allowed:
        raise Bad("a value of the wrong type")


# --- checks: raise Bad unless the whole column fits ----------------------------------


def _check_texts(col: list) -> None:
    "".join(col)  # TypeError unless every item is a str, faster than looking at types


def _check_opt_texts(col: list) -> None:
    _types_in(col, _OPT_STR)


def _check_bools(col: list) -> None:
    _types_in(col, frozenset({bool}))


def _check_floats(col: list) -> None:
    _types_in(col, frozenset({float}))
    if not all(map(math.isfinite, col)):
        raise Bad("not a finite number")


def _check_text_lists(col: list) -> None:
    _types_in(col, _LIST)
    "".join(chain.from_iterable(col))


def _check_int_lists(col: list) -> None:
    _types_in(col, _LIST)
    _types_in(chain.from_iterable(col), _INT)


def _check_pair_lists(col: list) -> None:
    _types_in(col, _LIST)
    pairs = list(chain.from_iterable(col))
    _types_in(pairs, _LIST)
    if set(map(len, pairs)) - {2}:
        raise Bad("a pair that is not two texts")
    "".join(chain.from_iterable(pairs))


def _check_positions(col: list) -> None:
    _types_in(col, _LIST)
    if set(map(len, col)) - {2}:
        raise Bad("not a position")
    _types_in(chain.from_iterable(col), _INT)


def _check_anchors(col: list) -> None:
    _types_in(col, frozenset({list, _NONE}))
    given = [a for a in col if a is not None]
    if set(map(len, given)) - {6}:
        raise Bad("not an anchor")
    if given:
        repo, path, symbol, version, line, column = zip(*given, strict=True)
        _types_in(chain(repo, path, symbol, version), _OPT_STR)
        _types_in(chain(line, column), _INT)


def _check_examples(col: list) -> None:
    _types_in(col, _LIST)
    rows = list(chain.from_iterable(col))
    _types_in(rows, _LIST)
    if set(map(len, rows)) - {4}:
        raise Bad("not an example")
    if rows:
        text, right, line, column = zip(*rows, strict=True)
        "".join(text)
        _types_in(right, frozenset({bool}))
        _types_in(chain(line, column), _INT)


# --- conversions: JSON values to model values ------------------------------------------


def _same(col: list) -> list:
    return col


def _tuples(col: list) -> list:
    return list(map(tuple, col))


def _pairs(col: list) -> list:
    return [tuple(map(tuple, v)) for v in col]


def _positions(col: list) -> list:
    return list(map(tuple.__new__, repeat(Position), col))  # Position._make, minus a call


def _anchor(row: list | None) -> Anchor | None:
    if row is None:
        return None
    repo, path, symbol, version, line, column = row
    return Anchor(repo, path, symbol, version, Position(line, column))


def _anchors(col: list) -> list:
    return list(map(_anchor, col))


def _examples(col: list) -> list:
    if not any(col):  # the usual case: no question of this kind has examples
        return list(repeat((), len(col)))
    return [tuple(Example(t, r, Position(ln, c)) for t, r, ln, c in v) for v in col]


# Per field annotation: (check a whole column, convert it to model values).
_COLUMN: dict[str, tuple[Callable[[list], None], Callable[[list], list]]] = {
    "str": (_check_texts, _same),
    "str | None": (_check_opt_texts, _same),
    "bool": (_check_bools, _same),
    "float": (_check_floats, _same),
    "Position": (_check_positions, _positions),
    "Anchor | None": (_check_anchors, _anchors),
    "tuple[str, ...]": (_check_text_lists, _tuples),
    "tuple[int, ...]": (_check_int_lists, _tuples),
    "tuple[tuple[str, str], ...]": (_check_pair_lists, _pairs),
    "tuple[Example, ...]": (_check_examples, _examples),
}


Reader = tuple[Callable[[list], None], Callable[[list], list]]
# Fields stored in each question's row, as JSON gives them (no conversion needed);
# the others are stored as columns per kind and converted whole.
_PLAIN = frozenset({"str", "str | None", "bool", "float"})


class KindTable(NamedTuple):
    """How an entry holds one kind of question, worked out from its dataclass."""

    cls: type[Question]
    fields: tuple[str, ...]  # the dataclass's, in order: an entry's columns
    # Fields with a default: the class holds it as an attribute, so an instance whose
    # `__dict__` lacks the field reads the default (what a `null` column means).
    defaults: dict[str, object]
    row_fields: frozenset[str]  # plain fields, kept in each question's row
    readers: tuple[Reader, ...]  # per field: check a whole column, convert it


@cache
def kind_tables() -> tuple[KindTable, ...]:
    """Each kind's table in `KINDS` order (an entry names a kind by its index). Made
    when first asked for: start-up reads entry heads only, and never builds the
    question classes."""
    from srcquiz.deck.kinds import KIND_CLASSES

    out = []
    for kind in KINDS:
        cls = KIND_CLASSES[kind]
        fields = dataclasses.fields(cls)
        types = {f.name: str(f.type) for f in fields}
        unknown = set(types.values()) - set(_COLUMN)
        if unknown:  # a new field type needs a check here before decks can be cached
            raise TypeError(f"deck cache: no check for field type(s) {sorted(unknown)}")
        defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        out.append(
            KindTable(
                cls=cls,
                fields=tuple(types),
                defaults=defaults,
                row_fields=frozenset(n for n, t in types.items() if t in _PLAIN),
                readers=tuple(_COLUMN[t] for t in types.values()),
            )
        )
    return tuple(out)


_MISSING = object()
_CHOICE = KINDS.index("choice")
_ID_LIST_RE = re.compile(r"(?:[a-z0-9][a-z0-9_.-]*\n)*")  # the parser's ID_RE, one per line


def _check_choices(fields: dict[str, list]) -> None:
    for options, correct in zip(fields["options"], fields["correct"], strict=True):
        if not options or not correct or min(correct) < 0 or max(correct) >= len(options):
            raise Bad("a choice whose answers are not among its options")


def _check_kind(kind: int, rows: list[dict], columns: list) -> None:
    """Every value of one kind's questions: row fields by name, column fields whole."""
    table = kind_tables()[kind]
    names, defaults, in_rows = table.fields, table.defaults, table.row_fields
    if type(columns) is not list or len(columns) != len(names):
        raise Bad("columns that do not fit the model")
    _types_in(rows, frozenset({dict}))
    if set().union(*rows) - in_rows:
        raise Bad("a field the model does not have")
    fields: dict[str, list] = {}
    for name, (check, _convert), col in zip(names, table.readers, columns, strict=True):
        if name in in_rows:
            if col is not None:
                raise Bad("a row field stored as a column")
            col = [d.get(name, defaults.get(name, _MISSING)) for d in rows]
            if _MISSING in col:
                raise Bad("a required field left out")
        elif col is None:
            if name not in defaults:
                raise Bad("a required field left out")
            col = [defaults[name]] * len(rows)
        else:
            _types_in([col], _LIST)
            if len(col) != len(rows):
                raise Bad("columns of different lengths")
            check(col)
        if name in in_rows:
            check(col)
        fields[name] = col
    if kind == _CHOICE and rows:
        _check_choices(fields)


def _decode_questions(
    kinds: list, rows: list, columns: list, checked: bool
) -> tuple[Question, ...]:
    """The questions, in deck order: each row (a question's plain fields, as JSON gave
    them) becomes its question's `__dict__`, after each kind's converted columns
    (positions, tuples, anchors) are put in; all through C-level `map`s, no Python
    step per question. The classes are frozen, so `__dict__` is set directly."""
    present = set(kinds)
    if checked:
        _types_in(kinds, _INT)
        if not present <= set(range(len(KINDS))) or len(columns) != len(KINDS):
            raise Bad("an unknown kind of question")
        if type(rows) is not list or len(rows) != len(kinds):
            raise Bad("rows that do not fit the kinds")
    tables = kind_tables()
    for k in sorted(present):
        group = list(compress(rows, map(k.__eq__, kinds)))
        if checked:
            _check_kind(k, group, columns[k])
        table = tables[k]
        for name, (_check, convert), col in zip(
            table.fields, table.readers, columns[k], strict=True
        ):
            if col is not None:
                deque(map(dict.__setitem__, group, repeat(name), convert(col)), maxlen=0)
    classes = [t.cls for t in tables]
    questions = tuple(map(object.__new__, map(classes.__getitem__, kinds)))
    deque(map(object.__setattr__, questions, repeat("__dict__"), rows), maxlen=0)
    if checked:
        ids = [q.id for q in questions]
        joined = "\n".join(ids) + "\n" * bool(ids)
        if len(set(ids)) != len(ids) or not _ID_LIST_RE.fullmatch(joined):
            raise Bad("question ids that lint would refuse")
    return questions


def _check_deck(d: dict) -> None:
    _types_in((d["id"], d["title"], d["description"]), _STR)  # the id may be a file name
    _check_bools([d["shuffle"]])
    _check_text_lists([d["sources"], d["tags"]])
    _check_anchors([d["anchor"]])


def _diagnostics(rows: list, path: str, checked: bool) -> list[Diagnostic]:
    diags = []
    for line, col, sev, msg in rows:
        if checked:
            _types_in((line, col), _INT)
            if sev not in ("error", "warning") or type(msg) is not str:
                raise Bad("a diagnostic that does not fit")
        diags.append(Diagnostic(path, line, col, sev, msg))
    return diags


def decode(doc: dict, path: str, *, checked: bool) -> Result:
    """The deck and diagnostics of an entry; with `checked`, Bad (or any other
    exception) unless every value fits the model."""
    questions = _decode_questions(doc["kinds"], doc["rows"], doc["columns"], checked)
    d = doc["deck"]
    if checked:
        _check_deck(d)
    deck = Deck(
        id=d["id"],
        title=d["title"],
        questions=questions,
        description=d["description"],
        sources=tuple(d["sources"]),
        tags=tuple(d["tags"]),
        shuffle=d["shuffle"],
        anchor=_anchor(d["anchor"]),
        path=path,
    )
    return deck, _diagnostics(doc["diags"], path, checked)
