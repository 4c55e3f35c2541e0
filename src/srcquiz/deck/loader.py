"""Find, read and load deck files; report problems compiler style.

Reading, decoding and folder walking live here; turning YAML into the model is
`deck_parser` (imported only on a cache miss), and unchanged decks come from
`deck_cache`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from srcquiz.deck.diagnostics import DeckError, Diagnostic
from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.deck.model import Deck
from srcquiz.files import NotAFile, TooLarge, read_regular

DECK_SUFFIXES = (".yaml", ".yml")


def read_deck_bytes(path: Path) -> tuple[bytes | None, Diagnostic | None]:
    """The file's bytes, or one diagnostic saying why it cannot be read as a deck.

    Only regular files are read: a named pipe would wait for a writer forever and
    a device like /dev/zero never ends (see `srcquiz.files`).
    """
    name = str(path)
    try:
        return read_regular(path, MAX_DECK_BYTES), None
    except NotAFile as exc:
        if exc.kind == "a folder":
            return None, Diagnostic(name, 0, 0, "error", "is a directory, not a deck file")
        return None, Diagnostic(name, 0, 0, "error", f"is {exc.kind}, not a deck file")
    except TooLarge as exc:
        return None, Diagnostic(
            name, 0, 0, "error",
            f"is {exc.size / 1048576:.1f} MB; decks are limited to "
            f"{MAX_DECK_BYTES // 1048576} MB, split it into several decks",
        )
    except FileNotFoundError:
        return None, Diagnostic(name, 0, 0, "error", "no such file")
    except PermissionError:
        return None, Diagnostic(name, 0, 0, "error", "cannot be read: permission denied")
    except OSError as exc:
        return None, Diagnostic(name, 0, 0, "error", f"cannot be read: {exc.strerror or exc}")


def decode_deck(data: bytes, name: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is one diagnostic."""

    def fail(msg: str, line: int = 0, col: int = 0) -> tuple[None, Diagnostic]:
        return None, Diagnostic(name, line, col, "error", msg)

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return fail(
                "starts with a UTF-16 byte-order mark but is not valid UTF-16; save it as UTF-8"
            )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        return fail("is a binary file, not a YAML deck")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return fail(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8", line, col
        )


def load_deck_file(
    path: Path, *, cache: bool = False, authoring: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    """Load one deck file; with `cache`, an unchanged file comes from the deck cache.

    A cached load is a load to study: it skips the authoring rules (`lint` runs
    them, and never reads the cache)."""
    if cache:
        from srcquiz.deck.cache import cached_load

        return cached_load(
            path,
            lambda: read_deck_bytes(path),
            lambda data: parse_deck_bytes(data, path, authoring=False),
        )
    data, problem = read_deck_bytes(path)
    if data is None:
        return None, [problem] if problem else []
    return parse_deck_bytes(data, path, authoring=authoring)


def parse_deck(
    text: str, path: str, default_id: str, *, authoring: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    """Build a deck from YAML text (see `deck.parser.parse_deck`). Never raises."""
    from srcquiz.deck import parser as deck_parser

    return deck_parser.parse_deck(text, path, default_id, authoring=authoring)


def parse_deck_bytes(
    data: bytes, path: Path, *, authoring: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    text, problem = decode_deck(data, str(path))
    if text is None:
        return None, [problem] if problem else []
    return parse_deck(text, str(path), path.stem, authoring=authoring)


def deck_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders to the deck files in them (sorted); keep files as given."""
    for p in paths:
        if p.is_dir() and p.suffix not in DECK_SUFFIXES:
            yield from sorted(f for f in p.iterdir() if f.suffix in DECK_SUFFIXES)
        else:
            yield p


def load_decks(
    paths: Iterable[Path], *, cache: bool = False
) -> tuple[list[Deck], list[Diagnostic]]:
    """Load every deck under `paths`; a broken deck is reported and skipped."""
    decks: list[Deck] = []
    diags: list[Diagnostic] = []
    by_id: dict[str, Deck] = {}
    for f in deck_files(paths):
        deck, found = load_deck_file(f, cache=cache)
        diags.extend(found)
        if deck is None:
            continue
        if deck.id in by_id:
            diags.append(
                Diagnostic(
                    str(f),
                    1,
                    1,
                    "error",
                    f"deck id `{deck.id}` is also used by "
                    f"{by_id[deck.id].path}; give one of them another `id`",
                )
            )
            continue
        by_id[deck.id] = deck
        decks.append(deck)
    return decks, diags


def load_deck(path: Path) -> Deck:
    """Load one deck or raise DeckError with every problem found."""
    deck, diags = load_deck_file(path)
    if deck is None:
        raise DeckError([d for d in diags if d.severity == "error"] or diags)
    return deck
