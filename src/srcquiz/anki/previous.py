"""What Anki already holds: the srcquiz package an export replaces, read back.

An Anki import only adds and updates notes. It never deletes a note or a card,
never moves a card to another deck, and skips a note whose GUID now comes with
another note type. So some deck edits need the previous export to be handled:

- a question whose `kind` changed gets a new note (its GUID also hashes the new
  kind) instead of a conflict Anki would skip; the old note stays in Anki;
- a question no longer in its deck leaves its note behind in Anki;
- a card whose `reversed` was turned off keeps its reverse card in Anki, blank
  unless the `Reverse` field says something;
- a deck whose title changed gets a new, empty Anki deck, its cards staying put.

Notes left behind are exported once more, tagged `srcquiz::retired` with a line
on the card saying why (so nothing is silently stale), and `export` reports each
change in one line. The package at the output path is the memory: this module
only reads it (an unreadable or foreign file simply means nothing to compare).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import sqlite3
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from srcquiz.anki.html import DECK_META_RE, data_json, esc
from srcquiz.anki.note_types import NOTE_TYPE_BY_ID

RETIRED_TAG = "srcquiz::retired"
DECK_TAG = "srcquiz::deck::"
# A package's collection larger than this is not one srcquiz wrote for a deck set.
MAX_COLLECTION_BYTES = 512 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
# A previous collection up to this size is compared in memory; a larger one from a
# copy on disk (a 10k-note export's is 20 MB, a 100k-note one's 200 MB).
IN_MEMORY_BYTES = 32 * 1024 * 1024
# The `Reverse` field of a card whose deck turned `reversed` off; the card shows it.
REVERSE_RETIRED = (
    '<div class="sq-retired">srcquiz no longer asks this side: the deck turned '
    "<code>reversed</code> off. Suspend this card (Anki cannot delete one card of a "
    "note on import).</div>"
)
MAX_NOTICES = 12


@dataclass(slots=True)
class PreviousNote:
    guid: str
    kind: str
    tags: list[str]
    fields: list[str] | None = None  # read when needed: `Previous.fields_of`

    @property
    def retired(self) -> bool:
        return RETIRED_TAG in self.tags


_KIND_BY_MID = {nt.id: nt.kind for nt in NOTE_TYPE_BY_ID.values()}
_CARD_MID = next(mid for mid, kind in _KIND_BY_MID.items() if kind == "card")


class Previous:
    """The notes and deck names of the package an export replaces. Every export
    reads this, so it keeps only each note's type and tags (and a card note's
    `Reverse`), and holds the package's collection open (in memory, or a copy on
    disk) to read whole fields when needed: call `close()` when done (it removes
    the copy)."""

    def __init__(
        self, db: sqlite3.Connection, deck_names: dict[str, str], copy: Path | None = None
    ) -> None:
        self.deck_names = deck_names  # srcquiz deck id -> Anki deck name
        self.rows: dict[str, tuple[int, str]] = {}  # guid -> (note type id, tags)
        self.reverse: dict[str, str] = {}  # a card note's guid -> its Reverse field
        self._db = db
        self._copy = copy  # the collection's temporary copy (if any), removed by `close`
        self._indexed = False
        self._by_deck: dict[str | None, list[tuple[int, str]]] | None = None

    def close(self) -> None:
        self._db.close()
        if self._copy is not None:
            self._copy.unlink(missing_ok=True)

    def kind_of(self, guid: str) -> str | None:
        row = self.rows.get(guid)
        return None if row is None else _KIND_BY_MID[row[0]]

    def unused(self, used: set[str], deck_id: str) -> list[PreviousNote]:
        """Its notes of this deck (by their deck tag, or any without one) not in `used`
        and not retired yet."""
        if self._by_deck is None:
            self._by_deck = self._index_by_deck()
        mine = sorted((*self._by_deck.get(deck_id, ()), *self._by_deck.get(None, ())))
        out = []
        for _, guid in mine:
            if guid not in used:
                mid, tags = self.rows[guid]
                out.append(PreviousNote(guid, _KIND_BY_MID[mid], tags.split()))
        return out

    def _index_by_deck(self) -> dict[str | None, list[tuple[int, str]]]:
        """Notes not retired yet by the srcquiz deck ids their tags name (None: no deck
        tag), each as (place in the package, guid): every row's tags are read once,
        not once for each deck of the export."""
        index: dict[str | None, list[tuple[int, str]]] = {}
        for at, (guid, (_, tags)) in enumerate(self.rows.items()):
            words = tags.split()
            if RETIRED_TAG in words:
                continue
            decks: set[str | None] = {w[len(DECK_TAG) :] for w in words if w.startswith(DECK_TAG)}
            for deck in decks or {None}:
                index.setdefault(deck, []).append((at, guid))
        return index

    def fields_of(self, note: PreviousNote) -> list[str]:
        if note.fields is None:
            if not self._indexed:  # the package has no index on guid; lookups need one
                self._db.execute("CREATE INDEX IF NOT EXISTS sq_guid ON notes (guid)")
                self._indexed = True
            row = self._db.execute("SELECT flds FROM notes WHERE guid = ?", (note.guid,)).fetchone()
            note.fields = str(row[0]).split("\x1f") if row else []
        return note.fields

    def data(self, note: PreviousNote) -> dict[str, Any] | None:
        """The note's `Srcquiz` JSON (deck id and question), if intact."""
        try:
            value = json.loads(self.fields_of(note)[-1])
        except (ValueError, IndexError):
            return None
        ok = isinstance(value, dict) and isinstance(value.get("q"), dict)
        return value if ok and isinstance(value.get("deck"), str) else None


