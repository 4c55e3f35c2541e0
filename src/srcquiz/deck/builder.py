"""Composed YAML nodes to the deck model: the deck's own keys, then each question.

The builder keeps going after a problem so that one run reports every problem
in the file; a deck with any error is not built (`finish` returns None).
Questions can be added one at a time (`begin`, `add_question`, `finish`), so a
streamed deck never holds more than one question's nodes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from srcquiz.deck.keys import ALL_QUESTION_KEYS, COMMON_KEYS, DECK_KEYS, ID_RE, KIND_KEYS
from srcquiz.deck.kind_fields import KIND_FIELDS, DeckContext
from srcquiz.deck.kinds import KIND_CLASSES, Question
from srcquiz.deck.lint_rules import cross_question_leaks, question_give_aways
from srcquiz.deck.model import KINDS, Deck
from srcquiz.deck.node_reader import Fields, Invalid, NodeReader, did_you_mean
from srcquiz.deck.parts import Anchor, Example, Position
from srcquiz.deck.yaml_events import SCALAR_TAGS, describe

_THE = {k: f"the `{k}`" for k in ALL_QUESTION_KEYS}
_A_QUESTION: dict[str | None, str] = {k: f"a `{k}` question" for k in KIND_KEYS}
_A_QUESTION[None] = "a question"
# The common fields read here by their type alone: a new plain field of the model
# (text, flag, number or list of texts) is read without touching this module.
_READ_AS = {
    "str": "text",
    "str | None": "text",
    "bool": "boolean",
    "float": "number",
    "tuple[str, ...]": "texts",
}
_BY_HAND = {"id", "prompt", "anchor", "tags", "examples", "pos"}
_PLAIN_COMMON = tuple(
    (f.name, _READ_AS[str(f.type)])
    for f in dataclasses.fields(Question)
    if f.name not in _BY_HAND
)


@dataclass
class DeckState:
    """A deck being built: its own keys are read, questions are added one by one."""

    deck_id: str
    values: dict[str, Any]
    ctx: DeckContext
    qnode: Node | None = None  # the `questions` value, if it is a list
    qnodes: list[Node] = field(default_factory=list)
    count: int = 0
    questions: list[Question] = field(default_factory=list)
    seen_ids: dict[str, tuple[int, int]] = field(default_factory=dict)
    seen_prompts: dict[str, int] = field(default_factory=dict)


def _place(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class Builder(NodeReader):
    """Walks one composed document and builds a Deck, collecting diagnostics.

    `authoring` adds the rules that judge how a deck teaches (give-aways, leaks
    between questions): `srcquiz lint` wants them; loading a deck to study it does
    not, and they cost as much as the rest of the parse.
    """

    def __init__(self, path: str, *, authoring: bool = True) -> None:
        super().__init__(path)
        self.authoring = authoring

    # -- the deck ----------------------------------------------------------
    def deck(self, root: Node | None, default_id: str) -> Deck | None:
        """The whole deck from a fully composed document."""
        state = self.begin(root, default_id)
        if state is None:
            return None
        for qn in state.qnodes:
            self.add_question(state, qn)
        return self.finish(state)

    def begin(self, root: Node | None, default_id: str) -> DeckState | None:
        """Everything but the questions: the deck's own keys, its defaults for them."""
        if root is None:
            self.error(None, "the file is empty; a deck needs `title`, `sources` and `questions`")
            return None
        try:
            fields = self.mapping(root, "the deck", DECK_KEYS, ALL_QUESTION_KEYS)
        except Invalid:
            if isinstance(root, SequenceNode):
                self.diags[-1:] = []
                self.error(
                    root,
                    "the file is a list, not a deck; put the questions under `questions:` "
                    "beside `title:` and `sources:`",
                )
            return None
        values = self._deck_values(fields)
        deck_id = str(values.get("id", default_id))
        if "id" in values and not ID_RE.fullmatch(deck_id):
            self.error(
                fields["id"][1],
                f"deck id `{deck_id}` must be lowercase letters, digits, `-`, `_` or `.`",
            )
        for key in ("title", "questions"):
            if key not in fields:
                self.error(root, f"the deck has no `{key}`; add `{key}:` at the top level")
        if "sources" not in fields:
            self.warn(root, "the deck has no `sources`; name the article(s) it was written from")
        ctx = DeckContext(
            sources=values.get("sources", ()),
            shuffle=bool(values.get("shuffle", True)),
            anchor=values.get("anchor"),
        )
        state = DeckState(deck_id=deck_id, values=values, ctx=ctx)
        if "questions" in fields:
            state.qnode = fields["questions"][1]
            try:
                state.qnodes = self.sequence(state.qnode, "`questions`")
            except Invalid:
                state.qnode = None
        return state

    def _deck_values(self, fields: Fields) -> dict[str, Any]:
        """The deck's own keys that read cleanly (each problem is already reported)."""
        readers: dict[str, tuple[Callable[[Node, str], Any], str]] = {
            "id": (self.text, "the deck `id`"),
            "title": (self.text, "the deck `title`"),
            "description": (self.text, "the deck `description`"),
            "sources": (self.texts, "the deck `sources`"),
            "tags": (self.tags, "the deck `tags`"),
            "shuffle": (self.boolean, "the deck `shuffle`"),
            "anchor": (self.anchor, "the deck `anchor`"),
        }
        values: dict[str, Any] = {}
        for key, (read, what) in readers.items():
            if key in fields:
                try:
                    values[key] = read(fields[key][1], what)
                except Invalid:
                    pass
        return values

    def add_question(self, state: DeckState, qn: Node) -> None:
        state.count += 1
        q = self.question(qn, state.ctx)
        if q is None:
            return
        # Places, not nodes, are kept: a streamed deck lets each question's nodes go.
        if q.id in state.seen_ids:
            line, col = state.seen_ids[q.id]
            self.error(
                qn,
                f"duplicate question id `{q.id}` (first at line {line}, column {col}); "
                "ids must be unique in a deck",
            )
            return
        state.seen_ids[q.id] = (qn.start_mark.line + 1, qn.start_mark.column + 1)
        norm = " ".join(q.prompt.split()).lower()
        if norm in state.seen_prompts:
            self.warn(qn, f"same prompt as the question at line {state.seen_prompts[norm]}")
        else:
            state.seen_prompts[norm] = qn.start_mark.line + 1
        state.questions.append(q)

    def finish(self, state: DeckState) -> Deck | None:
        if state.qnode is not None and not state.count:
            self.error(
                state.qnode, "the deck has no questions; add at least one under `questions:`"
            )
        if self.errors:
            return None
        if self.authoring:
            cross_question_leaks(self, state.questions)
        values = state.values
        return Deck(
            id=state.deck_id,
            title=str(values["title"]),
            questions=tuple(state.questions),
            description=str(values.get("description", "")),
            sources=tuple(state.ctx.sources),
            tags=tuple(values.get("tags", ())),
            shuffle=state.ctx.shuffle,
            anchor=state.ctx.anchor,
            path=self.path,
        )

    # -- one question ------------------------------------------------------
    def question(self, node: Node, ctx: DeckContext) -> Question | None:
        if not isinstance(node, MappingNode):
            try:
                self.mapping(node, "a question", ())
            except Invalid:
                pass
            return None
        kind, known = self._kind(node)
        if not known:
            return None
        allowed = tuple(ALL_QUESTION_KEYS) if kind is None else COMMON_KEYS + KIND_KEYS[kind]
        try:
            fields = self.mapping(node, _A_QUESTION[kind], allowed, ALL_QUESTION_KEYS)
        except Invalid:
            return None
        errors_before = self.errors
        common = self._common(node, fields, kind, ctx)
        if kind is None:
            return None
        try:
            specific = KIND_FIELDS[kind](self, node, fields, common, ctx)
        except Invalid:
            return None
        if self.errors > errors_before or "id" not in common or "prompt" not in common:
            return None
        try:
            q = KIND_CLASSES[kind](**common, **specific)
        except TypeError:  # a required kind field already reported missing
            return None
        if self.authoring:
            question_give_aways(self, fields, q)
        return q

    def examples(self, node: Node, kind: str | None) -> tuple[Example, ...]:
        """`examples: {right: [...], wrong: [...]}`: answers `lint` grades, written as
        `srcquiz grade` takes them; any scalar is taken as the text written."""
        if kind == "card":
            self.error(node, "a `card` is graded by the learner; `examples` do not apply")
            raise Invalid
        out = []
        for key, (_k, v) in self.mapping(node, "`examples`", ("right", "wrong")).items():
            for item in self.sequence(v, f"`examples` `{key}`"):
                if not isinstance(item, ScalarNode) or item.tag not in SCALAR_TAGS:
                    self.error(item, f"an example is an answer as text, not {describe(item)}")
                    continue
                out.append(Example(item.value, key == "right", _place(item)))
        return tuple(out)

    def _kind(self, node: MappingNode) -> tuple[str | None, bool]:
        """The question's kind, found first so unknown keys can be judged against it;
        (None, False) after an unknown kind, (None, True) when none is given."""
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.value == "kind":
                if isinstance(vnode, ScalarNode) and vnode.value in KIND_CLASSES:
                    return vnode.value, True
                value = vnode.value if isinstance(vnode, ScalarNode) else describe(vnode)
                self.error(
                    vnode,
                    f"unknown kind `{value}`{did_you_mean(str(value), KINDS)}; "
                    f"use one of: {', '.join(KINDS)}",
                )
                return None, False
        self.error(node, f"the question has no `kind`; use one of: {', '.join(KINDS)}")
        return None, True

    def _common(
        self, node: Node, fields: Fields, kind: str | None, ctx: DeckContext
    ) -> dict[str, Any]:
        """The fields every kind has, each problem reported where it is."""
        common: dict[str, Any] = {"pos": _place(node)}
        for key, what in (("id", "the question `id`"), ("prompt", "the `prompt`")):
            if key not in fields:
                self.error(node, f"the `{kind}` question has no `{key}`")
                continue
            try:
                value = self.text(fields[key][1], what)
            except Invalid:
                continue
            if key == "id" and not ID_RE.fullmatch(value):
                self.error(
                    fields["id"][1],
                    f"question id `{value}` must be lowercase letters, digits, "
                    "`-`, `_` or `.`, starting with a letter or digit",
                )
                continue
            common[key] = value
        for key, read in _PLAIN_COMMON:
            if key in fields:
                try:
                    common[key] = getattr(self, read)(fields[key][1], _THE[key])
                except Invalid:
                    pass
        if "explanation" not in fields:
            self.warn(node, "the question has no `explanation`; say why the answer is right")
        if "tags" in fields:
            try:
                common["tags"] = self.tags(fields["tags"][1], "the question `tags`")
            except Invalid:
                pass
        if "examples" in fields:
            try:
                common["examples"] = self.examples(fields["examples"][1], kind)
            except Invalid:
                pass
        anchor = self._anchor(node, fields, ctx)
        if anchor is not None:
            common["anchor"] = anchor
        if "code" in common and "lang" not in common:
            self.warn(
                fields["code"][1],
                "the `code` has no `lang`; name its language (c, python, "
                "java, ...) so it can be highlighted",
            )
        self._source(node, fields, common, ctx)
        return common

    def _anchor(self, node: Node, fields: Fields, ctx: DeckContext) -> Anchor | None:
        """The question's anchor merged over the deck's, if it names code at all."""
        anchor = ctx.anchor
        if "anchor" in fields:
            try:
                own = self.anchor(fields["anchor"][1], "the question `anchor`")
                anchor = own.merged_over(ctx.anchor)
            except Invalid:
                pass
        if anchor is None:
            return None
        where = fields["anchor"][1] if "anchor" in fields else node
        if anchor.symbol and not anchor.path:
            self.error(where, "the anchor names a `symbol` but no `path` to find it in")
        if anchor.path and not anchor.repo:
            self.error(
                where,
                "the anchor names a `path` but no `repo` (set it here or on the deck's `anchor`)",
            )
        return anchor if anchor.path or anchor.symbol else None

    def _source(self, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext) -> None:
        """Default the source to the deck's only one; check a given one is the deck's."""
        src = common.get("source")
        if src is None:
            if len(ctx.sources) == 1:
                common["source"] = ctx.sources[0]
            elif ctx.sources:
                self.warn(
                    node,
                    "the question has no `source`; name which of the deck's sources it comes from",
                )
        elif ctx.sources and src not in ctx.sources:
            self.warn(
                fields["source"][1],
                f"source `{src}` is not one of the deck's `sources`"
                f"{did_you_mean(str(src), ctx.sources)}",
            )
