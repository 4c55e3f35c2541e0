"""What the command-line arguments mean: which decks and which progress database.

Both front ends start here (the line mode and the app), so the rules for
`--decks`, `--db` and deck ids live once.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

from srcquiz.errors import UserError

if TYPE_CHECKING:
    import argparse

    from srcquiz.deck.diagnostics import Diagnostic
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


class SkippedDeck(NamedTuple):
    """A deck file that was not loaded, with every problem found in it (errors first)."""

    path: str
    problems: tuple[Diagnostic, ...]

    @property
    def first_error(self) -> Diagnostic:
        return self.problems[0]


def skipped_decks(decks: Sequence[Deck], diags: Sequence[Diagnostic]) -> list[SkippedDeck]:
    """The files among `diags` with an error and no loaded deck, in the order found."""
    loaded = {d.path for d in decks}
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diags:
        if d.path not in loaded:
            by_path.setdefault(d.path, []).append(d)
    return [
        SkippedDeck(path, tuple(sorted(found, key=_problem_order)))
        for path, found in by_path.items()
        if any(d.severity == "error" for d in found)
    ]


def _problem_order(d: Diagnostic) -> tuple[bool, int, int]:
    return d.severity != "error", d.line, d.column


def load_all(args: Args) -> tuple[list[Deck], list[SkippedDeck]]:
    """Every deck the arguments name, and the deck files skipped for their errors.

    The full-screen app shows the skipped ones itself (stderr is hidden behind it);
    the commands print them (`load_selected`)."""
    from srcquiz.deck.loader import load_decks

    paths = deck_paths(args)
    for p in paths:
        if not p.exists():
            raise UserError(f"{p}: no such deck file or folder.")
    decks, diags = load_decks(paths, cache=True)
    return decks, skipped_decks(decks, diags)


def no_decks_error(skipped: Sequence[SkippedDeck]) -> UserError:
    if not skipped:
        return UserError("no decks to study: none were found (srcquiz paths shows where).")
    return UserError(
        f"no decks to study: {len(skipped)} deck file(s) have errors, the first: "
        f"{skipped[0].first_error} (srcquiz lint lists them all)."
    )


def load_selected(args: Args, deck_ids: Sequence[str] = ()) -> list[Deck]:
    """Load decks, print problems of broken ones to stderr, keep the rest."""
    decks, skipped = load_all(args)
    for broken in skipped:
        for d in broken.problems:
            if d.severity == "error":
                print(d, file=sys.stderr)
    if deck_ids:
        by_id = {d.id: d for d in decks}
        decks = [by_id[i] for i in resolve_deck_ids(decks, deck_ids)]
    if not decks:
        raise no_decks_error(skipped)
    return decks


# An unknown id lists every deck id when there are at most this many.
LIST_IDS_UP_TO = 8


def resolve_deck_ids(decks: Sequence[Deck], deck_ids: Sequence[str]) -> list[str]:
    """The loaded decks' ids the given ones mean, each once, in the order given.

    An id matches exactly (any case) or as the start of exactly one deck id
    (`nginx` for `nginx-process-model`). Anything else is one sentence: an
    ambiguous start names its decks, an unknown id the closest ones."""
    known = [d.id for d in decks]
    resolved: list[str] = []
    problems: list[str] = []
    for given in deck_ids:
        found = _resolve_one(given, known)
        if isinstance(found, _Unresolved):
            problems.append(found.reason)
        elif found not in resolved:
            resolved.append(found)
    if problems:
        raise UserError("; ".join(problems) + ".")
    return resolved


class _Unresolved(NamedTuple):
    reason: str


def _resolve_one(given: str, known: Sequence[str]) -> str | _Unresolved:
    from srcquiz.textsafe import one_line

    key = given.strip().casefold()
    exact = [k for k in known if k.casefold() == key]
    if exact:
        return exact[0]
    shown = one_line(given)
    starts = [k for k in known if k.casefold().startswith(key)] if key else []
    if len(starts) == 1:
        return starts[0]
    if starts:
        return _Unresolved(
            f"`{shown}` starts {len(starts)} deck ids ({_some(starts)}); give more of the id"
        )
    return _Unresolved(f"no deck with id {shown}{_suggestion(key, known)}")


# How alike a mistyped id and a deck id (or the start of one) must be to be suggested.
SUGGEST_CUTOFF = 0.75


def _suggestion(key: str, known: Sequence[str]) -> str:
    """` (did you mean X?)` naming ids that hold `key` or look like it (a typo of the
    whole id or of its start: `ngnix` suggests `nginx-process-model`)."""
    from difflib import SequenceMatcher

    inside = [k for k in known if key and key in k.casefold()]
    scored = []
    for k in known:
        fold = k.casefold()
        ratio = max(
            SequenceMatcher(None, key, fold).ratio(),
            SequenceMatcher(None, key, fold[: len(key)]).ratio(),
        )
        if ratio >= SUGGEST_CUTOFF:
            scored.append((-ratio, k))
    best = -min(scored)[0] if scored else 0.0
    close = [k for r, k in sorted(scored) if -r >= best - 0.05]
    ideas = list(dict.fromkeys([*inside, *close]))
    if ideas:
        return f" (did you mean {_some(ideas, ' or ')}?)"
    if len(known) <= LIST_IDS_UP_TO:
        return f" (decks: {', '.join(sorted(known)) or 'none'})"
    return " (srcquiz list shows every deck id)"


def _some(ids: Sequence[str], last: str = ", ", limit: int = 4) -> str:
    shown = list(ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    if len(shown) > 1 and not more and last != ", ":
        return ", ".join(shown[:-1]) + last + shown[-1]
    return ", ".join(shown) + more


def open_store(args: Args, *, background: bool = False) -> Store:
    """The progress database the arguments name, opened after today's backup (with
    `background`, after its check: the copy is then `store.pending_backup`'s, to
    start once the first question or screen is up)."""
    from srcquiz.progress.backup import open_with_backup

    return open_with_backup(db_path(args), background=background)


def check_due(args: Args) -> bool:
    """Whether opening the store will check its every page first (the day's first
    open); False for a database not there yet or a folder that cannot be read."""
    from srcquiz.progress.backup import check_due as due

    try:
        path = db_path(args)
        return path.exists() and due(path)
    except (UserError, OSError):
        return False  # the open says what is wrong, after the decks


def finish_backup(store: Store) -> None:
    """Wait for a snapshot made in the background; its warning, if any, on stderr."""
    if store.pending_backup is not None and (warning := store.pending_backup.join()):
        from srcquiz.textsafe import printable

        print(f"srcquiz: {printable(warning)}", file=sys.stderr)
