"""What the command-line arguments mean: which decks and which progress database.

Both front ends start here (the line mode and the app), so the rules for
`--decks`, `--db` and deck ids live once.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from srcquiz.errors import UserError

if TYPE_CHECKING:
    import argparse

    from srcquiz.deck.model import Deck
    from srcquiz.progress.store import Store

    Args = argparse.Namespace | SimpleNamespace


def deck_paths(args: Args) -> list[Path]:
    if getattr(args, "decks", None):
        return list(args.decks)
    from srcquiz.paths import default_deck_dirs

    return default_deck_dirs()


def db_path(args: Args) -> Path:
    if getattr(args, "db", None):
        return args.db
    from srcquiz.paths import default_db_path

    return default_db_path()


def load_selected(args: Args, deck_ids: Sequence[str] = ()) -> list[Deck]:
    """Load decks, print problems of broken ones to stderr, keep the rest."""
    from srcquiz.deck.loader import load_decks

    paths = deck_paths(args)
    for p in paths:
        if not p.exists():
            raise UserError(f"{p}: no such deck file or folder.")
    decks, diags = load_decks(paths, cache=True)
    for d in diags:
        if d.severity == "error":
            print(d, file=sys.stderr)
    if deck_ids:
        check_deck_ids(decks, deck_ids)
        by_id = {d.id: d for d in decks}
        decks = [by_id[i] for i in deck_ids]
    if not decks:
        raise UserError("no decks to study: none were found or all have errors (srcquiz lint).")
    return decks


def check_deck_ids(decks: Sequence[Deck], deck_ids: Sequence[str]) -> None:
    """One sentence naming the ids no loaded deck has, and the ids there are."""
    known = {d.id for d in decks}
    missing = [i for i in deck_ids if i not in known]
    if missing:
        names = ", ".join(sorted(known)) or "none"
        raise UserError(f"no deck with id {', '.join(missing)} (decks: {names}).")


def open_store(args: Args) -> Store:
    """The progress database the arguments name, opened after today's backup."""
    from srcquiz.progress.backup import open_with_backup

    return open_with_backup(db_path(args))