def read_previous(path: Path) -> Previous | None:
    """The srcquiz notes in the package at `path`; None when there is no such
    package (no file, not a zip, another program's package, damaged).

    A collection up to `IN_MEMORY_BYTES` (the decks people export) is read into
    memory, the fastest way; a larger one is copied to a temporary file beside the
    package and read from there through SQLite's page cache, so a 100k-note
    collection (200 MB) never sits in memory. `Previous.close` removes the copy."""
    try:
        opened = _open_collection(path)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, zlib.error, EOFError):
        return None
    if opened is None:
        return None
    db, copy = opened
    try:
        ((decks_json,),) = db.execute("SELECT decks FROM col").fetchall()
        prev = Previous(db, _deck_names(json.loads(decks_json)), copy)
        rows = db.execute(
            "SELECT guid, mid, tags, CASE WHEN mid = ? THEN flds END FROM notes", (_CARD_MID,)
        )
        for guid, mid, tags, flds in rows:
            if mid in _KIND_BY_MID and type(guid) is str and type(tags) is str:
                prev.rows[guid] = (mid, tags)
                if flds is not None:  # a card note: its Reverse field, for `retired_reverse`
                    parts = str(flds).split("\x1f", 3)
                    prev.reverse[guid] = parts[2] if len(parts) > 2 else ""
    except (sqlite3.Error, ValueError, TypeError, AttributeError):
        db.close()
        if copy is not None:
            copy.unlink(missing_ok=True)
        return None
    return prev


