"""A question to the data a deck file holds, and back: the one codec.

The file form is what a YAML deck says (keys as in `keys.COMMON_KEYS` and
`keys.KIND_KEYS`, plain lists, mappings and scalars). It is driven by the
model's own dataclass fields, so a new field is carried by the Anki export,
the importer and the YAML writer without touching any of them; only where the
file form differs from the model does a kind have a hook (a choice's `answer`
names options where the model keeps indexes; a match's pairs are a mapping).

`from_data` trusts nothing: a value of the wrong type raises ValueError,
a missing required key KeyError, so a damaged package is refused, not guessed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from srcquiz.deck.keys import ANCHOR_KEYS, COMMON_KEYS, KIND_KEYS
from srcquiz.deck.kinds import KIND_CLASSES, Question
from srcquiz.deck.parts import Anchor, Example

Text = Callable[[str], str]
_NOT_IN_FILES = frozenset({"pos"})
# Model fields a deck file spells through another key: a number's `written` is how
# its `answer` was written (`24.10`); JSON data carries it, YAML writes it as `answer`.
SPELLED_BY = {"written": "answer"}


def anchor_data(anchor: Anchor) -> dict[str, str]:
    """An anchor's non-empty parts, in file order."""
    return {k: v for k in ANCHOR_KEYS if (v := getattr(anchor, k))}


def to_data(q: Question, *, ordered: bool = True) -> dict[str, Any]:
    """The question in deck-file form, complete enough to rebuild it; fields at
    their default are left out, as an author would. `ordered` puts the keys in the
    format's order (for a file a person reads; JSON data does not need it)."""
    d: dict[str, Any] = {"id": q.id, "kind": q.kind}
    values = q.__dict__  # questions keep no slots (see the model): fields are here
    for name, default in _DEFAULTS[q.kind]:
        value = values.get(name, default)  # a field at its default may be left to the class
        if value is default or value == default:
            continue
        d[name] = value if type(value) in _AS_IS else _plain(value)
    hook = _TO_FILE.get(q.kind)
    if hook is not None:
        hook(q, d)
    if not ordered:
        return d
    order = _ORDER[q.kind]
    return dict(sorted(d.items(), key=lambda item: order.get(item[0], len(order))))


def from_data(d: Mapping[str, Any], text: Text = str) -> Question:
    """A question from its file form; `text` cleans every text value (the importer
    passes its own). Unknown keys are ignored: a newer srcquiz may add fields."""
    if not isinstance(d, Mapping):
        raise ValueError("a question is not a mapping")
    kind = d["kind"]
    if kind not in KIND_CLASSES:
        raise ValueError(f"unknown kind {kind!r}")
    data = dict(d)
    hook = _FROM_FILE.get(kind)
    if hook is not None:
        hook(data, text)
    cls = KIND_CLASSES[kind]
    hints = _HINTS[kind]
    values: dict[str, Any] = {}
    for f in _FIELDS[kind]:
        if f.name in data:
            values[f.name] = _decode(hints[f.name], data[f.name], text)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise KeyError(f.name)
    return cls(**values)


# -- per-kind hooks where the file form differs from the model -----------------


def _choice_to_file(q: Any, d: dict[str, Any]) -> None:
    d["answer"] = list(q.answers) if q.multi else q.answers[0]
    d.pop("correct", None)
    d.pop("multi", None)
    if "why" in d:
        d["why"] = dict(q.why)  # `why: {option: why it is wrong}`, as in YAML


def _choice_from_file(d: dict[str, Any], text: Text) -> None:
    options = [_decode(str, o, text) for o in _list(d["options"])]
    multi = isinstance(d["answer"], list)
    answers = d["answer"] if multi else [d["answer"]]
    d["correct"] = [options.index(_decode(str, a, text)) for a in answers]
    d["multi"] = multi
    del d["answer"]
    if isinstance(d.get("why"), Mapping):
        d["why"] = [list(p) for p in d["why"].items()]


def _match_to_file(q: Any, d: dict[str, Any]) -> None:
    d["pairs"] = dict(q.pairs)


