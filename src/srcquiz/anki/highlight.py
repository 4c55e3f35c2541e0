"""Code snippets as HTML for Anki cards.

Colours are inline styles on a dark box of their own, so a snippet looks the
same in Anki's light and dark modes. The box's layout (padding, font, wrapping
on a phone, scrolling on a wide screen) is the note type's `.sq-pre` rule, so
the card's CSS can adapt it to the screen. Curly braces become entities so
nothing in a snippet can look like template or cloze syntax to Anki.

A deck's highlighted snippets are kept on disk together (`highlight_cache`), and
read in one go before the deck's notes are built (`prepare`), so exporting
unchanged decks again neither lexes a snippet, nor compiles a lexer (Pygments'
lexers are imported only on a miss), nor reads a file per snippet.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from srcquiz.anki import highlight_cache

STYLE = "github-dark"
BOX_STYLE = "background:#0d1117;color:#e6edf3"  # the theme's colours; layout is CSS
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})

# Snippets highlighted in this process, by (code, language). The notes being built
# hold the same strings, so keeping a deck's worth costs no memory during an export.
_known: dict[tuple[str, str], str] = {}
MAX_KNOWN = 4096


def highlight_html(code: str, lang: str | None) -> str:
    """`code` as a `<pre>` block; plain (escaped) text when `lang` is unknown. A
    snippet `prepare` did not see (an import comparing notes) is lexed here once
    per process; it is not written to the disk cache, which is kept per deck."""
    lang = (lang or "").strip().lower()
    if not lang:
        return fresh_html(code, lang)  # only escaped: cheaper than any look-up
    out = _known.get((code, lang))
    if out is None:
        out = fresh_html(code, lang)
        _remember({(code, lang): out})
    return out


def prepare(deck_id: str, snippets: Iterable[tuple[str | None, str | None]]) -> None:
    """Have every snippet of a deck highlighted before its notes are built: the
    deck's pack is read once, the snippets it lacks are lexed, and the pack is
    written again when what the deck holds changed (a new, edited or removed
    snippet). Snippets with no language are only escaped, cheaper than a read."""
    wanted = {(code, (lang or "").strip().lower()) for code, lang in snippets if code}
    wanted = {(code, lang) for code, lang in wanted if lang}
    if not wanted:
        return
    cached = highlight_cache.load_pack(deck_id)
    pack: dict[str, str] = {}
    found: dict[tuple[str, str], str] = {}
    for snippet in wanted:
        key = highlight_cache.entry_key(*snippet)
        out = cached.get(key) or _known.get(snippet) or fresh_html(*snippet)
        pack[key] = found[snippet] = out
    if pack.keys() != cached.keys():
        highlight_cache.store_pack(deck_id, pack)
    _remember(found)


def _remember(found: dict[tuple[str, str], str]) -> None:
    """Keep `found` (a whole deck's, however many) and, past `MAX_KNOWN`, drop the
    snippets remembered longest ago."""
    for snippet in found:
        _known.pop(snippet, None)  # to the end of the order, with the newest
    _known.update(found)
    excess = len(_known) - max(MAX_KNOWN, len(found))
    for snippet in list(itertools.islice(_known, max(excess, 0))):
        del _known[snippet]


def forget() -> None:
    """Drop what this process highlighted (as a new process starts)."""
    _known.clear()


def fresh_html(code: str, lang: str) -> str:
    """The snippet highlighted now, without the cache."""
    body = None
    lexer = _lexer(lang) if lang else None
    if lexer is not None:
        from pygments import highlight

        body = highlight(code, lexer, _formatter())
    if body is None:
        body = html.escape(code, quote=False)
    body = body.rstrip("\n").translate(_BRACES)
    return f'<pre class="sq-pre" style="{BOX_STYLE}"><code>{body}</code></pre>'


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(noclasses=True, nowrap=True, style=STYLE)
