"""A deck cache entry laid out so a warm load decodes only what is asked for.

Start-up shows deck titles and counts; a review asks a few hundred questions of
100k. Decoding every question of every deck before the first screen cost most of
a whole process's time and memory at that scale, so an entry is written as

    <head JSON>\\n<chunk 0>\\n<chunk 1>\\n ... <vocabulary JSON>\\n<MAC tail>

The head holds what the decks screen and a session's queue need without any
question: the deck's fields, its diagnostics, every question id and card key in
deck order, and the byte offsets of the rest. Each chunk is `CHUNK` questions in
the columnar form `cache_decode` reads (`kinds`, `rows`, `columns`), so one
question is found by decoding its chunk only, and every question by decoding them
all. The MAC (`deck.cache`) covers every byte and is checked when the entry is
read, before anything is decoded: a chunk decoded later is the one that was
checked when the entry was written.
"""

from __future__ import annotations

import json
from itertools import accumulate
from typing import TYPE_CHECKING

from srcquiz.deck.cache_decode import Bad, _anchor, _decode_questions, kind_tables
from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.model import KINDS, Deck
from srcquiz.gc_pause import gc_paused

if TYPE_CHECKING:
    from srcquiz.deck.kinds import Question

CHUNK = 32  # questions a chunk: a review's 200 cards decode ~6k of 100k questions
_QUESTIONS = Deck.__dict__["questions"]  # the slot under LazyDeck's property


def _json_default(name: str, value: object) -> object:
    """A column field's default, as the entry's JSON writes it."""
    if name == "pos":
        return [0, 0]
    if isinstance(value, tuple):
        return list(value)
    return value  # None (an anchor left out)


# --- a whole entry doc <-> chunks ------------------------------------------------------


def split(doc: dict) -> list[dict]:
    """The doc's questions (`kinds`, `rows`, `columns`) as chunks of `CHUNK`."""
    kinds, rows, columns = doc["kinds"], doc["rows"], doc["columns"]
    seen = [0] * len(KINDS)  # questions of each kind before the chunk
    out = []
    for start in range(0, len(kinds), CHUNK):
        part = kinds[start : start + CHUNK]
        cols: list[list | None] = []
        for k in range(len(KINDS)):
            n = part.count(k)
            if not n:
                cols.append(None)
                continue
            a = seen[k]
            cols.append([None if c is None else c[a : a + n] for c in columns[k]])
            seen[k] += n
        out.append({"kinds": part, "rows": rows[start : start + CHUNK], "columns": cols})
    return out


def merge(chunks: list[dict]) -> dict:
    """The chunks back as one doc's `kinds`, `rows`, `columns` (a column left out in
    some chunk is its default there; left out in all, it stays out)."""
    kinds = [k for c in chunks for k in c["kinds"]]
    rows = [r for c in chunks for r in c["rows"]]
    columns: list[list] = []
    for k, table in enumerate(kind_tables()):
        names, defaults = table.fields, table.defaults
        merged: list[list | None] = []
        for i, name in enumerate(names):
            parts = [(c["columns"][k], c["kinds"].count(k)) for c in chunks if k in c["kinds"]]
            if all(cols[i] is None for cols, _ in parts):
                merged.append(None)
                continue
            if name not in defaults and any(cols[i] is None for cols, _ in parts):
                raise Bad("a required column left out")
            default = _json_default(name, defaults.get(name))
            values: list = []
            for cols, n in parts:
                values.extend([default] * n if cols[i] is None else cols[i])
            merged.append(values)
        columns.append(merged)
    return {"kinds": kinds, "rows": rows, "columns": columns}


def lay_out(doc: dict) -> bytes:
    """The entry's bytes before its MAC: `doc` (a whole entry, `cache._encode`'s form
    plus the head's `ids`, `keys`, `keyed` and `counts`) as head, chunks, vocabulary."""

    def dump(value: object) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    parts = [dump(c) for c in split(doc)] + [dump(_packed(doc["vocab"]))]
    at = [0, *accumulate(len(p) + 1 for p in parts)]
    lifted = ("kinds", "rows", "columns", "vocab", "mac")
    head = {k: v for k, v in doc.items() if k not in lifted} | {"at": at, "chunk": CHUNK}
    return dump(head) + b"\n" + b"\n".join(parts) + b"\n"


def head_of(body: bytes | memoryview) -> tuple[dict, int]:
    """The head's JSON and where the chunks start."""
    whole = body.obj if isinstance(body, memoryview) else body  # a view from its start
    end = whole.find(b"\n", 0, len(body))  # type: ignore[attr-defined]
    if end < 0:
        raise Bad("not an entry")
    head = json.loads(bytes(body[:end]))
    if not isinstance(head, dict):
        raise Bad("not an entry")
    return head, end + 1


def whole_doc(body: bytes) -> dict:
    """Every part of an entry as one doc (the form `cache_decode.decode` reads)."""
    head, start = head_of(body)
    at = head["at"]
    pieces = [json.loads(body[start + a : start + b - 1]) for a, b in zip(at, at[1:], strict=False)]
    return {**head, **merge(pieces[:-1]), "vocab": _unpacked(pieces[-1])}


def _packed(vocab: dict[str, str]) -> list[str] | dict[str, str]:
    """The vocabulary as two strings of lines (keys, terms): JSON reads two long
    strings many times faster than a dict of 100k short ones. Kept a dict when a key
    or term holds a newline."""
    keys, terms = "\n".join(vocab), "\n".join(vocab.values())
    if keys.count("\n") + terms.count("\n") != 2 * max(0, len(vocab) - 1) or not vocab:
        return vocab
    return [keys, terms]


