"""The published JSON Schema: in sync with the loader and true of every bundled deck."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from srcquiz.deck.schema import deck_schema, schema_json
from srcquiz.paths import bundled_decks_dir

FIXTURES = Path(__file__).parent.parent / "fixtures"
DECKS = sorted(bundled_decks_dir().glob("*.yaml"))


def test_committed_copy_is_in_sync() -> None:
    committed = (bundled_decks_dir() / "deck.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json(), "run: srcquiz schema > decks/deck.schema.json"


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(deck_schema())


@pytest.mark.parametrize("path", [*DECKS, FIXTURES / "deck_all_kinds.yaml"], ids=lambda p: p.stem)
def test_every_deck_validates(path: Path) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    jsonschema.validate(data, deck_schema())


def test_bundled_decks_carry_the_modeline() -> None:
    assert DECKS
    for path in DECKS:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=deck.schema.json", path.name


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "x", "questions": [{"id": "a", "kind": "short", "prompt": "p"}]},
        {"title": "x", "questions": [{"id": "a", "kind": "order", "prompt": "p", "items": ["a"]}]},
        {"title": "x", "questions": [{"id": "a", "kind": "zzz", "prompt": "p"}]},
        {"title": "x", "questions": [{"id": "A b", "kind": "truefalse", "prompt": "p",
                                      "answer": True}]},
        {"title": "x", "nonsense": 1, "questions": []},
    ],
)
def test_schema_rejects_broken_decks(bad: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, deck_schema())
