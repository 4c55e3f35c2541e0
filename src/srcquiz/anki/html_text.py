"""Anki note HTML back to deck text: the inverse of `anki.html`, and a fair reading
of what Anki's editor writes (blocks as lines, `<code>` as backticks, images as
`![alt](file)`, scripts and styles dropped)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    "address article aside blockquote dd div dl dt figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li ol p pre section table tr ul".split()
)


class _TextParser(HTMLParser):
    """The inverse of `anki.html.text_html`, and a fair reading of editor HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def _line(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif self.skip:
            return
        elif tag == "br":
            self.out.append("\n")
        elif tag == "img":
            a = dict(attrs)
            if a.get("src"):
                self.out.append(f"![{a.get('alt') or ''}]({a['src']})")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in _BLOCKS:
            self.pre += tag == "pre"
            self._line()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif self.skip:
            return
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in _BLOCKS:
            self.pre = max(0, self.pre - (tag == "pre"))
            self._line()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data.replace("\xa0", " "))


def html_to_text(html_text: str, strip: bool = True) -> str:
    parser = _TextParser()
    parser.feed(html_text)
    parser.close()
    text = clean_text("".join(parser.out))
    return text.strip() if strip else text


def clean_text(text: str) -> str:
    """Valid UTF-8 without NULs (a crafted package may hold lone surrogates)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


# Anki's reading of a cloze: the first `::` after the answer starts the hint.
ANKI_CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_LOOKALIKE_RE = re.compile(r"\{\{(?=c\d+::)")


def anki_cloze_to_text(html_text: str) -> str:
    """Anki cloze HTML as a deck cloze prompt (`::` in an answer becomes `\\::`)."""
    out: list[str] = []
    last = 0
    for m in ANKI_CLOZE_RE.finditer(html_text):
        answer = html_to_text(m.group(2), strip=False)
        if not answer.strip():
            continue
        out.append(_LOOKALIKE_RE.sub("{ {", html_to_text(html_text[last : m.start()], False)))
        answer = answer.replace("::", "\\::").replace("}}", "} }")
        hint = html_to_text(m.group(3) or "", strip=False).replace("}}", "} }").strip()
        out.append(f"{{{{c{m.group(1)}::{answer}{'::' + hint if hint else ''}}}}}")
        last = m.end()
    out.append(_LOOKALIKE_RE.sub("{ {", html_to_text(html_text[last:], False)))
    return "".join(out).strip()
