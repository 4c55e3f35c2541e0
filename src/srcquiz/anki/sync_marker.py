"""A sync with nothing new on either side skips the merge: the marker a finished
sync leaves says what both sides looked like.

The Anki side is its collection's modification time (any change, ours, the
learner's or one a server sync brought, moves it). The srcquiz side is the
decks (their content and the code that turns them into notes), the desired
retention, and the review log as the merge saw it: the highest review id it
read, with the count and rating total up to it, taken *before* the merge read
anything, so a review logged in another terminal during a sync is found by the
next one (it is newer than the watermark and has no event id yet).
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
from srcquiz.files import read_regular
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


@functools.cache
def _code_digest() -> str:
    """srcquiz's version and the code that reads decks and makes notes, once a process."""
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    for path in [here / name for name in _NOTE_CODE] + sorted((here.parent / "deck").glob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Marker:
    """The state both sides were in when the last sync with one collection finished."""

    def __init__(self, path: Path, decks: Sequence[Deck], parent: str, retention: float):
        self.path = path
        self.srcquiz = {"decks": decks_fingerprint(decks, parent), "retention": retention}

    def watermark(self, store: Store) -> dict[str, Any]:
        """The review log's mark; take it before the merge reads the store."""
        top, count, ratings = store.review_watermark()
        return {"top": top, "count": count, "ratings": ratings}

    def unchanged(self, store: Store, col_mod: int) -> bool:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            mark = saved["reviews"]
            top = int(mark["top"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if saved.get("srcquiz") != self.srcquiz or saved.get("col_mod") != col_mod:
            return False
        if store.review_watermark(top) != (top, mark["count"], mark["ratings"]):
            return False
        return store.unsynced_after(top) == 0

    def save(self, mark: dict[str, Any], col_mod: int) -> None:
        data = {"srcquiz": self.srcquiz, "reviews": mark, "col_mod": col_mod}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def forget(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
