"""YAML text to the deck model, with every problem located.

Decks are composed from libyaml's events (`CParser`), never constructed: the
model is built straight from the nodes, so every problem knows its line and column,
duplicate keys are caught (PyYAML silently keeps the last), scalars keep the
text the author wrote (`answer: no` stays "no"), and no tag is ever executed.
Only `loader` imports this module, and only when a deck must really be parsed:
a deck served from the cache never pays for importing PyYAML.

When `questions` is the deck's last key (the usual layout), each question is
composed, built and let go in turn (`_stream`): a 100k-question file peaks at
~330 MB instead of ~820 MB with every node held. Otherwise the document is
composed whole by libyaml; a test checks both ways agree on every deck.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from srcquiz.deck.builder import Builder
from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.model import Deck
from srcquiz.deck.yaml_events import MAP, SEQ, DeckLoader, StreamLoader, too_deep
from srcquiz.gc_pause import gc_paused


def parse_deck(
    text: str, path: str, default_id: str, *, authoring: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    """Build a deck from YAML text. Never raises for bad input.

    The cyclic garbage collector is paused meanwhile: a deck is hundreds of
    thousands of short-lived acyclic nodes, and collections triggered by their
    allocation cost more than parsing itself (1.5 s vs 0.6 s for 10k questions).
    """
    with gc_paused():
        return _parse_deck(text, path, default_id, authoring=authoring)


def _parse_deck(
    text: str, path: str, default_id: str, *, stream: bool = True, authoring: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    """`stream=False` composes the whole document first (what a deck whose
    `questions` is not its last key gets); tests check both give the same."""
    deep = too_deep(text)
    if deep is not None:
        return None, [Diagnostic(path, deep.line, deep.column, deep.severity, deep.message)]
    builder = Builder(path, authoring=authoring)
    try:
        deck = _stream(text, builder, default_id) if stream else _NOT_STREAMABLE
        if deck is _NOT_STREAMABLE:
            builder = Builder(path, authoring=authoring)
            loader = DeckLoader(text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
            deck = builder.deck(root, default_id)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context and "expected a single document" in exc.context:
            problem = SEVERAL_DOCUMENTS
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return None, [Diagnostic(path, line, col, "error", f"YAML syntax error: {problem}")]
    except yaml.reader.ReaderError as exc:
        pos = exc.position
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return None, [
            Diagnostic(
                path,
                line,
                col,
                "error",
                f"YAML syntax error: control character U+{ord(char):04X} is not allowed; remove it",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(path, 0, 0, "error", f"YAML error: {exc}")]
    except RecursionError:
        return None, [Diagnostic(path, 0, 0, "error", "nests too deeply to be a deck")]
    return deck, builder.diags  # type: ignore[return-value]


SEVERAL_DOCUMENTS = "holds several YAML documents (`---`); a deck file is one document"
_NOT_STREAMABLE = object()


def _stream(text: str, builder: Builder, default_id: str) -> Deck | None | object:
    """Build the deck while reading it, when `questions` is its last key (the usual
    layout); `_NOT_STREAMABLE` when it is not (then it is composed whole)."""
    loader = StreamLoader(text)
    builder.anchored = loader.anchors.ids
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return builder.deck(None, default_id)
        start: Any = loader.get_event()  # document start
        deck: object
        if not loader.check_event(yaml.MappingStartEvent):
            deck = builder.deck(loader.compose(None, None), default_id)
        else:
            deck = _stream_root(loader, builder, default_id)
            if deck is _NOT_STREAMABLE:
                return _NOT_STREAMABLE
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                start.start_mark,
                "but found another document",
                _event(loader.peek_event()).start_mark,
            )
        return deck
    finally:
        loader.dispose()


def _stream_root(loader: StreamLoader, builder: Builder, default_id: str) -> object:
    """The deck mapping: its keys composed as usual up to `questions`, whose items are
    then composed, built and let go one at a time."""
    event: Any = loader.get_event()
    tag = event.tag if event.tag not in (None, "!") else MAP
    root = MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
    if event.anchor is not None:
        return _NOT_STREAMABLE  # an anchored deck (pointless, but legal): compose it whole
    while not loader.check_event(yaml.MappingEndEvent):
        key = loader.compose(root, None)
        if (
            isinstance(key, ScalarNode)
            and key.value == "questions"
            and loader.check_event(yaml.SequenceStartEvent)
        ):
            seq_event: Any = loader.peek_event()
            if seq_event.anchor is not None:
                return _NOT_STREAMABLE
            qnode = SequenceNode(
                seq_event.tag if seq_event.tag not in (None, "!") else SEQ,
                [],
                seq_event.start_mark,
                seq_event.start_mark,
                flow_style=seq_event.flow_style,
            )
            root.value.append((key, qnode))
            state = builder.begin(root, default_id)
            if state is not None and state.qnode is not qnode:
                return _NOT_STREAMABLE  # a second `questions` key: leave it to the whole parse
            loader.get_event()  # sequence start
            index = 0
            while not loader.check_event(yaml.SequenceEndEvent):
                item = loader.compose(qnode, index)
                if state is not None:
                    builder.add_question(state, item)
                index += 1
            loader.get_event()  # sequence end
            if not loader.check_event(yaml.MappingEndEvent):
                return _NOT_STREAMABLE  # keys after `questions`: they may set its defaults
            loader.get_event()  # mapping end
            return None if state is None else builder.finish(state)
        root.value.append((key, loader.compose(root, key)))
    root.end_mark = _event(loader.get_event()).end_mark
    return builder.deck(root, default_id)  # no `questions` list: nothing to stream


def _event(event: object) -> Any:
    """An event as PyYAML's untyped attributes (tag, anchor, marks) are read."""
    return event
