"""A cache of validated decks, so unchanged files load at near-JSON speed.

PyYAML takes seconds for a 10k-question deck; a JSON copy of the validated
model takes tens of milliseconds. An entry is used only when the file's path,
size, mtime and content hash all match and it was written by this srcquiz with
this version of the code that builds decks (`CODE_FILES`, judged by size and
mtime: a parser fix under an unchanged version still invalidates every entry).

An entry is data from disk, not proof. Its structure is checked once, when it is
written (every value of every question, `cache_decode`), and the entry ends with
a MAC of its bytes (keyed BLAKE2b, `srcquiz.digests`) under a per-user secret kept
outside the cache folder (`KEY_NAME` in the data folder). A read whose MAC matches
decodes those same bytes without walking every field again; one whose MAC does not
(damaged, edited, hand-made, or made with another key) is a miss and the deck is
parsed again: a planted entry cannot carry a question lint never saw without the
secret.
Anything else doubtful (stale, corrupt, over `MAX_ENTRY_BYTES`, not a regular
file, unreadable, unwritable) also means parse the YAML again. The cache is never
required to be writable.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from srcquiz import __version__
from srcquiz.deck.cache_decode import Bad, Result, decode, kind_tables
from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.deck.lazy_deck import LazyDeck as LazyDeck  # re-exported for tests
from srcquiz.deck.lazy_deck import diagnostics_of, head_fields, head_of, lay_out, whole_doc
from srcquiz.deck.model import KINDS, Deck
from srcquiz.deck.parts import Anchor
from srcquiz.digests import blake2b, same_digest
from srcquiz.files import read_regular, stat_stamp
from srcquiz.fsio import TMP_PREFIX, remove_stale_temps, write_cache_file
from srcquiz.gc_pause import gc_paused

FORMAT = 6  # 5: head, chunks, vocabulary on lines of their own (`lazy_deck`); 6: BLAKE2b MAC
# The code that decides what a deck file becomes: every module of the deck
# package and the text rules' base (read as bytes, never imported here: a warm
# load must not pay for PyYAML).
_HERE = Path(__file__).parent
CODE_FILES = (*sorted(p.name for p in _HERE.glob("*.py")), "../textsafe.py")
# JSON of a deck is about the size of its YAML; anything much larger is not ours.
MAX_ENTRY_BYTES = 4 * MAX_DECK_BYTES

_NO_DEFAULT = object()


def _code_stamp() -> bytes:
    """`CODE_FILES` as seen from outside (`stat_stamp`), once a process: reading and
    hashing their 200 KB instead took 0.7 ms of every start-up."""
    h = blake2b(digest_size=16)
    for name in CODE_FILES:  # a bytecode-only install stamps them "missing"
        h.update(f"{name} {stat_stamp(_HERE / name)}\n".encode())
    return h.digest()


# Changing the code that builds decks (the model's fields with it) changes this
# signature, which invalidates every entry.
_SIGNATURE = blake2b(
    repr((FORMAT, __version__)).encode() + _code_stamp(), digest_size=8
).hexdigest()


def cache_root() -> Path:
    from srcquiz.paths import cache_dir

    return cache_dir() / "decks"


def _entry_path(fingerprint: dict[str, object]) -> Path:
    key = blake2b(str(fingerprint["path"]).encode(), digest_size=12).hexdigest()
    return cache_root() / f"{key}.json"


def _fingerprint(path: Path, data: bytes) -> dict[str, object]:
    import hashlib  # only when a deck's bytes are read: never on an ordinary start-up

    st = path.stat()
    return {
        "sig": _SIGNATURE,
        "path": str(path.resolve()),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "hash": hashlib.sha1(data).hexdigest(),  # the fastest stdlib hash here (SHA-NI)
    }


# A file changed within this long of when its bytes were read could keep its ctime
# on a file system with coarse timestamps: its entry is never trusted on stat alone.
RACY_NS = 2_000_000_000


def _stat_record(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def cached_load(
    path: Path,
    read: Callable[[], tuple[bytes | None, Diagnostic | None]],
    parse: Callable[[bytes], Result],
) -> Result:
    """The deck at `path` from its entry when unchanged, else parsed and stored.

    Unchanged means: the file's size, mtime, ctime, inode and device are those the
    entry recorded, and its ctime was well before its bytes were read for the
    entry (no edit can then keep that ctime: git's "racily clean" rule). Then the
    deck file is not even read. Otherwise its bytes are read and hashed, and the
    entry is used if the hash matches."""
    try:
        resolved = str(path.resolve())
        st = os.stat(resolved)
        entry = _entry_path({"path": resolved})
    except OSError:
        entry = None
    doc = _signed_doc(entry) if entry is not None else None
    if doc is not None and doc.get("stat") == _stat_record(st) and doc.get("trust_stat") is True:
        fp = doc.get("fingerprint")
        if isinstance(fp, dict) and fp.get("sig") == _SIGNATURE and fp.get("path") == resolved:
            hit = _decoded(doc, path)
            if hit is not None:
                return hit
    read_at = time.time_ns()
    data, problem = read()
    if data is None:
        return None, [problem] if problem else []
    try:
        fingerprint = _fingerprint(path, data)
        entry = _entry_path(fingerprint)
        st = os.stat(fingerprint["path"])  # type: ignore[arg-type]
    except OSError:
        return parse(data)
    if doc is not None and doc.get("fingerprint") == fingerprint:
        hit = _decoded(doc, path)
        if hit is not None:
            return hit
    deck, diags = parse(data)
    if deck is not None:
        seen = {"stat": _stat_record(st), "trust_stat": st.st_ctime_ns < read_at - RACY_NS}
        _write(entry, fingerprint, deck, diags, seen)
    return deck, diags


class _Entry(NamedTuple):
    """A signed entry's head (parsed) and its bytes; the questions are not decoded."""

    head: dict
    body: memoryview
    start: int  # where the chunks begin in `body`

    def get(self, name: str) -> object:
        return self.head.get(name)


def _signed_doc(entry: Path) -> _Entry | None:
    """The entry's head, if it is a regular file under the size limit carrying a right MAC."""
    try:
        raw = read_regular(entry, MAX_ENTRY_BYTES)  # a pipe or a huge file is a miss
    except OSError:
        return None
    body = _signed_body(raw)
    if body is None:
        return None
    try:
        head, start = head_of(body)
    except ValueError:
        return None
    return _Entry(head, body, start)


def _decoded(doc: _Entry, path: Path) -> Result | None:
    """The deck of a signed entry, its questions left encoded until asked for (a signed
    entry is one this user's srcquiz checked as it wrote it: see `lazy_deck`)."""
    try:
        deck = LazyDeck.from_entry(doc.head, doc.body, doc.start, str(path))
        diags = diagnostics_of(doc.head, str(path))
    except Exception:  # noqa: BLE001 - a corrupt entry is a miss, whatever is wrong with it
        return None
    return deck, diags


def _read(entry: Path, fingerprint: dict[str, object], path: Path) -> Result | None:
    """The entry's deck if it is signed and made from a file with this fingerprint."""
    doc = _signed_doc(entry)
    if doc is None or doc.get("fingerprint") != fingerprint:
        return None
    return _decoded(doc, path)


def entry_doc(raw: bytes) -> dict:
    """An entry's bytes as one JSON doc (the form `decode` reads), MAC unchecked."""
    return whole_doc(raw[:-_MAC_TAIL])


def entry_bytes(doc: dict, key: bytes) -> bytes:
    """`doc` (as `entry_doc` gives it) laid out and signed with `key`."""
    body = lay_out(doc)
    return body + _MAC_FIELD + _mac(body, key) + b"\n"


# The entry's last line is the MAC of every byte before it: `mac:<hex>\n`.
_MAC_FIELD = b"mac:"
_MAC_HEX = 64  # keyed BLAKE2b-256 (`srcquiz.digests`): ~1 ms/MB, no OpenSSL to load
_MAC_TAIL = len(_MAC_FIELD) + _MAC_HEX + 1


def _mac(body: bytes | memoryview, key: bytes | None = None) -> bytes:
    return blake2b(body, key=_key() if key is None else key, digest_size=32).hexdigest().encode()


def sign(body: bytes) -> bytes:
    """The MAC (hex) of `body` under this user's secret, for another cache whose
    entries must prove srcquiz wrote them (the highlight cache's packs). Such a
    body must not start with `{` as an entry's does, so neither passes for the other."""
    return _mac(body)


def _signed_body(raw: bytes) -> memoryview | None:
    """The bytes the entry's MAC covers, or None unless the MAC is there and right."""
    cut = len(raw) - _MAC_TAIL
    if cut <= 0 or raw[cut : cut + len(_MAC_FIELD)] != _MAC_FIELD or raw[-1:] != b"\n":
        return None
    body = memoryview(raw)[:cut]  # not a copy of a 20 MB entry
    return body if same_digest(raw[-1 - _MAC_HEX : -1], _mac(body)) else None


def _signed_entry(
    fingerprint: dict[str, object], deck: Deck, diags: list, seen: dict[str, object]
) -> bytes | None:
    """The entry's bytes, or None when they would not read back as this deck. This is
    where an entry's structure is checked, once: reads trust what carries the MAC.
    The deck's vocabulary (what grading's known-terms index needs) is worked out
    here, once, and travels with the entry; so do the ids, card keys and counts a
    lazy read gives without decoding a question."""
    from srcquiz.deck.vocabulary import remember, vocabulary  # a miss only: its regexes

    vocab = vocabulary(deck.questions)
    remember(deck, vocab)
    doc = {"fingerprint": fingerprint, **seen, **_encode(deck, diags), **head_fields(deck)}
    body = lay_out({**doc, "vocab": vocab})
    if len(body) + _MAC_TAIL > MAX_ENTRY_BYTES:
        return None  # would never be read back
    try:
        with gc_paused():
            back_doc = whole_doc(body)
            back, back_diags = decode(back_doc, deck.path, checked=True)
            head, start = head_of(body)
            lazy = LazyDeck.from_entry(head, body, start, deck.path)
            same_head = (
                lazy.card_keys() == deck.card_keys()
                and lazy.keyed_count() == deck.keyed_count()
                and lazy.counts_by_kind() == deck.counts_by_kind()
                and lazy._ids == [q.id for q in deck.questions]
                and lazy.stored_vocabulary() == vocab
            )
    except (Bad, TypeError, ValueError, KeyError, IndexError):
        return None
    if back != deck or back_diags != diags or back_doc["vocab"] != vocab or not same_head:
        return None
    return body + _MAC_FIELD + _mac(body) + b"\n"


def _write(
    entry: Path, fingerprint: dict[str, object], deck: Deck, diags: list, seen: dict[str, object]
) -> None:
    """Write through a uniquely named temp file in the same folder, renamed into place;
    the temp file goes on any failure, and ones left by killed writes are swept."""
    data = _signed_entry(fingerprint, deck, diags, seen)
    if data is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(entry.parent, ".json")
        write_cache_file(entry, data)
    except OSError:
        pass  # a read-only or full cache dir only costs speed


# --- the secret ------------------------------------------------------------------

KEY_NAME = "deck-cache.key"
_KEY_BYTES = 32
_KEYS: dict[str, bytes] = {}


def _key() -> bytes:
    """This user's secret for entry MACs, made on first use (one per data folder). A
    data folder that cannot hold it gets one for this process only: its entries then
    serve this process alone, which costs speed, never safety."""
    from srcquiz.paths import data_dir

    path = data_dir() / KEY_NAME
    key = _KEYS.get(str(path))
    if key is None:
        key = _read_key(path) or _make_key(path)
        _KEYS[str(path)] = key
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        key = read_regular(path, 4 * _KEY_BYTES)
    except OSError:
        return None
    return key if len(key) == _KEY_BYTES else None


def _make_key(path: Path) -> bytes:
    """A new key, linked into place only if none is there yet (so concurrent first
    runs agree on one); the file is complete before it has its name."""
    key = os.urandom(_KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(key)
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except FileExistsError:
        return _read_key(path) or key
    except OSError:
        pass
    return key


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
    """The deck as JSON data. Each question's plain fields (texts, numbers, flags) are
    its row, a JSON object that becomes the question's `__dict__` as it is; fields at
    their default are left out (the class attribute holds the default). Fields that
    need converting (positions, tuples, anchors, examples) are columns per kind, each
    converted whole; a column whose every value is the default is `null`."""
    kinds = [KINDS.index(q.kind) for q in deck.questions]
    rows: list[dict[str, object]] = []
    tables = kind_tables()
    columns: list[list[list[object] | None]] = [[None for _ in t.fields] for t in tables]
    for q, k in zip(deck.questions, kinds, strict=True):
        table, row = tables[k], {}
        defaults = table.defaults
        for i, name in enumerate(table.fields):
            value = getattr(q, name)
            if name in table.row_fields:
                default = defaults.get(name, _NO_DEFAULT)
                if not (value is default or value == default):
                    row[name] = value
                continue
            column = columns[k]
            if column[i] is None:
                column[i] = []
            column[i].append(_json_value(name, value))  # type: ignore[union-attr]
        rows.append(row)
    for k, (kind, table) in enumerate(zip(KINDS, tables, strict=True)):
        for i, name in enumerate(table.fields):  # at its default in every question: null
            default = table.defaults.get(name, _NO_DEFAULT)
            values = columns[k][i]
            if values is not None and all(
                getattr(q, name) == default for q in deck.questions if q.kind == kind
            ):
                columns[k][i] = None
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
        "rows": rows,
        "columns": columns,
        "diags": [[d.line, d.column, d.severity, d.message] for d in diags],
    }
