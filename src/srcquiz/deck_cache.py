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
from srcquiz.deck import KIND_CLASSES, KINDS, Anchor, Deck, Position, Question
from srcquiz.loader import Diagnostic

FORMAT = 1
_FIELDS = {
    kind: tuple(f.name for f in dataclasses.fields(cls)) for kind, cls in KIND_CLASSES.items()
}
# Changing any model field changes this signature, which invalidates every entry.
_OTHER = {
    cls.__name__: [f.name for f in dataclasses.fields(cls)] for cls in (Anchor, Position, Deck)
}
_SIGNATURE = hashlib.blake2b(
    repr((FORMAT, __version__, sorted(_FIELDS.items()), sorted(_OTHER.items()))).encode(),
    digest_size=8,
).hexdigest()
_PLANS = [(KIND_CLASSES[k], _FIELDS[k]) for k in KINDS]

Result = tuple[Deck | None, list[Diagnostic]]


def cache_root() -> Path:
    from srcquiz.paths import cache_dir

    return cache_dir() / "decks"


def _entry_path(path: Path) -> Path:
    key = hashlib.blake2b(str(path.resolve()).encode(), digest_size=12).hexdigest()
    return cache_root() / f"{key}.json"


def _fingerprint(path: Path, data: bytes) -> dict[str, object]:
    st = path.stat()
    return {
        "sig": _SIGNATURE,
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "hash": hashlib.blake2b(data, digest_size=16).hexdigest(),
    }


def cached_parse(path: Path, data: bytes, parse: Callable[[], Result]) -> Result:
    """The cached result for `path` if its fingerprint matches, else `parse()` and store it."""
    try:
        fingerprint = _fingerprint(path, data)
        entry = _entry_path(path)
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


def _decode(doc: dict, path: str) -> Result:
    new, setattr_ = object.__new__, object.__setattr__
    questions: list[Question] = []
    for row in doc["questions"]:
        cls, names = _PLANS[row[0]]
        if len(row) != len(names) + 1:
            raise ValueError("row does not fit the model")
        q = new(cls)
        for name, value in zip(names, row[1:], strict=True):
            if type(value) is list:
                if name == "pos":
                    value = Position(*value)
                elif name == "anchor":
                    value = _anchor(value)
                elif name == "pairs":
                    value = tuple(map(tuple, value))
                else:
                    value = tuple(value)
            setattr_(q, name, value)
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
