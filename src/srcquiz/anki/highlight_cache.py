"""Highlighted snippets kept on disk, so an unchanged snippet is never lexed twice.

Lexing with Pygments costs ~0.2 ms a snippet, and compiling a language's lexer
~10 ms the first time in a process; an export of unchanged decks should pay
neither. Nor should it pay a file read per snippet (a deck with 2,000 snippets
once cost 2,000 reads, ~0.2 ms each): each deck's snippets are one *pack*, a
file named by a hash of the deck id that maps each snippet's key to its HTML,
read whole before the deck's notes are built (`highlight.prepare`). A key is a
hash of everything that decides the HTML: the language, the code, the Pygments
version and the bytes of the module that highlights (`highlight.py`: a change of
style or escaping there invalidates every entry).

A pack is data from disk, not proof. Its HTML goes into cards as markup, so a
pack someone else wrote could put a script on every card. It is read with a size
cap, only from a regular file, and used only when it ends with a MAC of all its
bytes under the per-user secret of the deck cache (`srcquiz.deck.cache.sign`,
kept in the data folder, outside the cache folder) and its header names this
highlighter; a damaged, edited, planted or foreign pack is a miss and the deck's
snippets are lexed and the pack written again. Each HTML is checked once, when
it is written, to have the shape the highlighter writes (inline styled spans in
one `<pre>`, no braces); a read whose MAC matches trusts those same bytes, as
the deck cache does. A pack is written through a temporary file renamed into
place, so a reader (another export running at the same time) sees the old pack
or the new one, never half of one; two writers each rename a whole pack, and the
last one stays. The cache is never required: a folder that cannot be read or
written only costs the lexing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from srcquiz.deck.keys import MAX_DECK_BYTES
from srcquiz.files import read_regular
from srcquiz.fsio import TMP_PREFIX, remove_stale_temps, write_cache_file

FORMAT = 2
MAGIC = b"srcquiz-highlight-pack"
SUFFIX = ".pack"
# Highlighted HTML is a few times its code; a deck is at most MAX_DECK_BYTES.
MAX_PACK_BYTES = 4 * MAX_DECK_BYTES
MAX_PACKS = 2_000  # decks ever exported; past it the least recently written go
HIGHLIGHTER = Path(__file__).with_name("highlight.py")
_MAC_HEX = 64  # the deck cache's MAC (keyed BLAKE2b-256), as hex

# What the highlighter writes: `<pre class="sq-pre" ...><code>`, spans with inline
# styles, escaped text, `</code></pre>`; any other tag, or a brace, is not ours.
_OTHER_TAG = re.compile(r"<(?!/?span[ >]|/code></pre>$|/pre>$)")
_PREFIX = '<pre class="sq-pre" style="'
_SUFFIX = "</code></pre>"


@lru_cache(maxsize=1)
def _signature() -> bytes:
    """The highlighter's identity: format, Pygments version, and its module's bytes."""
    import pygments  # the package alone (a version string), not its lexers

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{pygments.__version__}\0".encode())
    try:
        h.update(read_regular(HIGHLIGHTER, 1 << 20))
    except OSError:
        h.update(b"unreadable highlight.py")  # e.g. a bytecode-only install
    return h.digest()


def cache_root() -> Path:
    """The packs' folder (`paths.cache_dir` follows the environment of the moment and
    works it out once per environment)."""
    from srcquiz.paths import cache_dir

    return cache_dir() / "highlight"


def entry_key(code: str, lang: str) -> str:
    """The content address of a snippet's HTML (hex)."""
    h = hashlib.blake2b(_signature(), digest_size=20)
    h.update(lang.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(code.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def pack_path(deck_id: str) -> Path:
    """The deck's pack: named by a hash, so no deck id can name another path."""
    name = hashlib.blake2b(deck_id.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return cache_root() / f"{name}{SUFFIX}"


def well_formed(html: str) -> bool:
    """Whether `html` has the shape `highlight.fresh_html` gives a snippet."""
    if not (html.startswith(_PREFIX) and html.endswith(_SUFFIX)):
        return False
    if "{" in html or "}" in html:
        return False
    head_end = html.find("><code>")
    if head_end < 0:
        return False
    return _OTHER_TAG.search(html, head_end + len("><code>")) is None


def _header() -> bytes:
    return b"%s %s\n" % (MAGIC, _signature().hex().encode())


def _sign(body: bytes) -> bytes:
    from srcquiz.deck.cache import sign

    # The body starts with MAGIC, a deck entry's with `{`: one MAC cannot pass for the other.
    return sign(body)


def load_pack(deck_id: str) -> dict[str, str]:
    """The deck's cached HTML by key; empty when there is no pack, or it is damaged,
    forged, too large, not a regular file, or made by another highlighter."""
    try:
        raw = read_regular(pack_path(deck_id), MAX_PACK_BYTES)
    except OSError:
        return {}
    body, mac = raw[: -_MAC_HEX - 1], raw[-_MAC_HEX:]
    header = _header()
    if (
        len(raw) <= len(header) + _MAC_HEX
        or not raw.startswith(header)
        or raw[-_MAC_HEX - 1 : -_MAC_HEX] != b"\n"
        or not hmac.compare_digest(mac, _sign(body))
    ):
        return {}
    try:
        entries = json.loads(body[len(header) :].decode("utf-8", "surrogatepass"))
    except ValueError:  # UnicodeDecodeError is one
        return {}
    if not isinstance(entries, dict):
        return {}
    return entries


def pack_bytes(entries: dict[str, str]) -> bytes | None:
    """The signed pack of `entries` (key -> HTML), leaving out any HTML the highlighter
    would not have written; None when it would be too large to read back."""
    kept = {k: v for k, v in entries.items() if well_formed(v)}
    text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    body = _header() + text.encode("utf-8", "surrogatepass")
    if len(body) + 1 + _MAC_HEX > MAX_PACK_BYTES:
        return None
    return body + b"\n" + _sign(body)


_swept: set[Path] = set()


def store_pack(deck_id: str, entries: dict[str, str]) -> None:
    """Write the deck's pack through a temporary file renamed into place; any failure
    (read-only or full cache folder) is ignored, as the cache is only speed."""
    data = pack_bytes(entries)
    if data is None:
        return
    path = pack_path(deck_id)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if folder not in _swept:
            _swept.add(folder)
            sweep(folder)
        write_cache_file(path, data)
    except OSError:
        pass


def sweep(folder: Path, now: float | None = None) -> None:
    """Remove temporary files of writes that were killed (`remove_stale_temps`), the
    one-file-per-snippet entries of the cache's first format (`*.html`), and, past
    `MAX_PACKS`, the least recently written packs down to three quarters of it (a
    deck still exported is only lexed and packed again). Runs on the first write
    of a process, so an export with every snippet cached never lists the folder."""
    remove_stale_temps(folder, SUFFIX, now)
    remove_stale_temps(folder, ".html", now)
    with contextlib.suppress(OSError):
        packs = []
        for e in os.scandir(folder):
            if e.name.startswith(TMP_PREFIX) or not e.is_file(follow_symlinks=False):
                continue
            if e.name.endswith(".html"):  # FORMAT 1
                with contextlib.suppress(OSError):
                    os.unlink(e.path)
            elif e.name.endswith(SUFFIX):
                packs.append(e)
        if len(packs) <= MAX_PACKS:
            return
        packs.sort(key=lambda e: e.stat().st_mtime)
        for entry in packs[: len(packs) - MAX_PACKS * 3 // 4]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