def _unpacked(stored: object) -> dict[str, str]:
    if isinstance(stored, dict):
        return stored
    if not isinstance(stored, list) or len(stored) != 2:
        raise Bad("not a vocabulary")
    keys, terms = stored[0].split("\n"), stored[1].split("\n")
    return dict(zip(keys, terms, strict=True))


# --- the deck --------------------------------------------------------------------------


class LazyDeck(Deck):
    """A deck read from a signed cache entry: ids, card keys and counts come from the
    entry's head; `questions` are decoded on first access, and `question(qid)` or
    `question_at(i)` decode just the chunk that holds them. Equal to the same deck
    read any other way."""

    __slots__ = ("_body", "_start", "_at", "_ids", "_keys", "_keyed", "_counts", "_chunks",
                 "_index", "_size", "_keys_are_ids")  # fmt: skip
    _body: bytes | memoryview  # the entry's signed bytes (the MAC was checked when it was read)
    _start: int  # where the chunks begin in `_body`
    _at: list[int]  # each chunk's offset from `_start`, then the vocabulary's, then the end
    _ids: list[str]
    _keys: tuple[str, ...]
    _keyed: int
    _counts: dict[str, int]
    _chunks: dict[int, tuple[Question, ...]]  # decoded so far
    _index: dict[str, int] | None  # question id -> position, made on the first lookup
    _size: int  # questions a chunk
    _keys_are_ids: bool  # one card a question: card i is question i

    @classmethod
    def from_entry(
        cls, head: dict, body: bytes | memoryview, start: int, path: str
    ) -> LazyDeck:
        d, ids, keys = head["deck"], _lines(head["ids"]), head["keys"]
        deck = object.__new__(cls)
        fields = {
            "id": d["id"], "title": d["title"], "description": d["description"],
            "sources": tuple(d["sources"]), "tags": tuple(d["tags"]),
            "shuffle": d["shuffle"], "anchor": _anchor(d["anchor"]), "path": path,
        }  # fmt: skip
        for name, value in fields.items():
            object.__setattr__(deck, name, value)
        own = {
            "_body": body, "_start": start, "_at": head["at"], "_ids": ids,
            "_keys": tuple(ids if keys is None else _lines(keys)), "_keyed": head["keyed"],
            "_counts": head["counts"],
            "_chunks": {}, "_index": None, "_size": head["chunk"], "_keys_are_ids": keys is None,
        }  # fmt: skip
        for name, value in own.items():
            object.__setattr__(deck, name, value)
        return deck

    @property
    def questions(self) -> tuple[Question, ...]:
        try:
            return _QUESTIONS.__get__(self)
        except AttributeError:
            pass
        with gc_paused():
            found = tuple(q for i in range(len(self._at) - 2) for q in self._chunk(i))
        _QUESTIONS.__set__(self, found)
        object.__setattr__(self, "_chunks", {})  # held by the tuple now
        return found

    def _chunk(self, i: int) -> tuple[Question, ...]:
        hit = self._chunks.get(i)
        if hit is None:
            a, b = self._at[i], self._at[i + 1]
            part = json.loads(bytes(self._body[self._start + a : self._start + b - 1]))
            hit = _decode_questions(part["kinds"], part["rows"], part["columns"], False)
            self._chunks[i] = hit
        return hit

    def _decoded(self) -> tuple[Question, ...] | None:
        try:
            return _QUESTIONS.__get__(self)
        except AttributeError:
            return None

    def question_at(self, index: int) -> Question:
        done = self._decoded()
        if done is not None:
            return done[index]
        if not 0 <= index < len(self._ids):
            raise IndexError(index)
        return self._chunk(index // self._size)[index % self._size]

    def question(self, qid: str) -> Question | None:
        if self._decoded() is not None:
            return super().question(qid)
        index = self._index
        if index is None:
            index = dict(zip(self._ids, range(len(self._ids)), strict=True))
            object.__setattr__(self, "_index", index)
        at = index.get(qid)
        return None if at is None else self.question_at(at)

    def question_count(self) -> int:
        return len(self._ids)

    def card_at(self, index: int) -> tuple[str, Question]:
        if self._keys_are_ids and self._decoded() is None:  # one card a question
            return self._keys[index], self.question_at(index)
        return super().card_at(index)

    def _key_table(self) -> tuple[tuple[str, ...], int]:
        return self._keys, self._keyed

    def counts_by_kind(self) -> dict[str, int]:
        return dict(self._counts)

    def stored_vocabulary(self) -> dict[str, str]:
        """The vocabulary the entry carries (read when grading first needs it)."""
        a, b = self._at[-2], self._at[-1]
        return _unpacked(json.loads(bytes(self._body[self._start + a : self._start + b - 1])))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deck):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _DECK_FIELDS)

    __hash__ = Deck.__hash__


_DECK_FIELDS = ("id", "title", "questions", "description", "sources", "tags", "shuffle",
                "anchor", "path")


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def head_fields(deck: Deck) -> dict[str, object]:
    """What a lazy read needs without decoding questions: ids, card keys, counts. Ids
    and keys (never holding a newline: lint's id rule) are each one string of lines,
    which JSON reads many times faster than 100k strings; the keys are left out
    (null) when they are the ids, one card a question."""
    ids = [q.id for q in deck.questions]
    keys = deck.card_keys()
    return {
        "ids": "\n".join(ids),
        "keys": None if keys == ids else "\n".join(keys),
        "keyed": deck.keyed_count(),
        "counts": deck.counts_by_kind(),
    }


def diagnostics_of(head: dict, path: str) -> list[Diagnostic]:
    return [Diagnostic(path, line, col, sev, msg) for line, col, sev, msg in head["diags"]]
