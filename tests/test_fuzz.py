"""Hostile deck files: whatever the bytes, the loader returns a deck or located errors.

`make fuzz` runs these with many more examples (SRCQUIZ_FUZZ=long).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.loader import load_deck_file, parse_deck
from srcquiz.deck.model import KINDS

LONG = os.environ.get("SRCQUIZ_FUZZ") == "long"
SETTINGS = settings(
    max_examples=5000 if LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _check(deck, diags: list[Diagnostic]) -> None:
    assert deck is not None or any(d.severity == "error" for d in diags)
    for d in diags:
        assert isinstance(d, Diagnostic) and d.message and d.severity in ("error", "warning")
        assert d.line >= 0 and d.column >= 0


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "deck.yaml"
    path.write_bytes(data)
    start = time.perf_counter()
    _check(*load_deck_file(path))
    assert time.perf_counter() - start < 2


YAML_ALPHABET = st.sampled_from(
    list("abc: -[]{}&*!|>'\"#%@`,?\n\t ") + ["\n  ", "\n- ", "---", "!!python/object:os.system",
                                            "{{c1::", "}}", "kind: ", "questions:\n"]
)


@SETTINGS
@given(st.lists(YAML_ALPHABET, max_size=200).map("".join))
def test_random_yaml_text(text: str) -> None:
    _check(*parse_deck(text, "f.yaml", "f"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.text(max_size=8), c, max_size=4), max_leaves=20)
question = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=10), st.integers()), "kind": st.sampled_from(KINDS)},
    optional={k: values for k in ("prompt", "answer", "options", "items", "pairs", "accept",
                                  "explanation", "anchor", "tolerance", "reversed", "shuffle")},
)
deck_shape = st.fixed_dictionaries(
    {"title": values, "questions": st.lists(question, max_size=5)},
    optional={"sources": values, "anchor": values, "tags": values, "id": values},
)


@SETTINGS
@given(deck_shape)
def test_random_structures_in_deck_shape(data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    _check(*parse_deck(text, "f.yaml", "f"))


def test_unsafe_tags_execute_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"""title: x
sources: [a]
questions:
  - id: a
    kind: short
    prompt: !!python/object/apply:os.system ["touch {marker}"]
    answer: !!python/name:os.system
    explanation: e
"""
    deck, diags = parse_deck(text, "f.yaml", "f")
    assert deck is None and not marker.exists()
    assert any("is not allowed" in d.message for d in diags)


def test_huge_file_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    start = time.perf_counter()
    deck, diags = load_deck_file(path)
    assert deck is None and "50.0 MB" in diags[0].message
    assert time.perf_counter() - start < 0.5


def test_control_characters_and_tabs(tmp_path: Path) -> None:
    text = "title: x\nsources: [a]\nquestions:\n\t- id: a\n"
    deck, diags = parse_deck(text, "f.yaml", "f")
    assert deck is None and diags[0].line == 4
    deck, diags = parse_deck("title: \x07bell\n", "f.yaml", "f")
    assert deck is None and "control character U+0007" in diags[0].message
    assert (diags[0].line, diags[0].column) == (1, 8)
