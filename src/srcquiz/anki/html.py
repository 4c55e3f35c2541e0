"""Deck text as Anki card HTML, shared by the exporter and the importer.

Everything is escaped, and braces become entities, so a card shows exactly what
the deck says: nothing in it runs, or reads as template or cloze syntax.
"""

from __future__ import annotations

import html
import json
import json.encoder
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from srcquiz.deck.kinds import parse_cloze

DECK_META_RE = re.compile(r"<!--srcquiz-deck (.*?)-->", re.DOTALL)
MEDIA_EXTS = frozenset(
    ".png .jpg .jpeg .gif .svg .webp .bmp .avif .mp3 .ogg .oga .wav .m4a .flac .mp4 .webm".split()
)
# `![alt](file.png)` puts a media file that sits beside the deck on the card;
# `code` becomes <code>code</code>.
INLINE_RE = re.compile(r"!\[([^\]\n]*)\]\(([^()\s]+)\)|`([^`\n]+)`")

MediaFn = Callable[[str], "str | None"]


# -- text to HTML -------------------------------------------------------------


_SPECIAL = re.compile(r"[&<>{}\n]")


def esc(text: str) -> str:
    """Escaped HTML text; braces as entities so `{{...}}` is never template syntax."""
    if _SPECIAL.search(text) is None:
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("\n", "<br>")
    )


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The stdlib's C encoder, called directly: what `_JSON.encode` runs, minus its
# per-call set-up and cycle check (the data is plain trees), a third of the cost
# of every note's `Srcquiz` field. Same output; None off CPython.
_C_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE = (
    _C_MAKE_ENCODER(None, None, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _C_MAKE_ENCODER is not None
    else None
)


def data_json(value: Any) -> str:
    """Compact JSON that contains no HTML special characters: safe as field text and
    inside a card's `<script type="application/json">`."""
    text = "".join(_C_ENCODE(value, 0)) if _C_ENCODE is not None else _JSON.encode(value)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def esc_attr(text: str) -> str:
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def media_ext(ref: str) -> bool:
    return PurePosixPath(ref.lower()).suffix in MEDIA_EXTS


def text_html(text: str, media: MediaFn | None = None) -> str:
    """Deck text as card HTML: escaped, line breaks kept, `code` and media refs rendered."""
    if "`" not in text and "![" not in text:
        return esc(text)
    out: list[str] = []
    last = 0
    for m in INLINE_RE.finditer(text):
        if m.group(3) is not None:
            piece = f"<code>{esc(m.group(3))}</code>"
        else:
            name = media(m.group(2)) if media is not None else None
            if name is None:
                continue  # not a media file: stays literal text
            piece = f'<img src="{esc_attr(name)}" alt="{esc_attr(m.group(1))}">'
        out.append(esc(text[last : m.start()]))
        out.append(piece)
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def cloze_html(prompt: str, media: MediaFn | None = None) -> str:
    """A deck cloze as Anki cloze text; `:` inside a deletion becomes `&#58;` so that
    `std::vector` stays one answer instead of an answer and a hint."""
    out: list[str] = []
    last = 0
    for d in parse_cloze(prompt):
        out.append(text_html(prompt[last : d.start], media))
        answer = text_html(d.answer, media).replace(":", "&#58;")
        hint = "::" + text_html(d.hint, media).replace(":", "&#58;") if d.hint else ""
        out.append(f"{{{{c{d.number}::{answer}{hint}}}}}")
        last = d.end
    out.append(text_html(prompt[last:], media))
    return "".join(out)
