"""The deck format's keys and id rules: one table for the parser, the JSON Schema
and the docs alike, so the three cannot disagree."""

from __future__ import annotations

import re

ID_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*")  # use fullmatch: `$` would let a final newline in
TAG_RE = re.compile(r"[^\s]+")  # fullmatch
REPO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")  # fullmatch
# `{{c1::answer}}` or `{{c1::answer::hint}}`; `\::` inside an answer is a literal `::`.
CLOZE_RE = re.compile(
    r"\{\{c(\d+)::((?:\\::|[^:}]|:(?!:)|\}(?!\}))*?)(?:::((?:[^}]|\}(?!\}))*?))?\}\}"
)

DECK_KEYS = ("id", "title", "description", "sources", "tags", "shuffle", "anchor", "questions")
COMMON_KEYS = (
    "id",
    "kind",
    "prompt",
    "explanation",
    "source",
    "anchor",
    "code",
    "lang",
    "code_after",
    "hint",
    "tags",
    "examples",
)
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "card": ("answer", "reversed"),
    "short": ("answer", "accept", "fuzzy"),
    "number": ("answer", "tolerance", "unit"),
    "choice": ("options", "answer", "shuffle", "why"),
    "truefalse": ("answer",),
    "cloze": (),
    "order": ("items",),
    "match": ("pairs",),
}
ANCHOR_KEYS = ("repo", "path", "symbol", "version")
ALL_QUESTION_KEYS = set(COMMON_KEYS).union(*KIND_KEYS.values())

# Room for a 100k-question deck (~45 MB); a 50 MB file is refused before parsing.
MAX_DECK_BYTES = 48 * 1024 * 1024
