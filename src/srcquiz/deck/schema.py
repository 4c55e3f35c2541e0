"""The deck format as JSON Schema, for editors (yaml-language-server) and CI.

It is generated from the same key tables the loader uses, so the two cannot
drift; `decks/deck.schema.json` is a committed copy checked by a test.
"""

from __future__ import annotations

import json
from typing import Any

from srcquiz.deck.keys import ANCHOR_KEYS, COMMON_KEYS, DECK_KEYS, KIND_KEYS
from srcquiz.deck.model import KINDS

SCHEMA_ID = "https://srcquiz.dev/deck.schema.json"

_TEXT = {"type": "string", "minLength": 1}
_SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"}
_TAGS = {"type": "array", "items": {"type": "string", "pattern": "^\\S+$"}}
_TEXTS = {"type": "array", "items": _TEXT}

_ANCHOR: dict[str, Any] = {
    "type": "object",
    "description": "The upstream code a question is about.",
    "properties": {
        "repo": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$",
            "description": "owner/name of the repository, e.g. nginx/nginx",
        },
        "path": {**_TEXT, "description": "file path inside the repository"},
        "symbol": {**_TEXT, "description": "a function, class or field name in that file"},
        "version": {**_TEXT, "description": "tag, branch or commit the anchor was checked at"},
    },
    "additionalProperties": False,
}
_ANCHOR_PROPERTIES: dict[str, Any] = _ANCHOR["properties"]

_COMMON: dict[str, Any] = {
    "id": {**_SLUG, "description": "Stable id, unique in the deck; keys review history."},
    "kind": {"enum": list(KINDS)},
    "prompt": {**_TEXT, "description": "The question (for cloze: the text with deletions)."},
    "explanation": {**_TEXT, "description": "Why the answer is right."},
    "source": {**_TEXT, "description": "Title of the source article."},
    "anchor": {"$ref": "#/$defs/anchor"},
    "code": {**_TEXT, "description": "A code snippet shown highlighted."},
    "lang": {**_TEXT, "description": "Pygments language of `code`."},
    "code_after": {
        "type": "boolean",
        "description": "Show `code` with the feedback, not the prompt (it holds the answer).",
    },
    "hint": _TEXT,
    "tags": _TAGS,
    "examples": {
        "type": "object",
        "description": "Answers `srcquiz lint` grades: `right` ones must count as recalled, "
        "`wrong` ones must not. Written as `srcquiz grade` takes answers.",
        "properties": {
            side: {"type": "array", "items": {"type": ["string", "number", "boolean"]}}
            for side in ("right", "wrong")
        },
        "additionalProperties": False,
    },
}

_KIND_PROPS: dict[str, dict[str, Any]] = {
    "card": {"answer": _TEXT, "reversed": {"type": "boolean"}},
    "short": {"answer": _TEXT, "accept": _TEXTS, "fuzzy": {"type": "boolean"}},
    "number": {
        "answer": {"type": "number"},
        "tolerance": {"type": "number", "minimum": 0},
        "unit": _TEXT,
    },
    "choice": {
        "options": {**_TEXTS, "minItems": 2, "uniqueItems": True},
        "answer": {"oneOf": [_TEXT, {**_TEXTS, "minItems": 1, "uniqueItems": True}]},
        "shuffle": {"type": "boolean"},
        "why": {
            "type": "object",
            "description": "Why a wrong option is wrong, by option; shown when it is picked.",
            "additionalProperties": _TEXT,
        },
    },
    "truefalse": {"answer": {"type": "boolean"}},
    "cloze": {"prompt": {"type": "string", "pattern": "\\{\\{c\\d+::"}},
    "order": {"items": {**_TEXTS, "minItems": 3, "uniqueItems": True}},
    "match": {
        "pairs": {
            "type": "object",
            "minProperties": 2,
            "additionalProperties": {"type": "string", "minLength": 1},
        }
    },
}

_REQUIRED = {
    "card": ["answer"],
    "short": ["answer"],
    "number": ["answer"],
    "choice": ["options", "answer"],
    "truefalse": ["answer"],
    "cloze": [],
    "order": ["items"],
    "match": ["pairs"],
}


def _question_variant(kind: str) -> dict[str, Any]:
    props = dict(_COMMON)
    props.update(_KIND_PROPS[kind])
    props["kind"] = {"const": kind}
    assert set(props) == set(COMMON_KEYS) | set(KIND_KEYS[kind]), kind
    return {
        "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
        "then": {
            "properties": props,
            "required": ["id", "kind", "prompt", *_REQUIRED[kind]],
            "additionalProperties": False,
        },
    }


def deck_schema() -> dict[str, Any]:
    deck_props: dict[str, Any] = {
        "id": _SLUG,
        "title": _TEXT,
        "description": _TEXT,
        "sources": {**_TEXTS, "description": "Titles of the source articles."},
        "tags": _TAGS,
        "shuffle": {"type": "boolean"},
        "anchor": {"$ref": "#/$defs/anchor"},
        "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}},
    }
    assert set(deck_props) == set(DECK_KEYS)
    assert set(ANCHOR_KEYS) == set(_ANCHOR_PROPERTIES)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "srcquiz deck",
        "description": "A srcquiz deck: one topic, its source articles and its questions.",
        "type": "object",
        "properties": deck_props,
        "required": ["title", "questions"],
        "additionalProperties": False,
        "$defs": {
            "anchor": _ANCHOR,
            "question": {
                "type": "object",
                "required": ["id", "kind", "prompt"],
                "properties": {"kind": {"enum": list(KINDS)}},
                "allOf": [_question_variant(k) for k in KINDS],
            },
        },
    }


def schema_json() -> str:
    return json.dumps(deck_schema(), ensure_ascii=False, indent=2) + "\n"
