"""The streaming composer makes the nodes (and errors) PyYAML's `Composer` makes.

`StreamLoader` composes from one `get_event` per event instead of PyYAML's
peek-and-check composer; the builder must see the same tags, values, styles,
marks, anchors and aliases, and a broken deck the same error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode

from srcquiz.deck.yaml_events import Anchors, DeckLoader, StreamLoader

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "decks").glob("*.yaml")) + sorted((ROOT / "tests/fixtures").rglob("*.yaml"))
EDGES = [
    "a: &x [1, 2, {b: *x}]\nc: *x\n",
    "a: &x 1\nb: &x 2\n",
    "a: *nope\n",
    "&r {a: *r}",
    "- !!str 12\n- !foo bar\n- ! baz\n- ~\n- ''\n- \"\"\n- -1.5e3\n- 0x1f\n- yes\n- No\n"
    "- 2001-12-14\n- <<\n- =\n- .nan\n",
    "? [a, b]\n: c\n? {x: 1}\n: &k [1]\nd: *k\n",
    "a: |\n  x\n  y\nb: >-\n  f\n  g\n",
    "[a, [b, [c, {d: e}]]]",
    "a: 1\n---\nb: 2\n",
    "",
    "a: [1, 2\n",
    "{a: 1, a: 2}",
    "!!map {a: 1}",
    "&a a: &b b\n*a : *b\n",
]


class PyYAMLComposer(DeckLoader, Composer):
    """The composer `StreamLoader` replaced: PyYAML's own, on the same resolver."""

    def __init__(self, text: str) -> None:
        DeckLoader.__init__(self, text)
        Composer.__init__(self)
        self.anchors = Anchors()

    def compose(self, parent: Node | None, index: Any) -> Any:
        return Composer.compose_node(self, parent, index)


def _tree(node: Node, seen: dict[int, int]) -> Any:
    if id(node) in seen:
        return ("alias of", seen[id(node)])
    seen[id(node)] = len(seen)

    def mark(m: Any) -> Any:
        return None if m is None else (m.line, m.column, m.index)

    head = (type(node).__name__, node.tag, mark(node.start_mark), mark(node.end_mark))
    if isinstance(node, ScalarNode):
        return (*head, node.value, node.style)
    if isinstance(node, MappingNode):
        pairs = [(_tree(k, seen), _tree(v, seen)) for k, v in node.value]
        return (*head, node.flow_style, pairs)
    return (*head, node.flow_style, [_tree(v, seen) for v in node.value])


def _compose_all(cls: type, text: str) -> Any:
    loader = cls(text)
    try:
        docs = []
        loader.get_event()
        while not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()
            docs.append(_tree(loader.compose(None, None), {}))
            loader.get_event()
        return docs, sorted(loader.anchors), len(loader.anchors.ids)
    except yaml.YAMLError as exc:
        return type(exc).__name__, str(exc)
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases_compose_alike(text: str) -> None:
    assert _compose_all(StreamLoader, text) == _compose_all(PyYAMLComposer, text)


def test_every_bundled_deck_and_fixture_composes_alike() -> None:
    assert len(FILES) > 40
    for path in FILES:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert _compose_all(StreamLoader, text) == _compose_all(PyYAMLComposer, text), path
