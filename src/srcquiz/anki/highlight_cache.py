"""Highlighted snippets kept on disk, so an unchanged snippet is never lexed twice.

Lexing with Pygments costs ~0.2 ms a snippet, and compiling a language's lexer
~10 ms the first time in a process; an export of unchanged decks should pay
neither. Each snippet's HTML is one file in the user cache folder, named by a
hash of everything that decides it: the language, the code, the Pygments
version and the bytes of the module that highlights (`highlight.py`: a change of
style or escaping there invalidates every entry).

An entry is data from disk, not proof. It is read with a size cap, only from a
regular file, and used only when its header repeats the full key, its checksum
matches the HTML, and the HTML has the shape the highlighter writes (inline
styled spans in one `<pre>`, no braces); anything else is a miss, and the entry
is written again. Entries are written through a temporary file renamed into
place, so a reader never sees half of one. The cache is never required: a
folder that cannot be read or written only costs the lexing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

from srcquiz.files import read_regular
from srcquiz.fsio import TMP_PREFIX, remove_stale_temps

FORMAT = 1
MAGIC = b"srcquiz-highlight"
# Far above any snippet a deck holds (decks cap questions' text well below this).
MAX_ENTRY_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 50_000  # about 100 MB of snippets; past it the oldest go
HIGHLIGHTER = Path(__file__).with_name("highlight.py")

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
    return _root(os.environ.get("SRCQUIZ_HOME"))


@lru_cache(maxsize=4)
def _root(home: str | None) -> Path:
    """The folder for a `SRCQUIZ_HOME` (found once: an export may look up
    thousands of snippets, and `cache_dir` builds paths each time)."""
    from srcquiz.paths import cache_dir

    return cache_dir() / "highlight"


def entry_key(code: str, lang: str) -> str:
    """The content address of a snippet's HTML (hex)."""
    h = hashlib.blake2b(_signature(), digest_size=20)
    h.update(lang.encode("utf-8", "surrogatepass"))
    h.update(b"\0")
    h.update(code.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def entry_path(key: str) -> Path:
    return cache_root() / f"{key}.html"


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode()


def _well_formed(html: str) -> bool:
    if not (html.startswith(_PREFIX) and html.endswith(_SUFFIX)):
        return False
    if "{" in html or "}" in html:
        return False
    head_end = html.find("><code>")
    if head_end < 0:
        return False
    return _OTHER_TAG.search(html, head_end + len("><code>")) is None


def load(key: str) -> str | None:
    """The cached HTML for `key`, or None when missing, damaged or not ours."""
    try:
        raw = read_regular(entry_path(key), MAX_ENTRY_BYTES)
    except OSError:
        return None
    header, sep, body = raw.partition(b"\n")
    if not sep or header != b" ".join((MAGIC, key.encode(), _checksum(body))):
        return None
    try:
        html = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return html if _well_formed(html) else None


_swept: set[Path] = set()


def store(key: str, html: str) -> None:
    """Write the entry through a temporary file renamed into place; any failure
    (read-only or full cache folder) is ignored, as the cache is only speed."""
    body = html.encode("utf-8", "surrogatepass")
    data = b" ".join((MAGIC, key.encode(), _checksum(body))) + b"\n" + body
    if len(data) > MAX_ENTRY_BYTES:
        return  # would never be read back
    folder = entry_path(key).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if folder not in _swept:
            _swept.add(folder)
            sweep(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX, suffix=".html")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, entry_path(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass


def sweep(folder: Path, now: float | None = None) -> None:
    """Remove temporary files of writes that were killed (older than `STALE_TMP_S`),
    and, past `MAX_ENTRIES`, the oldest written entries down to three quarters of
    it (an entry still in use is only lexed and written again). Runs on the first
    write of a process, so an export with every snippet cached never lists the folder."""
    remove_stale_temps(folder, ".html", now)
    with contextlib.suppress(OSError):
        entries = [
            e
            for e in os.scandir(folder)
            if e.name.endswith(".html") and not e.name.startswith(TMP_PREFIX) and e.is_file()
        ]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for entry in entries[: len(entries) - MAX_ENTRIES * 3 // 4]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