def _open_collection(path: Path) -> tuple[sqlite3.Connection, Path | None] | None:
    """The package's collection, open: in memory, or from a temporary copy (then
    also its path). None when the package holds none, or one larger than a srcquiz
    export could be, or a damaged one."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("collection.anki2")
        if info.file_size > MAX_COLLECTION_BYTES:
            return None
        if info.file_size <= IN_MEMORY_BYTES:
            data = _collection_bytes(path, z, info)
            db = sqlite3.connect(":memory:")
            try:
                db.deserialize(data)
            except sqlite3.Error:
                db.close()
                return None
            return db, None
        copy = _collection_copy(path, z, info)
    if copy is None:
        return None
    try:
        db = sqlite3.connect(copy)
        db.execute("PRAGMA journal_mode=OFF")  # a throw-away copy: its index needs no journal
    except sqlite3.Error:
        copy.unlink(missing_ok=True)
        return None
    return db, copy


def _stored_start(path: Path, info: zipfile.ZipInfo) -> int | None:
    """Where an uncompressed member's bytes start in the archive (None: compressed,
    or not where its header says). srcquiz stores the collection uncompressed, so
    it is read straight from there: the CRC pass of `ZipFile.read` costs more than
    the read, on every export, and damage shows as SQLite errors anyway."""
    if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
        return None
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
    if header[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _collection_bytes(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    start = _stored_start(path, info)
    if start is None:
        return z.read(info)
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(info.file_size)


def _collection_copy(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> Path | None:
    """The collection copied to `.NAME.*.previous.tmp` beside the package (None if
    the member holds less than it declares)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".previous.tmp", dir=path.parent)
    copy = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            start = _stored_start(path, info)
            if start is None:
                _copy_member(z, info, out)
            else:
                _copy_stored(path, start, info.file_size, out)
            complete = out.tell() == info.file_size
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    if not complete:
        copy.unlink(missing_ok=True)
        return None
    return copy


def _copy_stored(path: Path, start: int, size: int, out: IO[bytes]) -> None:
    """`size` bytes of the archive from `start`, copied by the kernel where it can
    (no pass through Python's memory), else in chunks."""
    with open(path, "rb") as src:
        done = 0
        while done < size:
            count = min(size - done, CHUNK_BYTES * 64)
            try:
                n = os.copy_file_range(src.fileno(), out.fileno(), count, start + done)
            except (AttributeError, OSError):  # not Linux, or across older file systems
                src.seek(start + done)
                n = out.write(src.read(min(count, CHUNK_BYTES)))
            if n <= 0:
                break
            done += n
            out.seek(done)


def _copy_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes]) -> None:
    """A compressed member, decompressed in chunks; at most one byte past its
    declared size is read (a member holding more is not trusted further)."""
    with z.open(info) as src:
        while chunk := src.read(min(CHUNK_BYTES, info.file_size + 1 - out.tell())):
            out.write(chunk)


def _deck_names(decks: Any) -> dict[str, str]:
    """srcquiz deck id -> Anki deck name, from the settings each deck's description holds."""
    out: dict[str, str] = {}
    for deck in decks.values() if isinstance(decks, dict) else ():
        m = DECK_META_RE.search(str(deck.get("desc", ""))) if isinstance(deck, dict) else None
        if m is None:
            continue
        try:
            meta = json.loads(m.group(1))
        except ValueError:
            continue
        if isinstance(meta, dict) and isinstance(meta.get("id"), str):
            out[meta["id"]] = str(deck.get("name", ""))
    return out


def retired_fields(prev: Previous, note: PreviousNote, why: str) -> list[str]:
    """The old note's fields with a notice on the card and `retired` in its data,
    so `srcquiz import` can tell it from the live question."""
    fields = list(prev.fields_of(note))
    fields[0] = f'<div class="sq-retired">{esc(why)}</div>{fields[0]}'
    data = prev.data(note)
    if data is not None:
        data["retired"] = why
        fields[-1] = data_json(data)
    return fields


def retired_tags(note: PreviousNote) -> list[str]:
    return [t for t in note.tags if t != RETIRED_TAG] + [RETIRED_TAG]


def capped(lines: list[str]) -> list[str]:
    """At most `MAX_NOTICES` lines, then one saying how many more there are."""
    if len(lines) <= MAX_NOTICES:
        return lines
    rest = len(lines) - MAX_NOTICES + 1
    return [*lines[: MAX_NOTICES - 1], f"... and {rest} more like these."]


# -- note identity over exports -------------------------------------------------


