"""Typed access to composed YAML nodes, each problem located at its line and column.

Every read either returns a value of the asked type or records one diagnostic
and raises `Invalid`, so a caller abandons just that value and goes on to find
the deck's other problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.keys import ANCHOR_KEYS, REPO_RE, TAG_RE
from srcquiz.deck.parts import Anchor, Position
from srcquiz.deck.text_rules import control_problem
from srcquiz.deck.yaml_events import (
    ALLOWED_TAGS,
    BOOL,
    FLOAT,
    INT,
    NULL,
    SCALAR_TAGS,
    STR,
    TRUE_WORDS,
    describe,
)
from srcquiz.textsafe import CONTROL_RE

_find_control = CONTROL_RE.search

# A mapping's entries by key: (key node, value node).
Fields = dict[str, tuple[Node, Node]]


class Invalid(Exception):
    """Abandons the current value; the diagnostic is already recorded."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class NodeReader:
    """Reads one document's nodes for a deck file, collecting diagnostics."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diags: list[Diagnostic] = []
        self.errors = 0
        self._seen: set[int] = set()
        # Ids of anchored nodes while streaming (other nodes are freed and their ids
        # reused); None when the whole document stays composed.
        self.anchored: set[int] | None = None

    # -- reporting ---------------------------------------------------------
    def error(self, node: Node | None, message: str) -> None:
        self._report(node, "error", message)

    def warn(self, node: Node | None, message: str) -> None:
        self._report(node, "warning", message)

    def _report(self, node: Node | None, severity: str, message: str) -> None:
        line = col = 0
        if node is not None:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.diags.append(Diagnostic(self.path, line, col, severity, message))
        if severity == "error":
            self.errors += 1

    # -- typed access ------------------------------------------------------
    def _collection(self, node: Node) -> None:
        key = id(node)
        if self.anchored is not None and key not in self.anchored:
            return  # streamed: only an anchored node can come back, and it stays alive
        if key in self._seen:
            self.error(
                node,
                "the value anchored here (`&name`) is reused with an alias (`*name`); "
                "aliases are not allowed in decks, write the value out",
            )
            raise Invalid
        self._seen.add(key)

    def _check_tag(self, node: Node, what: str) -> None:
        tag = node.tag
        if tag not in ALLOWED_TAGS:
            self.error(node, f"{what}: the YAML tag `{tag}` is not allowed; decks hold plain data")
            raise Invalid

    def mapping(
        self, node: Node, what: str, allowed: Iterable[str], other: Iterable[str] = ()
    ) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self._check_tag(node, what)
            self.error(
                node, f"{what} must be a mapping of `key: value` lines, not {describe(node)}"
            )
            raise Invalid
        self._check_tag(node, what)
        self._collection(node)
        allowed = tuple(allowed)
        out: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode) or knode.tag not in (STR, INT, FLOAT, BOOL):
                self.error(knode, f"{what}: keys must be plain words, not {describe(knode)}")
                continue
            key = knode.value
            if key in out:
                first = out[key][0].start_mark
                self.error(
                    knode,
                    f"duplicate key `{key}` in {what} (first at line {first.line + 1}, "
                    f"column {first.column + 1}); keep only one",
                )
                continue
            if key not in allowed:
                if key in other:
                    self.error(knode, f"`{key}` is not used in {what}; remove it")
                else:
                    hint = did_you_mean(key, allowed)
                    self.error(knode, f"unknown key `{key}` in {what}{hint}")
                continue
            out[key] = (knode, vnode)
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self._check_tag(node, what)
            self.error(node, f"{what} must be a list (`- item` lines), not {describe(node)}")
            raise Invalid
        self._check_tag(node, what)
        self._collection(node)
        return node.value

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str:
        if not isinstance(node, ScalarNode):
            self._check_tag(node, what)
            self.error(node, f"{what} must be text, not {describe(node)}")
            raise Invalid
        if node.tag not in SCALAR_TAGS:
            self._check_tag(node, what)
        value = "" if node.tag == NULL and node.style is None else node.value
        if node.tag == BOOL and node.style is None:
            self.warn(
                node,
                f"{what} `{value}` is read as a boolean by other YAML tools (editors, the "
                f'schema); quote it: "{value}"',
            )
        if not allow_empty and not value.strip():
            self.error(node, f"{what} is empty; write the text or remove the key")
            raise Invalid
        # The search inline: every text of a deck passes here (600k at 100k questions).
        if _find_control(value) is not None:
            self.error(node, control_problem(value, what) or "")
        return value

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            return node.value.lower() in TRUE_WORDS
        self.error(node, f"{what} must be `true` or `false`, not {describe(node)}")
        raise Invalid

    def number(self, node: Node, what: str) -> float:
        if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            raw = node.value.replace("_", "")
            try:
                return float(int(raw, 0)) if node.tag == INT else float(raw)
            except ValueError:
                pass
        self.error(node, f"{what} must be a number, not {describe(node)}")
        raise Invalid

    def texts(self, node: Node, what: str) -> tuple[str, ...]:
        out = []
        for item in self.sequence(node, what):
            try:
                out.append(self.text(item, f"an item of {what}"))
            except Invalid:
                pass
        return tuple(out)

    def tags(self, node: Node, what: str) -> tuple[str, ...]:
        out = []
        for item in self.sequence(node, what):
            try:
                tag = self.text(item, f"a tag in {what}")
            except Invalid:
                continue
            if not TAG_RE.fullmatch(tag):
                self.error(item, f"tag `{tag}` has spaces; use `-` or `_` instead")
            else:
                out.append(tag)
        return tuple(out)

    def anchor(self, node: Node, what: str) -> Anchor:
        fields = self.mapping(node, what, ANCHOR_KEYS)
        values = {}
        for key, (_k, v) in fields.items():
            try:
                values[key] = self.text(v, f"`{key}` of {what}")
            except Invalid:
                continue
        repo, path = values.get("repo"), values.get("path")
        if repo and not REPO_RE.fullmatch(repo):
            self.error(fields["repo"][1], f"anchor repo `{repo}` must look like `owner/name`")
        if path and (path.startswith("/") or ".." in Path(path).parts or "\\" in path):
            self.error(
                fields["path"][1], f"anchor path `{path}` must be relative to the repository root"
            )
        return Anchor(**values, pos=Position(node.start_mark.line + 1, node.start_mark.column + 1))

    def need(self, node: Node, fields: Fields, key: str, kind: str) -> Node:
        if key not in fields:
            self.error(node, f"the `{kind}` question has no `{key}`")
            raise Invalid
        return fields[key][1]