def _match_from_file(d: dict[str, Any], text: Text) -> None:
    pairs = d["pairs"]  # a mapping as in YAML, or [[left, right], ...] (older exports)
    d["pairs"] = [list(p) for p in pairs.items()] if isinstance(pairs, Mapping) else pairs


_TO_FILE: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "choice": _choice_to_file,
    "match": _match_to_file,
}
_FROM_FILE: dict[str, Callable[[dict[str, Any], Text], None]] = {
    "choice": _choice_from_file,
    "match": _match_from_file,
}


# -- values ----------------------------------------------------------------------


_FIELDS: dict[str, tuple[dataclasses.Field[Any], ...]] = {
    kind: tuple(f for f in dataclasses.fields(cls) if f.name not in _NOT_IN_FILES)
    for kind, cls in KIND_CLASSES.items()
}
# Per kind, each field but `id` with its default (MISSING when required), and the
# file's key order: to_data runs once per note on export, so these are computed once.
_DEFAULTS: dict[str, tuple[tuple[str, Any], ...]] = {
    kind: tuple((f.name, f.default) for f in fields if f.name != "id")
    for kind, fields in _FIELDS.items()
}
_ORDER: dict[str, dict[str, int]] = {
    kind: {key: i for i, key in enumerate((*COMMON_KEYS, *KIND_KEYS[kind]))}
    for kind in KIND_CLASSES
}
_AS_IS = frozenset({str, bool, float, int, type(None)})
_HINTS: dict[str, dict[str, Any]] = {
    kind: typing.get_type_hints(cls) for kind, cls in KIND_CLASSES.items()
}


def _plain(value: Any) -> Any:
    """Tuples as lists, anchors and examples as mappings: what YAML and JSON hold."""
    if isinstance(value, tuple) and value and isinstance(value[0], Example):
        return {
            side: [e.text for e in value if e.right == right]
            for side, right in (("right", True), ("wrong", False))
            if any(e.right == right for e in value)
        }
    if isinstance(value, tuple):
        if value and type(value[0]) is str:
            return list(value)  # texts: the usual tuple
        return [_plain(v) for v in value]
    if isinstance(value, Anchor):
        return anchor_data(value)
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, found {type(value).__name__}")
    return list(value)


def _decode(hint: Any, value: Any, text: Text) -> Any:
    """`value` checked against the field's annotation and converted to it."""
    if hint == tuple[Example, ...]:
        return _examples(value, text)
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, value, text)
    if origin is tuple:
        args = typing.get_args(hint)
        items = _list(value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, text) for v in items)
        if len(items) != len(args):
            raise ValueError(f"expected {len(args)} items, found {len(items)}")
        return tuple(_decode(a, v, text) for a, v in zip(args, items, strict=True))
    return _SCALARS[hint](value, text)


def _text(value: Any, text: Text) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {type(value).__name__}")
    return text(value)


def _bool(value: Any, text: Text) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, found {type(value).__name__}")
    return value


def _float(value: Any, text: Text) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, found {type(value).__name__}")
    return float(value)


def _int(value: Any, text: Text) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, found {type(value).__name__}")
    return value


def anchor_from_data(value: Any, text: Text = str) -> Anchor:
    """An anchor from its file form (a mapping of its non-empty parts)."""
    if not isinstance(value, Mapping):
        raise ValueError("an anchor is not a mapping")
    parts = {k: _text(value[k], text) for k in ANCHOR_KEYS if value.get(k)}
    return Anchor(
        repo=parts.get("repo"),
        path=parts.get("path"),
        symbol=parts.get("symbol"),
        version=parts.get("version"),
    )


def _examples(value: Any, text: Text) -> tuple[Example, ...]:
    """`{right: [...], wrong: [...]}` as the model's examples (positions unknown)."""
    if not isinstance(value, Mapping) or set(value) - {"right", "wrong"}:
        raise ValueError("examples are not a mapping of right and wrong answers")
    return tuple(
        Example(_text(t, text), side == "right")
        for side in ("right", "wrong")
        for t in _list(value.get(side, []))
    )


_SCALARS: dict[Any, Callable[[Any, Text], Any]] = {
    str: _text,
    bool: _bool,
    float: _float,
    int: _int,
    Anchor: anchor_from_data,
}
