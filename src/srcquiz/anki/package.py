"""An untrusted Anki package (.apkg), read and unpacked without trusting it.

A package is a zip archive anyone can craft, so everything here assumes it lies:

- sizes: a 3 MB archive can expand to gigabytes, so every member's declared size
  is checked against a cap before it is read, and reads stop at the declared size
  (a member that holds more than it declares is damaged, not trusted);
- shapes: the collection's note types, decks and notes are JSON and SQLite values
  of any type, so each is checked to be the dict, list, text or number the
  importer reads, and a wrong one refuses the package in one sentence;
- names: a media file is written under the name the package's media list gives,
  so only plain names of images, audio and video are written (never a hidden
  file, a path, or a name the import's own decks or schema could have);
- the output folder: every target is checked before anything is written, an
  existing file is replaced only when asked (`overwrite`), and every file is
  staged in a temporary folder inside the output folder first, so a package that
  turns out damaged half way through leaves the folder as it was.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from srcquiz.anki.html import media_ext
from srcquiz.errors import UserError
from srcquiz.fsio import reason, write_atomically

MIB = 1024 * 1024
# Caps no real deck reaches (large shared decks have collections of tens of MB and
# media of a few MB a file), named so a test or a future option can change them.
MAX_COLLECTION_BYTES = 512 * MIB
MAX_MEDIA_FILE_BYTES = 256 * MIB
MAX_MEDIA_TOTAL_BYTES = 1024 * MIB
MAX_MEDIA_LIST_BYTES = 64 * MIB
# A file name, plus the `.NAME.XXXXXXXX.tmp` a temporary copy adds, stays under the
# 255 bytes most file systems allow.
MAX_NAME_BYTES = 200
CHUNK_BYTES = MIB
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Anki writes

# C0 and C1 control characters except tab, line feed and carriage return (line
# endings, which Windows-made text holds and which are no hazard).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(slots=True)
class RawNote:
    id: int
    mid: int
    tags: list[str]
    fields: list[str]
    deck_id: int | None = None


@dataclass(slots=True)
class RawPackage:
    models: dict[int, dict[str, Any]]
    decks: dict[int, dict[str, Any]]
    notes: list[RawNote]
    media: dict[str, str]  # archive member -> file name, only files the import copies
    skipped_media: list[str]  # names in the media list that are not images, audio or video
    archive: zipfile.ZipFile


class _Damaged(Exception):
    """A collection value of the wrong shape; becomes one sentence naming the package."""


def find_control(value: Any) -> str | None:
    """The first control character in a JSON-like value's text (keys included), or
    None. Iterative, so the deepest JSON the decoder accepts cannot exhaust the stack."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if m := CONTROL_RE.search(v):
                return m.group()
        elif isinstance(v, dict):
            stack += [*v.keys(), *v.values()]
        elif isinstance(v, list | tuple):
            stack += v
    return None


def unsafe_media_name(name: object) -> bool:
    """True if writing `name` into a folder could land anywhere but in that folder,
    or is not a name a file there can have."""
    if not isinstance(name, str) or not name or name in (".", ".."):
        return True
    if any(c in name for c in "/\\") or re.match(r"^[A-Za-z]:", name):
        return True
    if re.search(r"[\x00-\x1f\x7f-\x9f]", name):
        return True
    try:
        return len(name.encode("utf-8")) > MAX_NAME_BYTES
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape
        return True


def copied_media_name(name: str) -> bool:
    """Media the import copies: images, audio and video a note can show, never a
    hidden file. Deck files (.yaml) and the schema (.json) are not media, so a
    media file can never take the name of a file the import writes itself."""
    return media_ext(name) and not name.startswith(".")


def shown_name(name: object) -> str:
    """A name from the package for a message: quoted, escaped, cut short."""
    text = name if isinstance(name, str) else repr(name)
    return json.dumps(text if len(text) <= 60 else text[:60] + "…")


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


# -- reading members ----------------------------------------------------------


