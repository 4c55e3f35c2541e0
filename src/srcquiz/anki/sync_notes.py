"""`srcquiz sync`, notes: an Anki collection's srcquiz notes follow the decks.

The decks are the source of truth. Each question is the note `srcquiz export`
writes for it (same note types, fields and GUID), so a collection that imported
an exported package continues with the same notes, cards and history. New
questions are added through Anki's own package import, which brings the note
types with their fixed ids, the decks and the media; changed questions are
updated in place (Anki makes the cards a new reverse side or cloze number
needs, and the cards a question no longer has are removed, never left blank);
questions gone from a deck that is synced lose their note; a question whose
kind changed gets a new note of its new type (the old cards' Anki history stays
in Anki's review log, srcquiz keeps it under the card's key).

A note edited in Anki (its prompt, answer, cloze text, explanation or hint no
longer what srcquiz wrote, judged exactly as `srcquiz import` judges it) is
left as it is and listed, so the edit is not lost: `srcquiz import` of an
export of the collection brings it into the YAML.

Every step is its own Anki transaction and compares the collection with the
decks afresh, so a sync cut short anywhere is finished by the next one, and a
sync with nothing changed writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from srcquiz.anki.exporter import (
    AnkiDeck,
    AnkiNote,
    MediaCollector,
    build_anki_decks,
    package_bytes,
    write_package,
)
from srcquiz.anki.note_types import NOTE_TYPE_BY_ID, NOTE_TYPES, NoteType, anki_cards
from srcquiz.anki.sync_report import NoteReport, Progress, quiet, watch
from srcquiz.deck.kinds import Question
from srcquiz.deck.model import Deck

OUR_NOTE_TYPE_IDS = tuple(sorted(NOTE_TYPE_BY_ID))
DATA_FIELD = "Srcquiz"


def card_key(q: Question, ord_: int) -> str | None:
    """The srcquiz card key of the question's Anki card `ord_` (None: no such card)."""
    return anki_cards(q).get(ord_)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A note the decks want in the collection."""

    deck: Deck
    question: Question
    note: AnkiNote
    anki_deck: AnkiDeck


def wanted_notes(decks: Sequence[Deck], parent: str) -> tuple[dict[str, Wanted], MediaCollector]:
    """Every note the decks want, by GUID, built exactly as `srcquiz export` builds it."""
    media = MediaCollector()
    anki_decks = build_anki_decks(decks, parent, media)
    wanted: dict[str, Wanted] = {}
    for deck, anki_deck in zip(decks, anki_decks, strict=True):
        for q, note in zip(deck.questions, anki_deck.notes, strict=True):
            wanted[note.guid] = Wanted(deck, q, note, anki_deck)
    return wanted, media


def _same(fields: Sequence[str], tags: str, want: AnkiNote) -> bool:
    ours = [unicodedata.normalize("NFC", f) for f in want.fields]  # as Anki stores text
    return list(fields) == ours and {t.casefold() for t in tags.split()} == {
        t.casefold() for t in want.tags
    }


def edited_in_anki(nt: NoteType, fields: Sequence[str]) -> bool:
    """Whether a learner edited this srcquiz note in Anki: the rule `srcquiz import`
    uses to take such edits, applied to the question the note's data field holds."""
    from srcquiz.anki.importer import apply_anki_edits, data_to_question

    try:
        data = json.loads(fields[nt.fields.index(DATA_FIELD)])
        deck_id, q = data["deck"], data_to_question(data["q"])
        if not isinstance(deck_id, str):
            return False
    except (ValueError, KeyError, TypeError, IndexError):
        return False  # not readable as srcquiz's: the deck's version replaces it
    return apply_anki_edits(deck_id, q, nt, list(fields)) != apply_anki_edits(deck_id, q, nt, [])


def _data_deck(nt: NoteType, fields: Sequence[str]) -> str | None:
    try:
        deck_id = json.loads(fields[nt.fields.index(DATA_FIELD)])["deck"]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return deck_id if isinstance(deck_id, str) else None


def _label(nt: NoteType, fields: Sequence[str], fallback: str) -> str:
    try:
        data = json.loads(fields[nt.fields.index(DATA_FIELD)])
        return f"{data['deck']}/{data['q']['id']}"
    except (ValueError, KeyError, TypeError, IndexError):
        return fallback


