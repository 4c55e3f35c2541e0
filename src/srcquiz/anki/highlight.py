"""Code snippets as self-contained HTML for Anki cards.

Colours are inline styles on a dark box of their own, so a snippet looks the
same in Anki's light and dark modes and needs no stylesheet from the card.
Curly braces become entities so nothing in a snippet can look like template
or cloze syntax to Anki.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

STYLE = "github-dark"
BOX_STYLE = (
    "background:#0d1117;color:#e6edf3;padding:.6em .8em;border-radius:6px;"
    "overflow-x:auto;text-align:left;font-size:.85em;line-height:1.4;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace;"
    "white-space:pre"
)
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def highlight_html(code: str, lang: str | None) -> str:
    """`code` as a `<pre>` block; plain (escaped) text when `lang` is unknown."""
    return _highlight(code, (lang or "").strip().lower())


@lru_cache(maxsize=4096)
def _highlight(code: str, lang: str) -> str:
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