@contextmanager
def _member_errors(path: Path, what: str) -> Iterator[None]:
    """Zip and decompression failures of one member, as one sentence."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise UserError(
            f"{path}: {what} is damaged inside the archive; the package cannot be imported."
        ) from None


def _check_member(path: Path, info: zipfile.ZipInfo, cap: int, what: str) -> None:
    """Refuse a member before reading it: encrypted, compressed in a way Anki never
    uses, or declaring more than `cap` bytes."""
    if info.flag_bits & 0x1:
        raise UserError(f"{path}: {what} is encrypted; the package cannot be imported.")
    if info.compress_type not in READABLE_METHODS:
        raise UserError(
            f"{path}: {what} is compressed in a way Anki does not use; "
            "the package cannot be imported."
        )
    if info.file_size > cap:
        raise UserError(
            f"{path}: {what} is {_size(info.file_size)}, more than the {_size(cap)} srcquiz "
            "reads from a package; the package cannot be imported."
        )


def member_chunks(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str
) -> Iterator[bytes]:
    """The member's bytes in chunks, stopping with a sentence if it holds more than it
    declares (zipfile stops there too; this does not rely on it)."""
    total = 0
    with _member_errors(path, what), archive.open(info) as src:
        while chunk := src.read(CHUNK_BYTES):
            total += len(chunk)
            if total > info.file_size:
                raise UserError(
                    f"{path}: {what} holds more than the size it declares; "
                    "the package cannot be imported."
                )
            yield chunk


def _read_member(
    path: Path, archive: zipfile.ZipFile, member: str, cap: int, what: str
) -> bytearray:
    info = archive.getinfo(member)
    _check_member(path, info, cap, what)
    data = bytearray()
    for chunk in member_chunks(path, archive, info, what):
        data += chunk
    return data


# -- the package --------------------------------------------------------------


def read_package(path: Path) -> RawPackage:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not an Anki package (.apkg).") from None
    except PermissionError:
        raise UserError(f"cannot read {path}: permission denied.") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UserError(
            f"{path} is not an Anki package (.apkg): it is not a zip archive."
        ) from None
    try:
        return _read_archive(path, archive)
    except BaseException:
        archive.close()
        raise


def _read_archive(path: Path, archive: zipfile.ZipFile) -> RawPackage:
    names = set(archive.namelist())
    if "collection.anki21b" in names:
        raise UserError(
            f"{path} uses the compressed package format of Anki 2.1.50 and later, which "
            "srcquiz cannot read; in Anki, export it again with "
            '"Support older Anki versions" ticked.'
        )
    member = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
    if member is None:
        raise UserError(f"{path} is not an Anki package (.apkg): it holds no Anki collection.")
    media, skipped = _media_list(path, archive, names)
    data = _read_member(path, archive, member, MAX_COLLECTION_BYTES, "its Anki collection")
    if not data:
        raise UserError(f"{path}: its Anki collection is empty; the package cannot be imported.")
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(data)
        del data
        models, decks, notes = _read_collection(conn)
    except sqlite3.Error as exc:
        raise UserError(
            f"{path}: the Anki collection inside is damaged ({_sqlite_reason(exc)})."
        ) from None
    except _Damaged as exc:
        raise UserError(f"{path}: the Anki collection inside is damaged: {exc}.") from None
    finally:
        conn.close()
    return RawPackage(models, decks, notes, media, skipped, archive)


def _sqlite_reason(exc: sqlite3.Error) -> str:
    """SQLite's reason without the damaged text it may quote (which can hold line
    breaks and terminal escapes)."""
    reason = str(exc).split(" with text ", 1)[0]
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", reason)[:200]


def _read_collection(
    conn: sqlite3.Connection,
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]], list[RawNote]]:
    row = conn.execute("SELECT models, decks FROM col").fetchone()
    if row is None:
        raise _Damaged("it has no collection row")
    models = _objects(row[0], "its note types")
    for mid, model in models.items():
        _check_model(mid, model)
    decks = _objects(row[1], "its decks")
    for did, deck in decks.items():
        _typed(deck, {"name": str, "desc": str}, f"deck {did}")
    notes: dict[int, RawNote] = {}
    for nid, mid, tags, flds in conn.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id"):
        if not isinstance(nid, int):
            raise _Damaged("a note has an id that is not a number")
        if not isinstance(mid, int):
            raise _Damaged(f"note {nid} has a note type id that is not a number")
        if not (isinstance(tags, str) and isinstance(flds, str)):
            raise _Damaged(f"note {nid} has fields or tags that are not text")
        notes[nid] = RawNote(nid, mid, tags.split(), flds.split("\x1f"))
    for nid, did in conn.execute("SELECT nid, did FROM cards ORDER BY nid, ord"):
        if not isinstance(did, int):
            raise _Damaged(f"a card of note {nid!r:.40} has a deck id that is not a number")
        note = notes.get(nid)
        if note is not None and note.deck_id is None:
            note.deck_id = did
    return models, decks, list(notes.values())


def _objects(raw: object, what: str) -> dict[int, dict[str, Any]]:
    """A `col` JSON column: an object of objects keyed by numeric id."""
    try:
        value = json.loads(raw)  # type: ignore[arg-type]
    except (ValueError, TypeError, RecursionError):
        raise _Damaged(f"{what} are not JSON") from None
    if not isinstance(value, dict):
        raise _Damaged(f"{what} are not a JSON object")
    out: dict[int, dict[str, Any]] = {}
    for key, item in value.items():
        try:
            number = int(key)
        except ValueError:
            raise _Damaged(f"{what} have the id {shown_name(key)}, which is not a number") from None
        if not isinstance(item, dict):
            raise _Damaged(f"{what} hold {shown_name(key)}, which is not a JSON object")
        out[number] = item
    return out


_KIND_NAMES = {str: "text", int: "a number", list: "a list", dict: "a JSON object"}


def _typed(obj: object, types: dict[str, type], what: str) -> None:
    if not isinstance(obj, dict):
        raise _Damaged(f"{what} is not a JSON object")
    for key, kind in types.items():
        if key in obj and not isinstance(obj[key], kind):
            raise _Damaged(f"{what} has a `{key}` that is not {_KIND_NAMES[kind]}")


def _check_model(mid: int, model: dict[str, Any]) -> None:
    what = f"note type {mid}"
    _typed(model, {"name": str, "type": int, "flds": list, "tmpls": list}, what)
    for f in model.get("flds", []):
        _typed(f, {"name": str}, f"a field of {what}")
    for t in model.get("tmpls", []):
        _typed(t, {"qfmt": str, "afmt": str}, f"a card template of {what}")


def _media_list(
    path: Path, archive: zipfile.ZipFile, names: set[str]
) -> tuple[dict[str, str], list[str]]:
    """The media the import copies (member -> name) and the names it leaves out.
    A name that is not a plain file name refuses the whole package, as does a
    media total over the cap; files that are not media are only left out."""
    if "media" not in names:
        return {}, []
    raw = _read_member(path, archive, "media", MAX_MEDIA_LIST_BYTES, "its media list")
    try:
        media = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise UserError(
            f"{path}: its media list is damaged (not JSON); the package cannot be imported."
        ) from None
    if not isinstance(media, dict):
        raise UserError(f"{path}: its media list is damaged; the package cannot be imported.")
    kept: dict[str, str] = {}
    skipped: list[str] = []
    total = 0
    for member, name in media.items():
        if unsafe_media_name(name):
            raise UserError(
                f"refusing {path}: it holds a media file named {shown_name(name)}, which is not "
                "a plain file name that stays inside the output folder."
            )
        if member not in names:
            raise UserError(f"{path}: media file {shown_name(name)} is listed but missing from it.")
        if name in kept.values() or name in skipped:
            raise UserError(f"{path}: its media list names {shown_name(name)} twice.")
        if not copied_media_name(name):
            skipped.append(name)
            continue
        info = archive.getinfo(member)
        _check_member(path, info, MAX_MEDIA_FILE_BYTES, f"media file {shown_name(name)}")
        total += info.file_size
        kept[member] = name
    if total > MAX_MEDIA_TOTAL_BYTES:
        raise UserError(
            f"{path}: its media files come to {_size(total)}, more than the "
            f"{_size(MAX_MEDIA_TOTAL_BYTES)} srcquiz copies from a package; "
            "the package cannot be imported."
        )
    return kept, skipped


# -- writing into the output folder -------------------------------------------


@dataclass(frozen=True, slots=True)
class OutFile:
    """A file the import writes: its name in the output folder, its size, and its
    bytes (as chunks, so media stream from the archive rather than sit in memory)."""

    name: str
    size: int
    chunks: Callable[[], Iterator[bytes]]

    @classmethod
    def of_bytes(cls, name: str, data: bytes) -> OutFile:
        return cls(name, len(data), lambda: iter((data,)))

    def write_to(self, f: IO[bytes]) -> None:
        for chunk in self.chunks():
            f.write(chunk)


def media_files(path: Path, pkg: RawPackage) -> list[OutFile]:
    files = []
    for member, name in pkg.media.items():
        info = pkg.archive.getinfo(member)
        what = f"media file {shown_name(name)}"

        def chunks(info: zipfile.ZipInfo = info, what: str = what) -> Iterator[bytes]:
            return member_chunks(path, pkg.archive, info, what)

        files.append(OutFile(name, info.file_size, chunks))
    return files


def _holds(target: Path, file: OutFile) -> bool:
    """True if `target` is a regular file with exactly `file`'s bytes already."""
    try:
        if target.is_symlink() or not target.is_file() or target.stat().st_size != file.size:
            return False
        with target.open("rb") as f:
            for chunk in file.chunks():
                if f.read(len(chunk)) != chunk:
                    return False
            return f.read(1) == b""
    except OSError:
        return False


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def unpack(out_dir: Path, files: list[OutFile], overwrite: bool) -> None:
    """Write `files` into `out_dir`. Every target is checked first: a folder in the
    way refuses, a file already holding the same bytes is left alone, any other
    existing file (or link) is replaced only with `overwrite`; a refusal writes
    nothing. Then all files are staged in the folder and renamed into place."""
    todo: list[OutFile] = []
    clashes: list[str] = []
    for file in files:
        target = out_dir / file.name
        if not os.path.lexists(target):
            todo.append(file)
        elif target.is_dir() and not target.is_symlink():
            raise UserError(f"cannot write {target}: it is a folder. Nothing was written.")
        elif not _holds(target, file):
            clashes.append(file.name)
            todo.append(file)
    if clashes and not overwrite:
        raise UserError(
            f"{out_dir} already holds {_listing(clashes)}; give --overwrite to replace "
            f"{'it' if len(clashes) == 1 else 'them'}. Nothing was written."
        )
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {out_dir}: {reason(exc)}.") from None
    try:
        _stage_and_replace(out_dir, todo)
    except BaseException:
        if created:
            try:
                out_dir.rmdir()
            except OSError:
                pass
        raise


def _stage_and_replace(out_dir: Path, files: list[OutFile]) -> None:
    try:
        staging = tempfile.TemporaryDirectory(
            prefix=".srcquiz-import-", dir=out_dir, ignore_cleanup_errors=True
        )
    except OSError as exc:
        raise UserError(f"cannot write into {out_dir}: {reason(exc)}.") from None
    with staging as stage:
        for file in files:
            write_atomically(Path(stage) / file.name, file.write_to)
        for file in files:
            staged, target = Path(stage) / file.name, out_dir / file.name
            try:
                if target.is_file() and not target.is_symlink():
                    os.chmod(staged, target.stat().st_mode & 0o777)
                os.replace(staged, target)
            except OSError as exc:
                raise UserError(f"cannot write {target}: {reason(exc)}.") from None