def note_stamp(col: Any) -> str:
    """A digest of the collection's srcquiz notes (fields, tags, type) and their cards:
    while it and the decks stand still, the notes need no checking (`Marker`). Read
    whole, not by modification time, which Anki keeps in seconds only."""
    marks = ",".join("?" * len(OUR_NOTE_TYPE_IDS))
    digest = hashlib.sha256()
    for row in col.db.all(
        f"SELECT id, guid, mid, flds, tags FROM notes WHERE mid IN ({marks}) ORDER BY id",
        *OUR_NOTE_TYPE_IDS,
    ):
        digest.update(repr(row).encode())
    for row in col.db.all(
        f"SELECT c.id, c.nid, c.ord FROM cards c JOIN notes n ON n.id = c.nid "
        f"WHERE n.mid IN ({marks}) ORDER BY c.id",
        *OUR_NOTE_TYPE_IDS,
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def our_notes(col: Any) -> list[tuple[int, str, int, list[str], str]]:
    """(note id, GUID, note type id, fields, tags) of every note of srcquiz's types."""
    marks = ",".join("?" * len(OUR_NOTE_TYPE_IDS))
    rows = col.db.all(
        f"SELECT id, guid, mid, flds, tags FROM notes WHERE mid IN ({marks})", *OUR_NOTE_TYPE_IDS
    )
    return [(nid, guid, mid, flds.split("\x1f"), tags) for nid, guid, mid, flds, tags in rows]


def sync_notes(
    col: Any,
    wanted: Mapping[str, Wanted],
    media: MediaCollector,
    deck_ids: AbstractSet[str],
    progress: Progress = quiet,
) -> NoteReport:
    """Bring the collection's srcquiz notes of the decks `deck_ids` in step with the
    notes they want (`wanted_notes`)."""
    report = NoteReport()
    updates: dict[int, Wanted] = {}
    doomed: list[int] = []
    present: set[str] = set()
    for nid, guid, mid, fields, tags in our_notes(col):
        nt = NOTE_TYPE_BY_ID[mid]
        want = wanted.get(guid)
        if want is None:
            if _data_deck(nt, fields) in deck_ids:  # its question left a synced deck
                if edited_in_anki(nt, fields):
                    report.edited.append(_label(nt, fields, guid))
                else:
                    doomed.append(nid)
            continue
        present.add(guid)
        if NOTE_TYPES[want.note.kind].id != mid:
            report.retyped.append(f"{want.deck.id}/{want.question.id}")
            doomed.append(nid)
            present.discard(guid)
        elif _same(fields, tags, want.note):
            continue
        elif edited_in_anki(nt, fields):
            report.edited.append(f"{want.deck.id}/{want.question.id}")
        else:
            updates[nid] = want
    if doomed:
        col.remove_notes(doomed)
        report.removed = len(doomed) - len(report.retyped)
    fresh = [w for guid, w in wanted.items() if guid not in present]
    if fresh:
        progress("adding notes", 0, len(fresh))
        with watch(col, progress, "adding notes", announce=False):
            _add(col, fresh, media)
        progress("adding notes", len(fresh), len(fresh))
        report.added = len(fresh) - len(report.retyped)
    if updates:
        progress("updating notes", 0, len(updates))
        _update(col, updates, media)
        progress("updating notes", len(updates), len(updates))
        report.updated = len(updates)
    edited = set(report.edited)
    keep = {g: w for g, w in wanted.items() if f"{w.deck.id}/{w.question.id}" not in edited}
    report.cards_removed = _remove_extra_cards(col, keep)
    return report


def _add(col: Any, fresh: Sequence[Wanted], media: MediaCollector) -> None:
    """New notes through Anki's own package import: note types keep their fixed ids,
    decks are matched by name, media files are copied into the collection."""
    from anki.collection import ImportAnkiPackageRequest

    by_deck: dict[int, AnkiDeck] = {}
    for w in fresh:
        shell = by_deck.setdefault(
            w.anki_deck.id, AnkiDeck(w.anki_deck.id, w.anki_deck.name, w.anki_deck.description, [])
        )
        shell.notes.append(w.note)
    collection = package_bytes(list(by_deck.values()))
    with tempfile.TemporaryDirectory(prefix="srcquiz-sync-") as tmp:
        package = Path(tmp) / "notes.apkg"
        with package.open("wb") as f:
            write_package(f, collection, media.files)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package)))


def _update(col: Any, updates: Mapping[int, Wanted], media: MediaCollector) -> None:
    folder = Path(col.media.dir())
    for name, path in media.files.items():
        if not (folder / name).exists():
            col.media.add_file(str(path))
    notes = []
    for nid, want in updates.items():
        note = col.get_note(nid)
        note.fields = list(want.note.fields)
        note.tags = list(want.note.tags)
        notes.append(note)
    col.update_notes(notes)  # Anki adds the cards a new reverse side or cloze number needs


def _remove_extra_cards(col: Any, wanted: Mapping[str, Wanted]) -> int:
    """Remove the cards a question no longer has (a reverse side turned off, a cloze
    number gone): Anki would keep them as blank cards."""
    marks = ",".join("?" * len(OUR_NOTE_TYPE_IDS))
    extra = [
        cid
        for cid, guid, ord_ in col.db.all(
            f"SELECT c.id, n.guid, c.ord FROM cards c JOIN notes n ON n.id = c.nid "
            f"WHERE n.mid IN ({marks})",
            *OUR_NOTE_TYPE_IDS,
        )
        if guid in wanted and ord_ not in wanted[guid].note.ords
    ]
    if extra:
        col.remove_cards_and_orphaned_notes(extra)
    return len(extra)
