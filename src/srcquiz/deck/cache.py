"""A cache of validated decks, so unchanged files load at near-JSON speed.

PyYAML takes seconds for a 10k-question deck; a JSON copy of the validated
model takes tens of milliseconds. An entry is used only when the file's path,
size, mtime and content hash all match and it was written by this srcquiz with
this model layout and these bytes of the code that builds decks (`CODE_FILES`:
a parser fix under an unchanged version still invalidates every entry).

An entry is data from disk, not proof: every field of every question is checked
for its type and shape on load (`_decode`), so a damaged or hand-made entry is a
miss, never a question lint did not see. Anything else doubtful (stale, corrupt,
over `MAX_ENTRY_BYTES`, not a regular file, unreadable, unwritable) also means
parse the YAML again. The cache is never required to be writable.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path

from srcquiz import __version__
from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.deck.model import KIND_CLASSES, KINDS, Anchor, Deck, Example, Position, Question
from srcquiz.files import read_regular
from srcquiz.gc_pause import gc_paused

FORMAT = 3
# The code that decides what a deck file becomes: every module of the deck
# package and the text rules' base (read as bytes, never imported here: a warm
# load must not pay for PyYAML).
_HERE = Path(__file__).parent
CODE_FILES = (*sorted(p.name for p in _HERE.glob("*.py")), "../textsafe.py")
# JSON of a deck is about the size of its YAML; anything much larger is not ours.
MAX_ENTRY_BYTES = 4 * MAX_DECK_BYTES
TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600  # a temp file this old belongs to a write that was killed

_FIELDS = {
    kind: tuple(f.name for f in dataclasses.fields(cls)) for kind, cls in KIND_CLASSES.items()
}
_OTHER = {cls.__name__: [f.name for f in dataclasses.fields(cls)] for cls in (Anchor, Deck)}


def _code_digest() -> bytes:
    """The bytes of `CODE_FILES`, hashed once per process (well under a millisecond)."""
    h = hashlib.blake2b(digest_size=16)
    for name in CODE_FILES:
        try:
            h.update(read_regular(_HERE / name, 1 << 22))
        except OSError:
            h.update(f"unreadable {name}".encode())  # e.g. a bytecode-only install
    return h.digest()


# Changing any model field, or any byte of the code that builds decks, changes this
# signature, which invalidates every entry.
_SIGNATURE = hashlib.blake2b(
    repr(
        (FORMAT, __version__, sorted(_FIELDS.items()), sorted(_OTHER.items()), Position._fields)
    ).encode()
    + _code_digest(),
    digest_size=8,
).hexdigest()

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
        raw = read_regular(entry, MAX_ENTRY_BYTES)  # a pipe or a huge file is a miss
    except OSError:
        return None
    with gc_paused():  # tens of thousands of acyclic objects
        try:
            doc = json.loads(raw)
            if doc.get("fingerprint") != fingerprint:
                return None
            return _decode(doc, str(path))
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss, whatever is wrong with it
            return None


def _write(entry: Path, fingerprint: dict[str, object], deck: Deck, diags: list) -> None:
    """Write through a uniquely named temp file in the same folder, renamed into place;
    the temp file goes on any failure, and ones left by killed writes are swept."""
    doc = {"fingerprint": fingerprint, **_encode(deck, diags)}
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        _sweep(entry.parent)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=TMP_PREFIX, suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
                too_big = f.tell() > MAX_ENTRY_BYTES  # would never be read back
            if too_big:
                os.unlink(tmp)
                return
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache dir only costs speed


def _sweep(folder: Path, now: float | None = None) -> None:
    """Remove temp files of writes that were killed (older than `STALE_TMP_S`)."""
    cutoff = (time.time() if now is None else now) - STALE_TMP_S
    with contextlib.suppress(OSError):
        for tmp in folder.glob(f"{TMP_PREFIX}*.json"):
            with contextlib.suppress(OSError):
                if tmp.lstat().st_mtime < cutoff:
                    tmp.unlink()


def _anchor_row(a: Anchor | None) -> list | None:
    if a is None:
        return None
    return [a.repo, a.path, a.symbol, a.version, a.pos.line, a.pos.column]


def _json_value(name: str, value: object) -> object:
    if name == "pos":
        return [value.line, value.column]  # type: ignore[attr-defined]
    if name == "anchor":
        return _anchor_row(value)  # type: ignore[arg-type]
    if name == "examples":
        return [[e.text, e.right, e.pos.line, e.pos.column] for e in value]  # type: ignore[attr-defined]
    return value


def _encode(deck: Deck, diags: list[Diagnostic]) -> dict[str, object]:
    """The deck as JSON data: questions are stored column by column per kind (each
    column is one field), which is what lets `_decode` check every value cheaply."""
    kinds = [KINDS.index(q.kind) for q in deck.questions]
    columns: list[list[list[object]]] = [[[] for _ in _FIELDS[k]] for k in KINDS]
    for q in deck.questions:
        for name, column in zip(_FIELDS[q.kind], columns[KINDS.index(q.kind)], strict=True):
            column.append(_json_value(name, getattr(q, name)))
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
        "kinds": kinds,
        "columns": columns,
        "diags": [[d.line, d.column, d.severity, d.message] for d in diags],
    }


# --- decoding: every value is checked, the entry is data from disk ------------------
#
# Each field's column is checked and converted whole with C-level builtins (`map`,
# `"".join`, `set`): a per-value Python check would double the cost of a warm load.


class _Bad(ValueError):
    """An entry that does not fit the model: a miss."""


_NONE = type(None)
_STR: frozenset[type] = frozenset({str})
_OPT_STR: frozenset[type] = frozenset({str, _NONE})
_INT, _LIST = frozenset({int}), frozenset({list})


def _types_in(values: Iterable[object], allowed: frozenset[type]) -> None:
    if not set(map(type, values)) <= allowed:
        raise _Bad("a value of the wrong type")


def _texts(col: list) -> list:
    "".join(col)  # TypeError unless every item is a str, faster than looking at types
    return col


def _opt_texts(col: list) -> list:
    _types_in(col, _OPT_STR)
    return col


def _bools(col: list) -> list:
    _types_in(col, frozenset({bool}))
    return col


def _floats(col: list) -> list:
    _types_in(col, frozenset({float}))
    if not all(map(math.isfinite, col)):
        raise _Bad("not a finite number")
    return col


def _text_lists(col: list) -> list:
    _types_in(col, _LIST)
    "".join(chain.from_iterable(col))
    return list(map(tuple, col))


def _int_lists(col: list) -> list:
    _types_in(col, _LIST)
    _types_in(chain.from_iterable(col), _INT)
    return list(map(tuple, col))


def _pair_lists(col: list) -> list:
    _types_in(col, _LIST)
    pairs = list(chain.from_iterable(col))
    _types_in(pairs, _LIST)
    if set(map(len, pairs)) - {2}:
        raise _Bad("a pair that is not two texts")
    "".join(chain.from_iterable(pairs))
    return [tuple(map(tuple, v)) for v in col]


def _positions(col: list) -> list:
    _types_in(col, _LIST)
    if set(map(len, col)) - {2}:
        raise _Bad("not a position")
    _types_in(chain.from_iterable(col), _INT)
    return list(map(tuple.__new__, repeat(Position), col))  # Position._make, minus a call


def _anchors(col: list) -> list:
    _types_in(col, frozenset({list, _NONE}))
    given = [a for a in col if a is not None]
    if set(map(len, given)) - {6}:
        raise _Bad("not an anchor")
    if given:
        repo, path, symbol, version, line, column = zip(*given, strict=True)
        _types_in(chain(repo, path, symbol, version), _OPT_STR)
        _types_in(chain(line, column), _INT)
    return [None if a is None else _anchor(a) for a in col]


def _anchor(row: list | None) -> Anchor | None:
    if row is None:
        return None
    repo, path, symbol, version, line, column = row
    return Anchor(repo, path, symbol, version, Position(line, column))


def _examples(col: list) -> list:
    _types_in(col, _LIST)
    if not any(col):  # the usual case: no question of this kind has examples
        return list(repeat((), len(col)))
    rows = list(chain.from_iterable(col))
    _types_in(rows, _LIST)
    if set(map(len, rows)) - {4}:
        raise _Bad("not an example")
    if rows:
        text, right, line, column = zip(*rows, strict=True)
        "".join(text)
        _types_in(right, frozenset({bool}))
        _types_in(chain(line, column), _INT)
    return [tuple(Example(t, r, Position(ln, c)) for t, r, ln, c in v) for v in col]


# Per field annotation: checks a whole column and returns its model values.
_COLUMN: dict[str, Callable[[list], list]] = {
    "str": _texts,
    "str | None": _opt_texts,
    "bool": _bools,
    "float": _floats,
    "Position": _positions,
    "Anchor | None": _anchors,
    "tuple[str, ...]": _text_lists,
    "tuple[int, ...]": _int_lists,
    "tuple[tuple[str, str], ...]": _pair_lists,
    "tuple[Example, ...]": _examples,
}


def _check_choices(fields: dict[str, list]) -> None:
    for options, correct in zip(fields["options"], fields["correct"], strict=True):
        if not options or not correct or min(correct) < 0 or max(correct) >= len(options):
            raise _Bad("a choice whose answers are not among its options")


def _column_readers(kind: str) -> tuple[Callable[[list], list], ...]:
    types = {f.name: str(f.type) for f in dataclasses.fields(KIND_CLASSES[kind])}
    unknown = {types[n] for n in _FIELDS[kind]} - set(_COLUMN)
    if unknown:  # a new field type needs a check here before decks can be cached
        raise TypeError(f"deck cache: no check for field type(s) {sorted(unknown)}")
    return tuple(_COLUMN[types[n]] for n in _FIELDS[kind])


_READERS = [_column_readers(k) for k in KINDS]
_ID_LIST_RE = re.compile(r"(?:[a-z0-9][a-z0-9_.-]*\n)*")  # the parser's ID_RE, one per line


def _questions_of(kind: int, columns: list, count: int) -> list[Question]:
    """The `count` questions of one kind, from their checked columns."""
    cls, names, readers = KIND_CLASSES[KINDS[kind]], _FIELDS[KINDS[kind]], _READERS[kind]
    if type(columns) is not list or len(columns) != len(names):
        raise _Bad("columns that do not fit the model")
    _types_in(columns, _LIST)
    if set(map(len, columns)) - {count}:
        raise _Bad("columns of different lengths")
    fields = {n: read(col) for n, read, col in zip(names, readers, columns, strict=True)}
    if kind == KINDS.index("choice"):
        _check_choices(fields)
    # Instances, then their fields, all through C-level `map`s (no Python per question):
    # the classes are frozen, so their `__dict__` is filled directly.
    out: list[Question] = list(map(object.__new__, repeat(cls, count)))
    rows = map(zip, repeat(names), zip(*fields.values(), strict=True))
    deque(map(dict.update, map(attrgetter("__dict__"), out), rows), maxlen=0)
    return out


def _decode_questions(kinds: list, columns: list) -> tuple[Question, ...]:
    _types_in(kinds, _INT)
    counts = Counter(kinds)
    if not set(counts) <= set(range(len(KINDS))) or len(columns) != len(KINDS):
        raise _Bad("an unknown kind of question")
    built = [iter(_questions_of(k, columns[k], counts[k])) for k in range(len(KINDS))]
    questions = tuple(map(next, map(built.__getitem__, kinds)))  # back in deck order
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids) or not _ID_LIST_RE.fullmatch("\n".join(ids) + "\n" * bool(ids)):
        raise _Bad("question ids that lint would refuse")
    return questions


def _decode(doc: dict, path: str) -> Result:
    questions = _decode_questions(doc["kinds"], doc["columns"])
    d = doc["deck"]
    _types_in((d["id"], d["title"], d["description"]), _STR)  # the id may be a file name
    _bools([d["shuffle"]])
    _text_lists([d["sources"], d["tags"]])
    deck = Deck(
        id=d["id"],
        title=d["title"],
        questions=questions,
        description=d["description"],
        sources=tuple(d["sources"]),
        tags=tuple(d["tags"]),
        shuffle=d["shuffle"],
        anchor=_anchors([d["anchor"]])[0],
        path=path,
    )
    diags = []
    for line, col, sev, msg in doc["diags"]:
        _types_in((line, col), _INT)
        if sev not in ("error", "warning") or type(msg) is not str:
            raise _Bad("a diagnostic that does not fit")
        diags.append(Diagnostic(path, line, col, sev, msg))
    return deck, diags
