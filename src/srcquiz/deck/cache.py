"""A cache of validated decks, so unchanged files load at near-JSON speed.

PyYAML takes seconds for a 10k-question deck; a JSON copy of the validated
model takes tens of milliseconds. An entry is used only when the file's path,
size, mtime and content hash all match and it was written by this srcquiz with
this model layout; anything else (stale, corrupt, unreadable, unwritable) means
parse the YAML again. The cache is never required to be writable.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from srcquiz import __version__
from srcquiz.deck.loader import Diagnostic
from srcquiz.deck.model import KIND_CLASSES, KINDS, Anchor, Deck, Example, Position, Question

FORMAT = 1
_FIELDS = {
    kind: tuple(f.name for f in dataclasses.fields(cls)) for kind, cls in KIND_CLASSES.items()
}
# Changing any model field changes this signature, which invalidates every entry.
_OTHER = {cls.__name__: [f.name for f in dataclasses.fields(cls)] for cls in (Anchor, Deck)}
_SIGNATURE = hashlib.blake2b(
    repr(
        (FORMAT, __version__, sorted(_FIELDS.items()), sorted(_OTHER.items()), Position._fields)
    ).encode(),
    digest_size=8,
).hexdigest()
_PLANS = [(KIND_CLASSES[k], _FIELDS[k]) for k in KINDS]
# Tuple fields come back from JSON as lists (annotations are strings here).
_TUPLE_FIELDS = {
    f.name
    for cls in KIND_CLASSES.values()
    for f in dataclasses.fields(cls)
    if str(f.type).startswith("tuple")
}

Result = tuple[Deck | None, list[Diagnostic]]


def cache_root() -> Path:
    from srcquiz.paths import cache_dir

    return cache_dir() / "decks"


def _entry_path(fingerprint: dict[str, object]) -> Path:
    key = hashlib.blake2b(str(fingerprint["path"]).encode(), digest_size=12).hexdigest()
    return cache_root() / f"{key}.json"


def _fingerprint(path: Path, data: bytes) -> dict[str, object]:
    st = path.stat()
    return {
        "sig": _SIGNATURE,
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "hash": hashlib.sha1(data).hexdigest(),  # the fastest stdlib hash here (SHA-NI)
    }


def cached_parse(path: Path, data: bytes, parse: Callable[[], Result]) -> Result:
    """The cached result for `path` if its fingerprint matches, else `parse()` and store it."""
    try:
        fingerprint = _fingerprint(path, data)
        entry = _entry_path(fingerprint)
    except OSError:
        return parse()
    hit = _read(entry, fingerprint, path)
    if hit is not None:
        return hit
    deck, diags = parse()
    if deck is not None:
        _write(entry, fingerprint, deck, diags)
    return deck, diags


def _read(entry: Path, fingerprint: dict[str, object], path: Path) -> Result | None:
    try:
        raw = entry.read_bytes()
    except OSError:
        return None
    was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of acyclic objects: see deck_parser.parse_deck
    try:
        doc = json.loads(raw)
        if doc.get("fingerprint") != fingerprint:
            return None
        return _decode(doc, str(path))
    except Exception:  # noqa: BLE001 - a corrupt entry is a miss, whatever is wrong with it
        return None
    finally:
        if was_enabled:
            gc.enable()


def _write(entry: Path, fingerprint: dict[str, object], deck: Deck, diags: list) -> None:
    doc = {"fingerprint": fingerprint, **_encode(deck, diags)}
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, entry)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache dir only costs speed


def _anchor_row(a: Anchor | None) -> list | None:
    if a is None:
        return None
    return [a.repo, a.path, a.symbol, a.version, a.pos.line, a.pos.column]


def _anchor(row: list | None) -> Anchor | None:
    if row is None:
        return None
    repo, path, symbol, version, line, column = row
    return Anchor(repo, path, symbol, version, Position(line, column))


def _encode(deck: Deck, diags: list[Diagnostic]) -> dict[str, object]:
    rows = []
    for q in deck.questions:
        row: list[object] = [KINDS.index(q.kind)]
        for name in _FIELDS[q.kind]:
            value = getattr(q, name)
            if name == "pos":
                value = [value.line, value.column]
            elif name == "anchor":
                value = _anchor_row(value)
            row.append(value)
        rows.append(row)
    return {
        "deck": {
            "id": deck.id,
            "title": deck.title,
            "description": deck.description,
            "sources": deck.sources,
            "tags": deck.tags,
            "shuffle": deck.shuffle,
            "anchor": _anchor_row(deck.anchor),
        },
        "questions": rows,
        "diags": [[d.line, d.column, d.severity, d.message] for d in diags],
    }


_CONVERT = {
    "pos": Position._make,
    "anchor": lambda v: _anchor(v),
    "pairs": lambda v: tuple(map(tuple, v)),
    "examples": lambda v: tuple(Example(t, r, Position._make(p)) for t, r, p in v),
}
# Per kind: field names, and (index, converter) for fields JSON cannot hold as-is.
_DECODE_PLANS = [
    (
        cls,
        names,
        [
            (i, _CONVERT.get(n, tuple))
            for i, n in enumerate(names)
            if n in _CONVERT or n in _TUPLE_FIELDS
        ],
    )
    for cls, names in _PLANS
]


def _decode(doc: dict, path: str) -> Result:
    new = object.__new__
    questions: list[Question] = []
    for row in doc["questions"]:
        cls, names, converts = _DECODE_PLANS[row[0]]
        values = row[1:]
        if len(values) != len(names):
            raise ValueError("row does not fit the model")
        for i, convert in converts:
            if values[i] is not None:
                values[i] = convert(values[i])
        q = new(cls)
        q.__dict__.update(zip(names, values, strict=True))  # frozen: bypass __setattr__
        questions.append(q)
    d = doc["deck"]
    deck = Deck(
        id=d["id"],
        title=d["title"],
        questions=tuple(questions),
        description=d["description"],
        sources=tuple(d["sources"]),
        tags=tuple(d["tags"]),
        shuffle=d["shuffle"],
        anchor=_anchor(d["anchor"]),
        path=path,
    )
    diags = [Diagnostic(path, line, col, sev, msg) for line, col, sev, msg in doc["diags"]]
    return deck, diags