def note_guid(deck_id: str, question_id: str) -> str:
    """The note's Anki GUID, fixed forever by the deck and question ids (`/` cannot
    occur in an id, so no two pairs collide): 64 bits of SHA-256, in base64."""
    digest = hashlib.sha256(f"srcquiz:{deck_id}/{question_id}".encode()).digest()
    return binascii.b2a_base64(digest[:8], newline=False).decode("ascii").rstrip("=")


def kind_guid(deck_id: str, question_id: str, kind: str) -> str:
    """The GUID of a question's note once its kind changed: Anki skips a note whose
    GUID comes with another note type, so the new kind needs a new note. It hashes
    the kind too, and never equals a `note_guid` (`/` cannot occur in an id)."""
    return note_guid(deck_id, f"{question_id}/{kind}")


def choose_guid(
    prev: Previous | None, deck_id: str, question_id: str, kind: str, guid: str = ""
) -> str:
    """`note_guid` (pass it as `guid` if known), unless the previous export holds that
    GUID with another kind: then `kind_guid`, kept while the previous export uses it."""
    guid = guid or note_guid(deck_id, question_id)
    if prev is None:
        return guid
    old = prev.kind_of(guid)
    if old == kind:
        return guid
    moved = kind_guid(deck_id, question_id, kind)
    return moved if old is not None or prev.kind_of(moved) == kind else guid


def retired_reverse(prev: Previous, guid: str, where: str) -> tuple[str, str]:
    """The `Reverse` field of a card note whose deck turned `reversed` off, and a
    notice the first time: Anki keeps the reverse card it made, which must not go
    blank, so the field then holds `REVERSE_RETIRED` for the card to show."""
    was = prev.reverse.get(guid, "")
    if not was:
        return "", ""
    if was == REVERSE_RETIRED:
        return REVERSE_RETIRED, ""
    return REVERSE_RETIRED, (
        f"`{where}` no longer has a reverse side: an import cannot delete that card in "
        "Anki, so the card now asks to be suspended."
    )


def renamed_deck(prev: Previous, deck_id: str, name: str) -> str:
    """A notice when the deck's Anki name changed since the previous export."""
    old = prev.deck_names.get(deck_id)
    if not old or old == name:
        return ""
    return (
        f'deck `{deck_id}` is now "{name}", was "{old}": Anki leaves existing cards in '
        f'"{old}", so rename that deck to "{name}" in Anki before importing (or move its '
        "cards there and delete the empty one after)."
    )


def leftovers(
    prev: Previous, deck_id: str, kinds: dict[str, str], used: set[str]
) -> list[tuple[PreviousNote, list[str], list[str], str]]:
    """Notes of this deck that the previous export had and this one does not (the
    question was removed or changed kind), not yet retired: each with its retired
    fields and tags, to export once more, and a notice. Anki keeps such notes, and
    nothing may stay stale silently."""
    out = []
    for old in prev.unused(used, deck_id):
        data = prev.data(old)
        if data is None or data["deck"] != deck_id:
            continue
        qid = str(data["q"].get("id", "?"))
        now = kinds.get(qid)
        if now is not None and now != old.kind:
            why = (
                f"This question is a {now} question now; srcquiz made a new note for it. "
                f"Delete this one (Browse: tag:{RETIRED_TAG})."
            )
            notice = (
                f"`{deck_id}/{qid}` changed kind ({old.kind} → {now}): Anki gets a new note "
                f"and keeps the old {old.kind} note and its history, tagged {RETIRED_TAG}; "
                "delete it there."
            )
        else:
            why = (
                "This question is no longer in its srcquiz deck. "
                f"Delete this note (Browse: tag:{RETIRED_TAG})."
            )
            notice = (
                f"`{deck_id}/{qid}` is no longer in the deck: Anki keeps its note, tagged "
                f"{RETIRED_TAG}; delete it there."
            )
        out.append((old, retired_fields(prev, old, why), retired_tags(old), notice))
    return out
