"""Code snippets as HTML for Anki cards.

Colours are inline styles on a dark box of their own, so a snippet looks the
same in Anki's light and dark modes. The box's layout (padding, font, wrapping
on a phone, scrolling on a wide screen) is the note type's `.sq-pre` rule, so
the card's CSS can adapt it to the screen. Curly braces become entities so
nothing in a snippet can look like template or cloze syntax to Anki.

A highlighted snippet is kept on disk (`highlight_cache`), so exporting unchanged
decks again neither lexes a snippet nor compiles a lexer (Pygments' lexers are
imported only on a miss).
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from srcquiz.anki import highlight_cache

STYLE = "github-dark"
BOX_STYLE = "background:#0d1117;color:#e6edf3"  # the theme's colours; layout is CSS
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def highlight_html(code: str, lang: str | None) -> str:
    """`code` as a `<pre>` block; plain (escaped) text when `lang` is unknown."""
    return _highlight(code, (lang or "").strip().lower())


@lru_cache(maxsize=4096)
def _highlight(code: str, lang: str) -> str:
    """A snippet from the disk cache, else highlighted afresh and kept there. A
    snippet with no language is only escaped, which is cheaper than a cache read."""
    if not lang:
        return fresh_html(code, lang)
    key = highlight_cache.entry_key(code, lang)
    html = highlight_cache.load(key)
    if html is None:
        html = fresh_html(code, lang)
        highlight_cache.store(key, html)
    return html


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
