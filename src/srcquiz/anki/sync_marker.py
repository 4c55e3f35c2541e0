"""A sync with nothing new on either side skips the merge: the marker a finished
sync leaves says what both sides looked like.

The Anki side is its collection's modification time (any change, ours, the
learner's or one a server sync brought, moves it). The srcquiz side is the
decks (their content and the code that turns them into notes), the desired
retention, and the review log: its highest id, its size and the number of
rating overrides, all read in microseconds from the log's b-trees.

The decks are first compared by their files' size, modification time and inode
(with the code's): only when those moved are the files read and hashed, so a
sync with nothing changed reads no deck. The log's highest id is taken *before*
the merge read anything (with the override count), and its size after the sync
finished; a review logged in another terminal during a sync is newer than that
id and has no event id yet, so the next sync finds it (`SyncLog.unsynced_after`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from srcquiz import __version__
from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.deck.model import Deck
from srcquiz.files import read_regular, stat_stamp
from srcquiz.progress.store import Store

# The modules whose code decides what a note looks like.
_NOTE_CODE = ("exporter.py", "note_types.py", "html.py", "highlight.py", "sync_notes.py")


def decks_fingerprint(decks: Sequence[Deck], parent: str) -> str:
    """The decks' content and the code that reads them and makes notes of them: a
    deck read from a file is its file's bytes (hashing them is far cheaper than the
    deck), any other its full repr."""
    digest = hashlib.sha256(f"{_code_digest()}\n{parent}\n".encode())
    for deck in decks:
        digest.update(f"\n{deck.id}\n{deck.path}\n".encode())
        try:
            source = read_regular(Path(deck.path), MAX_DECK_BYTES) if deck.path else None
        except (OSError, ValueError):
            source = None
        digest.update(repr(deck).encode() if source is None else source)
    return digest.hexdigest()


def decks_stamp(decks: Sequence[Deck], parent: str) -> str:
    """What the deck files and the code look like from outside (size, modification
    time, inode): equal stamps mean an equal fingerprint without reading a file."""
    digest = hashlib.sha256(f"{_code_stamp()}\n{parent}\n".encode())
    for deck in decks:
        digest.update(f"\n{deck.id}\n{deck.path}\n".encode())
        digest.update((stat_stamp(deck.path) if deck.path else repr(deck)).encode())
    return digest.hexdigest()


def _code_files() -> list[Path]:
    here = Path(__file__).parent
    return [here / name for name in _NOTE_CODE] + sorted((here.parent / "deck").glob("*.py"))


@functools.cache
def _code_digest() -> str:
    """srcquiz's version and the code that reads decks and makes notes, once a process."""
    digest = hashlib.sha256(__version__.encode())
    for path in _code_files():
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _code_stamp() -> str:
    return "\n".join([__version__, *(f"{p.name} {stat_stamp(p)}" for p in _code_files())])


class Marker:
    """The state both sides were in when the last sync with one collection finished."""

    def __init__(self, path: Path, decks: Sequence[Deck], parent: str, retention: float):
        self.path = path
        self.decks, self.parent, self.retention = decks, parent, retention
        self.stamp = decks_stamp(decks, parent)
        self._fingerprint: str | None = None
        self.known_notes: str | None = None  # the notes' stamp, when they needed no check

    def fingerprint(self, saved: dict[str, Any] | None = None) -> str:
        """The decks' fingerprint: the saved one while the stamp has not moved."""
        if self._fingerprint is None:
            if saved is not None and saved.get("stamp") == self.stamp:
                self._fingerprint = str(saved.get("srcquiz", {}).get("decks"))
            else:
                self._fingerprint = decks_fingerprint(self.decks, self.parent)
        return self._fingerprint

    def watermark(self, store: Store) -> dict[str, Any]:
        """The review log's mark; take it before the merge reads the store."""
        top, _, edits = store.review_mark()
        return {"top": top, "edits": edits}

    def _load(self) -> dict[str, Any] | None:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return saved if isinstance(saved, dict) else None

    def unchanged(self, store: Store, col_mod: int) -> bool:
        saved = self._load()
        if saved is None or saved.get("col_mod") != col_mod:
            return False
        try:
            mark, ours = saved["reviews"], saved["srcquiz"]
            top, size, edits = int(mark["top"]), int(mark["size"]), int(mark["edits"])
            if ours["retention"] != self.retention:
                return False
        except (KeyError, TypeError, ValueError):
            return False
        now_top, now_size, now_edits = store.review_mark()
        if now_top < top or (now_size, now_edits) != (size, edits):
            return False
        if self.fingerprint(saved) != ours["decks"] or store.unsynced_after(top) != 0:
            return False
        if saved.get("stamp") != self.stamp:  # touched, not changed: no need to read again
            self._write({**saved, "stamp": self.stamp})
        return True

    def notes_unchanged(self, notes: str) -> bool:
        """Whether neither the decks nor the collection's srcquiz notes (`notes`: their
        `note_stamp`) changed since the last sync: then the notes need no checking."""
        saved = self._load()
        if saved is None or saved.get("notes") != notes:
            return False
        try:
            same = bool(self.fingerprint(saved) == saved["srcquiz"]["decks"])
        except (KeyError, TypeError):
            return False
        self.known_notes = notes if same else None  # the merge leaves them so
        return same

    def save(
        self, store: Store, mark: dict[str, Any], col_mod: int, notes: str | None = None
    ) -> None:
        """Record a finished sync: `mark` from before it, the log's size and the notes'
        stamp from now."""
        srcquiz = {"decks": self.fingerprint(self._load()), "retention": self.retention}
        reviews = {**mark, "size": store.review_mark()[1]}
        self._write(
            {
                "srcquiz": srcquiz,
                "stamp": self.stamp,
                "reviews": reviews,
                "col_mod": col_mod,
                "notes": notes,
            }
        )

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def forget(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
