"""Deck files written the way a person would write them.

PyYAML's emitter quotes, wraps and orders keys its own way; a deck written by
`srcquiz import` should read like a hand-written one: keys in the format's
order, plain scalars where they are safe, `|` blocks for code, `>-` blocks
wrapped at word boundaries for long prose, double quotes only when needed, and
nothing the deck already implies repeated on each question. Every text that
`parse_deck` can read back unchanged is written so that it reads back unchanged
(a property test holds it to that).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from srcquiz.deck.codec import anchor_data, to_data
from srcquiz.deck.kinds import Question
from srcquiz.deck.parts import Anchor

MODELINE = "# yaml-language-server: $schema=deck.schema.json"

_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_SIMPLE_TAG = re.compile(r"^[A-Za-z0-9_.+-]+$")


def _printable(c: str) -> bool:
    o = ord(c)
    return (
        c in "\t\n"
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        and o != 0xFEFF
        or 0x10000 <= o <= 0x10FFFF
    ) and o not in (0x2028, 0x2029)


def _plain_ok(s: str) -> bool:
    return (
        bool(s)
        and s == s.strip()
        and s[0] not in _INDICATORS
        and ": " not in s
        and " #" not in s
        and not s.endswith(":")
        and "\n" not in s
        and "\t" not in s
        and all(_printable(c) for c in s)
        and _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR
    )


def _double_quoted(s: str) -> str:
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not _printable(c):
            o = ord(c)
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


WIDTH = 92
_FOLD_AT = re.compile(r"(?<=\S) (?=\S)")


def _scalar(s: str, indent: int) -> list[str]:
    """A text value: plain when short and safe, a `|` block when it has lines, a `>-`
    block wrapped at single spaces when long, else double-quoted. The first element
    continues the `key: ` line; the rest are whole lines."""
    pad = " " * indent
    blockable = (
        not s.startswith((" ", "\n", "\t")) and "\r" not in s and all(_printable(c) for c in s)
    )
    body = s[:-1] if s.endswith("\n") else s
    if "\n" in body:
        if blockable and not body.endswith("\n"):
            head = "|" if s.endswith("\n") else "|-"
            return [head] + [pad + line if line else "" for line in body.split("\n")]
        return [_double_quoted(s)]
    if len(s) + indent > WIDTH and blockable and s == s.rstrip() and "\n" not in s:
        lines = _fold(s, max(40, WIDTH - indent))
        if len(lines) > 1:
            return [">-"] + [pad + line for line in lines]
    if _plain_ok(s):
        return [s]
    return [_double_quoted(s)]


def _fold(s: str, width: int) -> list[str]:
    """Wrap at single spaces between words: a folded scalar reads each break back as
    one space, so only those spaces may become breaks."""
    lines: list[str] = []
    current = ""
    for word in _FOLD_AT.split(s):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def _number_yaml(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(float(value))
    if "e" in text and "." not in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}.0e{exp if exp[0] in '+-' else '+' + exp}"
    return text


def _key(k: str) -> str:
    return k if _plain_ok(k) else _double_quoted(k)


class Verbatim(str):
    """A scalar written exactly as given: a number as its author wrote it (`24.10`)."""


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _as_written(written: str, answer: float) -> Verbatim | None:
    """The author's spelling of a number answer, if YAML reads it as that number."""
    if _RESOLVER.resolve(yaml.ScalarNode, written, (True, False)) not in _NUMBER_TAGS:
        return None
    try:
        value = float(int(written.replace("_", ""), 0)) if written.isdigit() else float(written)
    except ValueError:
        return None
    return Verbatim(written) if value == answer else None


def value_lines(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    head = f"{pad}{_key(key)}:"
    if isinstance(value, Verbatim):
        return [f"{head} {value}"]
    if isinstance(value, bool):
        return [f"{head} {'true' if value else 'false'}"]
    if isinstance(value, int | float):
        return [f"{head} {_number_yaml(value)}"]
    if isinstance(value, str):
        first, *rest = _scalar(value, indent + 2)
        return [f"{head} {first}", *rest]
    if isinstance(value, dict):
        out = [head]
        for k, v in value.items():
            out += value_lines(k, v, indent + 2)
        return out
    items = list(value)
    if not items:
        return [f"{head} []"]
    if key == "tags" and all(_SIMPLE_TAG.match(t) and _plain_ok(t) for t in items):
        return [f"{head} [{', '.join(items)}]"]
    out = [head]
    for item in items:
        out += item_lines(item, indent + 2)
    return out


def item_lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            out += value_lines(k, v, indent + 2)
        out[0] = f"{pad}- {out[0][indent + 2 :]}"
        return out
    first, *rest = _scalar(str(value), indent + 2)
    return [f"{pad}- {first}", *rest]


def question_yaml_dict(
    q: Question, sources: list[str], anchor: Anchor | None, shuffle: bool
) -> dict[str, Any]:
    """The question as deck-file keys, leaving out what the deck already implies:
    its only source, the parts of its anchor, its shuffle setting."""
    d = to_data(q)
    if len(sources) == 1 and d.get("source") == sources[0]:
        del d["source"]
    if q.anchor is not None:
        own = {
            k: v
            for k, v in anchor_data(q.anchor).items()
            if anchor is None or getattr(anchor, k) != v
        }
        if own:
            d["anchor"] = own
        else:
            d.pop("anchor", None)
    written = d.pop("written", None)  # codec.SPELLED_BY: it is how `answer` was spelled
    if q.kind == "number" and isinstance(written, str):
        d["answer"] = _as_written(written, d["answer"]) or d["answer"]
    if q.kind == "choice":
        d.pop("shuffle", None)
        if getattr(q, "shuffle", True) != shuffle:
            d["shuffle"] = getattr(q, "shuffle", True)
    return d
