"""Every field of every kind, through every path a question takes.

The questions here are built from the model's own dataclass fields, each set to
a value other than its default, so a field added to the model (and to the
format's key table) is walked by these tests without editing them: the codec,
the deck cache, the YAML writer with the parser, an Anki package out and back
in, and the JSON Schema must all carry it, or a test here fails.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from srcquiz.anki.exporter import export_decks
from srcquiz.anki.importer import DeckDraft, deck_yaml, import_package
from srcquiz.deck.cache import _encode
from srcquiz.deck.cache_decode import decode
from srcquiz.deck.codec import SPELLED_BY, from_data, to_data
from srcquiz.deck.keys import COMMON_KEYS, KIND_KEYS
from srcquiz.deck.kinds import KIND_CLASSES, Question
from srcquiz.deck.loader import load_deck, parse_deck
from srcquiz.deck.model import KINDS, Deck
from srcquiz.deck.parts import Anchor, Example
from srcquiz.deck.schema import schema_json

SOURCE = "An article"
# Values a kind needs to be a valid question (the rest comes from the field's type).
KIND_VALUES: dict[str, dict[str, Any]] = {
    "card": {"answer": "the back"},
    "short": {"answer": "sigsuspend", "accept": ("sigsuspend()", "sigsuspend(2)")},
    "number": {"answer": 16.5, "tolerance": 0.5, "unit": "threads", "written": "16.50"},
    "choice": {
        "options": ("one", "two", "three"),
        "correct": (0, 2),
        "multi": True,
        "why": (("two", "two is the other one"),),
    },
    "truefalse": {"answer": True},
    "cloze": {"prompt": "The master sleeps in {{c1::sigsuspend}} after {{c2::sigprocmask}}."},
    "order": {"items": ("first step", "second step", "third step")},
    "match": {"pairs": (("SIGHUP", "reload"), ("SIGQUIT", "quit"), ("SIGUSR1", "reopen"))},
}


def _value(name: str, hint: Any, default: Any) -> Any:
    """A value of the field's type that differs from its default."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str or (args and str in args and type(None) in args):
        return f"the {name}"
    if hint is bool:
        return not default
    if hint is float:
        return 2.5
    if hint == tuple[str, ...]:
        return (f"{name}-a", f"{name}-b")
    if hint == tuple[Example, ...]:
        return (Example("right answer", True), Example("a wrong one", False))
    if args and Anchor in args:
        return Anchor(repo="owner/name", path="src/x.c", symbol="x", version="v1")
    raise AssertionError(f"no test value for {name}: {hint} ({origin})")


def full_question(kind: str) -> Question:
    """A question of `kind` with every field away from its default."""
    cls = KIND_CLASSES[kind]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {"id": f"q-{kind}", "source": SOURCE, "lang": "c"}
    for f in dataclasses.fields(cls):
        if f.name in values or f.name == "pos" or f.name in KIND_VALUES[kind]:
            continue
        values[f.name] = _value(f.name, hints[f.name], f.default)
    values.update(KIND_VALUES[kind])
    if kind == "card":
        values.pop("examples")  # a card is graded by the learner
    values["tags"] = ("tag-one", "tag-two")
    return cls(**values)


QUESTIONS = [full_question(kind) for kind in KINDS]
DECK = Deck(id="every-field", title="Every field", questions=tuple(QUESTIONS), sources=(SOURCE,))


def _same(a: Question, b: Question, skip: set[str] = frozenset()) -> None:
    for f in dataclasses.fields(a):
        if f.name != "pos" and f.name not in skip:
            assert getattr(a, f.name) == getattr(b, f.name) or (
                f.name == "examples" and [e[:2] for e in a.examples] == [e[:2] for e in b.examples]
            ), f"{a.kind}.{f.name}"


def test_every_field_has_a_test_value_and_a_key_in_the_format():
    for q in QUESTIONS:
        keys = set(COMMON_KEYS) | set(KIND_KEYS[q.kind]) | set(SPELLED_BY)
        assert set(to_data(q)) <= keys, q.kind


@pytest.mark.parametrize("q", QUESTIONS, ids=KINDS)
def test_the_codec_round_trips_every_field(q: Question):
    back = from_data(json.loads(json.dumps(to_data(q))))
    _same(q, back)


def test_the_yaml_writer_and_the_parser_agree_on_every_field():
    draft = DeckDraft(DECK.id, DECK.title, {"sources": [SOURCE]})
    draft.questions = list(QUESTIONS)
    deck, diags = parse_deck(deck_yaml(draft), "every.yaml", DECK.id)
    assert deck is not None, [str(d) for d in diags]
    for q, back in zip(QUESTIONS, deck.questions, strict=True):
        _same(q, back)


@pytest.mark.parametrize("checked", [True, False])
def test_the_deck_cache_round_trips_every_field(checked: bool):
    doc = json.loads(json.dumps(_encode(DECK, [])))
    back, _ = decode(doc, "every.yaml", checked=checked)
    assert back is not None
    for q, cached in zip(QUESTIONS, back.questions, strict=True):
        _same(q, cached)


def test_every_written_key_is_in_the_json_schema(tmp_path: Path):
    schema = json.loads(schema_json())
    draft = DeckDraft(DECK.id, DECK.title, {"sources": [SOURCE]})
    draft.questions = list(QUESTIONS)
    path = tmp_path / "every.yaml"
    path.write_text(deck_yaml(draft))
    import yaml

    jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    assert load_deck(path).questions == DECK.questions


def test_an_anki_package_carries_every_field(tmp_path: Path):
    package = tmp_path / "every.apkg"
    export_decks([DECK], package)
    result = import_package(package, tmp_path / "out")
    assert not result.warnings
    back = load_deck(tmp_path / "out" / f"{DECK.id}.yaml")
    for q, imported in zip(QUESTIONS, back.questions, strict=True):
        _same(q, imported)
