"""`srcquiz sync`: one schedule in srcquiz and Anki, merged both ways.

The `anki` package (Anki's own Rust backend, an optional extra) is imported
only here and in the modules this one calls, so every other command starts
without it. A sync has three halves, each safe to cut short:

1. notes: the collection's srcquiz notes follow the decks (`sync_notes`);
2. srcquiz: reviews made in Anki, ids for srcquiz's own, merged card states,
   in one store transaction;
3. Anki: srcquiz's reviews, changed ratings and merged card states, in one
   collection transaction.

Both sides are compared afresh every time (`srcquiz.anki.merge`, run by
`srcquiz.anki.sync_merge`), so a second run finishes what a killed one started
and a run with nothing new writes nothing; when neither side changed since the
last sync (`srcquiz.anki.sync_marker`) the merge is skipped altogether, and
when only reviews changed the notes are neither built nor checked. A
collection on a sync server goes through `srcquiz.anki.sync_server`, which
brings it here first and takes it back afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from srcquiz.anki.sync_marker import Marker
from srcquiz.anki.sync_report import Progress, SyncSummary
from srcquiz.deck.model import Deck
from srcquiz.errors import UserError
from srcquiz.progress.store import Store

NEEDS_ANKI = (
    "`srcquiz sync` needs the anki package (Anki's own sync client); install it with "
    "pip install 'srcquiz[anki]'."
)


def anki_available() -> None:
    """Refuse in one sentence when the optional `anki` package is missing."""
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        raise UserError(NEEDS_ANKI) from None


def open_collection(path: Path, *, create: bool = False) -> Any:
    """An open `anki.collection.Collection`, or one sentence saying why not."""
    anki_available()
    from anki.collection import Collection
    from anki.errors import DBError

    path = Path(path).expanduser()
    if not create and not path.is_file():
        raise UserError(
            f"no Anki collection at {path}: give the path of a collection.anki2 file "
            "(Anki keeps one in each profile folder)."
        )
    try:
        return Collection(str(path))
    except DBError as exc:
        raise collection_error(path, str(exc)) from None


def collection_error(path: Path, message: str) -> UserError:
    if "already open" in message.lower():
        return UserError(
            f"the Anki collection {path} is open in Anki (or being synced); close Anki and "
            "run `srcquiz sync` again."
        )
    if "toonew" in message.lower().replace(" ", ""):
        from anki.buildinfo import version

        return UserError(
            f"the Anki collection {path} was written by a newer Anki than the anki package "
            f"here ({version}); upgrade it with pip install -U 'srcquiz[anki]'."
        )
    if "notadatabase" in message.lower().replace(" ", "") or "not a database" in message:
        return UserError(f"{path} is not an Anki collection (not an SQLite database).")
    return UserError(f"cannot open the Anki collection {path}: {message.strip().rstrip('.')}.")


def sync_file(
    path: Path, store: Store, decks: Sequence[Deck], *, progress: Progress | None = None
) -> SyncSummary:
    """`srcquiz sync --collection PATH`: merge with a collection file (Anki closed)."""
    from srcquiz.paths import data_dir

    col = open_collection(path)
    try:
        where = str(Path(path).expanduser().resolve()).encode()
        name = hashlib.sha256(where).hexdigest()[:16]
        marker = new_marker(data_dir() / "anki-sync" / "files" / f"{name}.json", store, decks)
        summary, mark = merge_marked(col, store, decks, marker, progress)
        if mark is not None:
            from srcquiz.anki.sync_notes import note_stamp  # loaded by the merge

            marker.save(store, mark, col.mod, notes=marker.known_notes or note_stamp(col))
        return summary
    finally:
        col.close()


def new_marker(path: Path, store: Store, decks: Sequence[Deck], parent: str = "srcquiz") -> Marker:
    from srcquiz.study.scheduler import load_settings

    return Marker(path, decks, parent, load_settings(store).desired_retention)


def merge_marked(
    col: Any, store: Store, decks: Sequence[Deck], marker: Marker, progress: Progress | None
) -> tuple[SyncSummary, dict[str, Any] | None]:
    """`merge_collection`, skipped when neither side changed since the last sync; the
    review log's mark to save once this sync is complete (None: skipped)."""
    if marker.unchanged(store, col.mod):
        return SyncSummary(), None
    from srcquiz.anki.sync_merge import merge_collection  # the merge's modules, only now
    from srcquiz.anki.sync_notes import note_stamp

    mark = marker.watermark(store)
    known = marker.notes_unchanged(note_stamp(col))
    return merge_collection(col, store, decks, progress=progress, notes_known=known), mark
