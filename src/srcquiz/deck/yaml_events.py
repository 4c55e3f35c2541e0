"""libyaml's events and nodes, read the way decks need them.

A lean resolver (only the core scalar tags), a composer that can hand over one
subtree at a time (so a 100k-question file never holds all its nodes), and the
depth guard that refuses nesting libyaml's recursive composer would crash on.
Nothing here builds the deck model: that is `builder`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver, Resolver

from srcquiz.deck.diagnostics import Diagnostic

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
SEQ, MAP = _T + "seq", _T + "map"
SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL, _T + "timestamp"}
ALLOWED_TAGS = SCALAR_TAGS | {SEQ, MAP}
TRUE_WORDS = {"true", "yes", "on", "y"}
FALSE_WORDS = {"false", "no", "off", "n"}

_IMPLICIT = Resolver.yaml_implicit_resolvers


class DeckLoader(CParser, BaseResolver):
    """libyaml's composer with a lean resolver.

    PyYAML's generic resolver costs more than all of deck validation; decks need
    only the core scalar tags, and never path resolvers.
    """

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        BaseResolver.__init__(self)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:  # noqa: D102
        pass

    def ascend_resolver(self) -> None:  # noqa: D102
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: D102
        if kind is ScalarNode:
            if implicit[0]:
                if not value:
                    return NULL
                for tag, regexp in _IMPLICIT.get(value[0], ()):
                    if regexp.match(value):
                        return tag
            return STR
        return SEQ if kind is SequenceNode else MAP


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "nothing"
    if node.tag not in ALLOWED_TAGS:
        return f"a `{node.tag}` value"
    return f"`{node.value}`" if len(node.value) < 40 else "a long text"


MAX_DEPTH = 200
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def too_deep(text: str) -> Diagnostic | None:
    """Refuse nesting that would overflow libyaml's recursive composer (it crashes).

    Depth is bounded by flow brackets plus line length; only when that bound is
    high are the parser events counted exactly.
    """
    flow = depth = 0
    for ch in _NOT_BRACKETS.sub("", text):
        depth += 1 if ch in "[{" else -1
        flow = max(flow, depth)
    longest = max(map(len, text.splitlines()), default=0)
    if flow + longest < 2000:
        return None
    try:
        return deepest(CParser(text))
    except yaml.YAMLError:
        pass
    # libyaml (0.2.6 on) refuses 1,000 levels itself while scanning ahead, before
    # the events reach the count; the pure-Python parser has no such limit and
    # stops at ours, so the deck gets the same located sentence either way.
    try:
        return deepest(EventsOnly(text))
    except yaml.YAMLError:
        return None  # the composer reports syntax errors with their position


class EventsOnly(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """The pure-Python event parser alone: no composer, no constructor."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self) -> None:
        """Nothing to free (the C parser's counterpart releases libyaml)."""


def deepest(parser: Any) -> Diagnostic | None:
    """Count collection depth in the parser's events; a diagnostic past MAX_DEPTH."""
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    m: Any = event.start_mark
                    return Diagnostic(
                        "",
                        m.line + 1,
                        m.column + 1,
                        "error",
                        f"nests deeper than {MAX_DEPTH} levels; a deck is never that deep",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        parser.dispose()
    return None


class StreamLoader(DeckLoader):
    """libyaml's events, composed one subtree at a time, in Python.

    Composing a whole 100k-question file at once holds every node of it (~800 MB
    for 45 MB of YAML); composed question by question, each one's nodes are freed
    once it is built. This composer makes the same nodes as PyYAML's `Composer`
    (same tags, marks, styles, anchors and errors) from one `get_event` per event:
    PyYAML's peeks and checks each event three times over and calls the resolver
    through two no-op hooks, which made composing most of a deck's parse time
    (`lint` 100k questions: composing 44 s of 114 s profiled). Collections still
    take two frames per level, as PyYAML's do, so nesting runs out of stack where
    it did; scalars, most of a deck's nodes, take none of their own.
    """

    def __init__(self, stream: str) -> None:
        DeckLoader.__init__(self, stream)
        self.anchors: Anchors = Anchors()

    def compose(self, parent: Node | None, index: Any) -> Any:
        """The next subtree (a node; None only at the end, which callers never reach).
        `parent` and `index` are PyYAML's path-resolver arguments, unused by decks."""
        return self._node(self.get_event())

    def _node(self, event: Any) -> Any:
        cls = event.__class__
        anchor = event.anchor
        if cls is AliasEvent:
            if anchor not in self.anchors:
                raise ComposerError(
                    None, None, f"found undefined alias {anchor!r}", event.start_mark
                )
            return self.anchors[anchor]
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,
                "second occurrence",
                event.start_mark,
            )
        if cls is ScalarEvent:
            node = _scalar(event)
            if anchor is not None:
                self.anchors[anchor] = node
            return node
        if cls is MappingStartEvent:
            return self._mapping(event)
        return self._sequence(event)

    def _sequence(self, start: Any) -> SequenceNode:
        tag = start.tag
        if tag is None or tag == "!":
            tag = SEQ
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if start.anchor is not None:
            self.anchors[start.anchor] = node
        get, append = self.get_event, node.value.append
        while (event := get()).__class__ is not SequenceEndEvent:
            if event.__class__ is ScalarEvent and event.anchor is None:
                append(_scalar(event))
            else:
                append(self._node(event))
        node.end_mark = event.end_mark
        return node

    def _mapping(self, start: Any) -> MappingNode:
        tag = start.tag
        if tag is None or tag == "!":
            tag = MAP
        node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if start.anchor is not None:
            self.anchors[start.anchor] = node
        get, append = self.get_event, node.value.append
        while (event := get()).__class__ is not MappingEndEvent:
            if event.__class__ is ScalarEvent and event.anchor is None:
                key = _scalar(event)
            else:
                key = self._node(event)
            event = get()
            if event.__class__ is ScalarEvent and event.anchor is None:
                append((key, _scalar(event)))
            else:
                append((key, self._node(event)))
        node.end_mark = event.end_mark
        return node


def _scalar(event: Any) -> ScalarNode:
    """A scalar event's node, its tag resolved as `DeckLoader.resolve` does."""
    tag = event.tag
    value = event.value
    if tag is None or tag == "!":
        tag = STR
        if event.implicit[0]:
            if not value:
                tag = NULL
            else:
                for implicit_tag, regexp in _IMPLICIT.get(value[0], ()):
                    if regexp.match(value):
                        tag = implicit_tag
                        break
    return ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)


class Anchors(dict[str, Node]):
    """The composer's anchors, also keeping the ids of the anchored nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[int] = set()

    def __setitem__(self, name: str, node: Node) -> None:
        super().__setitem__(name, node)
        self.ids.add(id(node))
