"""Writing an Anki package: the collection database on disk, then the zip from it.

The collection of a large export is hundreds of MB of SQLite pages. Built in
memory and copied out with `serialize()`, it sat in memory twice on top of the
notes; written to a temporary file beside the package (no journal, no fsync: the
file is thrown away) and zipped straight from disk, it costs SQLite's page
cache. Note and card rows are generated as SQLite takes them, never gathered
into lists.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_NEW_CARD = (0, 0, 0, 0, 0, 0, 0, 0, "")  # ivl factor reps lapses left odue odid flags data
_SQLITE_FULL = 13  # "database or disk is full"
CHUNK_BYTES = 1024 * 1024
ZIP64_LIMIT = (1 << 31) - 1  # zipfile's own limit for a member without zip64 headers


@dataclass(slots=True)
class AnkiNote:
    guid: str
    kind: str
    fields: list[str]
    tags: list[str]
    ords: list[int]


@dataclass(slots=True)
class AnkiDeck:
    id: int
    name: str
    description: str
    notes: list[AnkiNote]
    notices: list[str] = field(default_factory=list)  # deck edits Anki cannot follow alone


def _fill(conn: sqlite3.Connection, anki_decks: Sequence[AnkiDeck]) -> None:
    """The package's collection (schema 11, as genanki writes it) into `conn`.

    genanki's schema and collection row, with the decks and note types JSON that
    `genanki.Package.write_to_db` would leave there, written once (genanki reads,
    updates and writes back both for every deck: a fifth of the bundled export). Notes
    and cards go in with one bulk insert each, holding the rows genanki's
    `Note.write_to_db` would write: its row-at-a-time inserts, per-note objects and
    scan for unescaped HTML would cost more than building every field (all deck
    text is escaped by `note_fields` already).
    """
    from srcquiz.anki.note_types import genanki_models

    models = genanki_models()
    timestamp = time.time()  # never pinned: Anki skips notes that are not newer
    mod = int(timestamp)
    first = int(timestamp * 1000)  # notes and cards take ids from here on, as genanki's
    cursor = conn.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")
    cursor.execute("PRAGMA synchronous=OFF")
    _write_col(cursor, anki_decks, models, timestamp)
    mids = {kind: model.model_id for kind, model in models.items()}
    cursor.executemany(
        "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", _note_rows(anki_decks, first, mod, mids)
    )
    cursor.executemany(
        "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        _card_rows(anki_decks, first, mod),
    )
    conn.commit()


def _write_col(
    cursor: sqlite3.Cursor, anki_decks: Sequence[AnkiDeck], models: dict[str, Any], now: float
) -> None:
    """genanki's schema and collection row, then every deck and the note types the
    decks use; a note type names the last deck using it (`did`), as genanki's does."""
    import genanki
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    decks_json, models_json = cursor.execute("SELECT decks, models FROM col").fetchone()
    decks, types = json.loads(decks_json), json.loads(models_json)
    last_deck: dict[str, int] = {}
    for deck in anki_decks:
        decks[str(deck.id)] = genanki.Deck(deck.id, deck.name, deck.description).to_json()
        last_deck.update((n.kind, deck.id) for n in deck.notes)
    for kind, did in last_deck.items():
        types[str(models[kind].model_id)] = models[kind].to_json(now, did)
    cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks), json.dumps(types)))


def _note_rows(
    anki_decks: Sequence[AnkiDeck], first: int, mod: int, mids: dict[str, int]
) -> Iterator[tuple[Any, ...]]:
    """id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data; a note's id is
    followed by its cards' ids (as one counter handed out to a note, then its cards)."""
    nid = first
    for deck in anki_decks:
        for note in deck.notes:
            tags = f" {' '.join(note.tags)} "
            yield (nid, note.guid, mids[note.kind], mod, -1, tags, "\x1f".join(note.fields),
                   note.fields[0], 0, 0, "")  # fmt: skip
            nid += 1 + len(note.ords)


def _card_rows(anki_decks: Sequence[AnkiDeck], first: int, mod: int) -> Iterator[tuple[Any, ...]]:
    """id, nid, did, ord, mod, usn, type, queue, due, then zeros and data; `due` is
    the note's place in the export, so new cards come in deck order."""
    nid, due = first, 0
    for deck in anki_decks:
        for note in deck.notes:
            for i, ord_ in enumerate(note.ords, 1):
                yield (nid + i, nid, deck.id, ord_, mod, -1, 0, 0, due, *_NEW_CARD)
            nid += 1 + len(note.ords)
            due += 1


def package_bytes(anki_decks: Sequence[AnkiDeck]) -> bytes:
    """The collection database in memory, for small packages (sync's new notes)."""
    conn = sqlite3.connect(":memory:")
    try:
        _fill(conn, anki_decks)
        return conn.serialize()
    finally:
        conn.close()


@contextmanager
def collection_file(anki_decks: Sequence[AnkiDeck], folder: Path, name: str) -> Iterator[Path]:
    """The collection database as a temporary file in `folder` (`.NAME.*.tmp`, so
    it sits beside the package being written), removed on the way out whatever
    happens. SQLite's refusals come out as OSError, as a file's would."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".collection.tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            _fill(conn, anki_decks)
        finally:
            conn.close()
        yield tmp
    except sqlite3.Error as exc:
        raise _as_os_error(exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def _as_os_error(exc: sqlite3.Error) -> OSError:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == _SQLITE_FULL:
        return OSError(errno.ENOSPC, "No space left on device")
    return OSError(errno.EIO, f"the collection could not be written ({exc})")


def write_package(out: IO[bytes], collection: bytes | Path, media: dict[str, Path]) -> None:
    """The zip: the collection (bytes, or a file streamed from disk), the media list
    and the media files. Stored, as genanki writes: deflating costs more."""
    names = sorted(media)
    with zipfile.ZipFile(out, "w") as z:
        if isinstance(collection, Path):
            _write_member(z, collection, "collection.anki2")
        else:
            z.writestr("collection.anki2", collection)
        z.writestr("media", json.dumps({str(i): n for i, n in enumerate(names)}))
        for i, name in enumerate(names):
            z.write(media[name], str(i))


def _write_member(z: zipfile.ZipFile, path: Path, name: str) -> None:
    """A file into the zip, stored, in 1 MiB chunks (`ZipFile.write` copies 8 KiB at
    a time: a third of an export's zip time for a large collection)."""
    info = zipfile.ZipInfo.from_file(path, name)
    info.compress_type = zipfile.ZIP_STORED
    with path.open("rb") as src, z.open(info, "w", force_zip64=info.file_size > ZIP64_LIMIT) as dst:
        shutil.copyfileobj(src, dst, CHUNK_BYTES)
