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

import difflib
import gc
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.cyaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver, Resolver

from srcquiz.deck.loader import Diagnostic
from srcquiz.deck.model import (
    KIND_CLASSES,
    KINDS,
    Anchor,
    Deck,
    Example,
    Position,
    Question,
    parse_cloze,
)

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
SEQ, MAP = _T + "seq", _T + "map"
SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL, _T + "timestamp"}
ALLOWED_TAGS = SCALAR_TAGS | {SEQ, MAP}
TRUE_WORDS = {"true", "yes", "on", "y"}
FALSE_WORDS = {"false", "no", "off", "n"}

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
TAG_RE = re.compile(r"^[^\s]+$")
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")

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
    "hint",
    "tags",
    "examples",
)
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "card": ("answer", "reversed"),
    "short": ("answer", "accept", "fuzzy"),
    "number": ("answer", "tolerance", "unit"),
    "choice": ("options", "answer", "shuffle"),
    "truefalse": ("answer",),
    "cloze": (),
    "order": ("items",),
    "match": ("pairs",),
}
ANCHOR_KEYS = ("repo", "path", "symbol", "version")
ALL_QUESTION_KEYS = set(COMMON_KEYS).union(*KIND_KEYS.values())
_THE = {k: f"the `{k}`" for k in ALL_QUESTION_KEYS}
_A_QUESTION: dict[str | None, str] = {k: f"a `{k}` question" for k in KIND_KEYS}
_A_QUESTION[None] = "a question"


_IMPLICIT = Resolver.yaml_implicit_resolvers


class _DeckLoader(CParser, BaseResolver):  # type: ignore[misc, name-defined]
    """libyaml's composer with a lean resolver.

    PyYAML's generic resolver costs more than all of deck validation; decks need
    only the core scalar tags, and never path resolvers.
    """

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)  # type: ignore[attr-defined]
        BaseResolver.__init__(self)

    def descend_resolver(self, current_node, current_index):  # noqa: D102
        pass

    def ascend_resolver(self):  # noqa: D102
        pass

    def resolve(self, kind, value, implicit):  # noqa: D102
        if kind is ScalarNode:
            if implicit[0]:
                if not value:
                    return NULL
                for tag, regexp in _IMPLICIT.get(value[0], ()):
                    if regexp.match(value):
                        return tag
            return STR
        return SEQ if kind is SequenceNode else MAP


class _Invalid(Exception):
    """Abandons the current value; the diagnostic is already recorded."""


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Builder:
    """Walks one composed document and builds a Deck, collecting diagnostics."""

    def __init__(self, path: str):
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
            raise _Invalid
        self._seen.add(key)

    def _check_tag(self, node: Node, what: str) -> None:
        tag = node.tag
        if tag not in ALLOWED_TAGS:
            self.error(node, f"{what}: the YAML tag `{tag}` is not allowed; decks hold plain data")
            raise _Invalid

    def mapping(
        self, node: Node, what: str, allowed: Iterable[str], other: Iterable[str] = ()
    ) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self._check_tag(node, what)
            self.error(
                node, f"{what} must be a mapping of `key: value` lines, not {_describe(node)}"
            )
            raise _Invalid
        self._check_tag(node, what)
        self._collection(node)
        allowed = tuple(allowed)
        out: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode) or knode.tag not in (STR, INT, FLOAT, BOOL):
                self.error(knode, f"{what}: keys must be plain words, not {_describe(knode)}")
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
                    hint = _did_you_mean(key, allowed)
                    self.error(knode, f"unknown key `{key}` in {what}{hint}")
                continue
            out[key] = (knode, vnode)
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self._check_tag(node, what)
            self.error(node, f"{what} must be a list (`- item` lines), not {_describe(node)}")
            raise _Invalid
        self._check_tag(node, what)
        self._collection(node)
        return node.value

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str:
        if not isinstance(node, ScalarNode):
            self._check_tag(node, what)
            self.error(node, f"{what} must be text, not {_describe(node)}")
            raise _Invalid
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
            raise _Invalid
        return value

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            return node.value.lower() in TRUE_WORDS
        self.error(node, f"{what} must be `true` or `false`, not {_describe(node)}")
        raise _Invalid

    def number(self, node: Node, what: str) -> float:
        if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            raw = node.value.replace("_", "")
            try:
                return float(int(raw, 0)) if node.tag == INT else float(raw)
            except ValueError:
                pass
        self.error(node, f"{what} must be a number, not {_describe(node)}")
        raise _Invalid

    def texts(self, node: Node, what: str) -> tuple[str, ...]:
        out = []
        for item in self.sequence(node, what):
            try:
                out.append(self.text(item, f"an item of {what}"))
            except _Invalid:
                pass
        return tuple(out)

    def tags(self, node: Node, what: str) -> tuple[str, ...]:
        out = []
        for item in self.sequence(node, what):
            try:
                tag = self.text(item, f"a tag in {what}")
            except _Invalid:
                continue
            if not TAG_RE.match(tag):
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
            except _Invalid:
                continue
        repo, path = values.get("repo"), values.get("path")
        if repo and not REPO_RE.match(repo):
            self.error(fields["repo"][1], f"anchor repo `{repo}` must look like `owner/name`")
        if path and (path.startswith("/") or ".." in Path(path).parts or "\\" in path):
            self.error(
                fields["path"][1], f"anchor path `{path}` must be relative to the repository root"
            )
        return Anchor(**values, pos=Position(node.start_mark.line + 1, node.start_mark.column + 1))

    # -- the deck ----------------------------------------------------------
    def deck(self, root: Node | None, default_id: str) -> Deck | None:
        """The whole deck from a fully composed document."""
        state = self.begin(root, default_id)
        if state is None:
            return None
        for qn in state.qnodes:
            self.add_question(state, qn)
        return self.finish(state)

    def begin(self, root: Node | None, default_id: str) -> _DeckState | None:
        """Everything but the questions: the deck's own keys, its defaults for them."""
        if root is None:
            self.error(None, "the file is empty; a deck needs `title`, `sources` and `questions`")
            return None
        try:
            fields = self.mapping(root, "the deck", DECK_KEYS, ALL_QUESTION_KEYS)
        except _Invalid:
            if isinstance(root, SequenceNode):
                self.diags[-1:] = []
                self.error(
                    root,
                    "the file is a list, not a deck; put the questions under `questions:` "
                    "beside `title:` and `sources:`",
                )
            return None
        values: dict[str, object] = {}

        def get(key: str, fn, *args):
            if key in fields:
                try:
                    values[key] = fn(fields[key][1], *args)
                except _Invalid:
                    pass

        get("id", self.text, "the deck `id`")
        get("title", self.text, "the deck `title`")
        get("description", self.text, "the deck `description`")
        get("sources", self.texts, "the deck `sources`")
        get("tags", self.tags, "the deck `tags`")
        get("shuffle", self.boolean, "the deck `shuffle`")
        get("anchor", self.anchor, "the deck `anchor`")
        deck_id = str(values.get("id", default_id))
        if "id" in values and not ID_RE.match(deck_id):
            self.error(
                fields["id"][1],
                f"deck id `{deck_id}` must be lowercase letters, digits, `-`, `_` or `.`",
            )
        for key in ("title", "questions"):
            if key not in fields:
                self.error(root, f"the deck has no `{key}`; add `{key}:` at the top level")
        if "sources" not in fields:
            self.warn(root, "the deck has no `sources`; name the article(s) it was written from")
        sources = values.get("sources", ())
        state = _DeckState(
            deck_id=deck_id,
            values=values,
            ctx=_DeckContext(
                sources=sources,  # type: ignore[arg-type]
                shuffle=bool(values.get("shuffle", True)),
                anchor=values.get("anchor"),  # type: ignore[arg-type]
            ),
        )
        if "questions" in fields:
            state.qnode = fields["questions"][1]
            try:
                state.qnodes = self.sequence(state.qnode, "`questions`")
            except _Invalid:
                state.qnode = None
        return state

    def add_question(self, state: _DeckState, qn: Node) -> None:
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

    def finish(self, state: _DeckState) -> Deck | None:
        if state.qnode is not None and not state.count:
            self.error(
                state.qnode, "the deck has no questions; add at least one under `questions:`"
            )
        if self.errors:
            return None
        values = state.values
        return Deck(
            id=state.deck_id,
            title=str(values["title"]),
            questions=tuple(state.questions),
            description=str(values.get("description", "")),
            sources=tuple(state.ctx.sources),
            tags=tuple(values.get("tags", ())),  # type: ignore[arg-type]
            shuffle=state.ctx.shuffle,
            anchor=state.ctx.anchor,
            path=self.path,
        )

    # -- one question ------------------------------------------------------
    def question(self, node: Node, ctx: _DeckContext) -> Question | None:
        if not isinstance(node, MappingNode):
            try:
                self.mapping(node, "a question", ())
            except _Invalid:
                pass
            return None
        # Find the kind first so unknown keys can be judged against it.
        kind = None
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.value == "kind":
                if isinstance(vnode, ScalarNode) and vnode.value in KIND_CLASSES:
                    kind = vnode.value
                else:
                    value = vnode.value if isinstance(vnode, ScalarNode) else _describe(vnode)
                    self.error(
                        vnode,
                        f"unknown kind `{value}`{_did_you_mean(str(value), KINDS)}; "
                        f"use one of: {', '.join(KINDS)}",
                    )
                    return None
        if kind is None:
            self.error(node, f"the question has no `kind`; use one of: {', '.join(KINDS)}")
            allowed: tuple[str, ...] = tuple(ALL_QUESTION_KEYS)
        else:
            allowed = COMMON_KEYS + KIND_KEYS[kind]
        try:
            fields = self.mapping(node, _A_QUESTION[kind], allowed, ALL_QUESTION_KEYS)
        except _Invalid:
            return None
        errors_before = self.errors
        common: dict[str, object] = {
            "pos": Position(node.start_mark.line + 1, node.start_mark.column + 1)
        }

        def need(key: str) -> Node | None:
            if key in fields:
                return fields[key][1]
            self.error(node, f"the `{kind}` question has no `{key}`")
            return None

        idnode = need("id")
        if idnode is not None:
            try:
                qid = self.text(idnode, "the question `id`")
                if ID_RE.match(qid):
                    common["id"] = qid
                else:
                    self.error(
                        idnode,
                        f"question id `{qid}` must be lowercase letters, digits, "
                        "`-`, `_` or `.`, starting with a letter or digit",
                    )
            except _Invalid:
                pass
        pnode = need("prompt")
        if pnode is not None:
            try:
                common["prompt"] = self.text(pnode, "the `prompt`")
            except _Invalid:
                pass
        for key in ("explanation", "code", "lang", "hint", "source"):
            if key in fields:
                try:
                    common[key] = self.text(fields[key][1], _THE[key])
                except _Invalid:
                    pass
        if "explanation" not in fields:
            self.warn(node, "the question has no `explanation`; say why the answer is right")
        if "tags" in fields:
            try:
                common["tags"] = self.tags(fields["tags"][1], "the question `tags`")
            except _Invalid:
                pass
        if "examples" in fields:
            try:
                common["examples"] = self.examples(fields["examples"][1], kind)
            except _Invalid:
                pass
        anchor = ctx.anchor
        if "anchor" in fields:
            try:
                anchor = self.anchor(fields["anchor"][1], "the question `anchor`").merged_over(
                    ctx.anchor
                )
            except _Invalid:
                pass
        if anchor is not None:
            where = fields["anchor"][1] if "anchor" in fields else node
            if anchor.symbol and not anchor.path:
                self.error(where, "the anchor names a `symbol` but no `path` to find it in")
            if anchor.path and not anchor.repo:
                self.error(
                    where,
                    "the anchor names a `path` but no `repo` (set it here or on "
                    "the deck's `anchor`)",
                )
            if anchor.path or anchor.symbol:
                common["anchor"] = anchor
        if "code" in common and "lang" not in common:
            self.warn(
                fields["code"][1],
                "the `code` has no `lang`; name its language (c, python, "
                "java, ...) so it can be highlighted",
            )
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
                f"{_did_you_mean(str(src), ctx.sources)}",
            )
        if kind is None:
            return None
        try:
            specific = getattr(self, f"_{kind}")(node, fields, common, ctx)
        except _Invalid:
            return None
        if self.errors > errors_before or "id" not in common or "prompt" not in common:
            return None
        try:
            return KIND_CLASSES[kind](**common, **specific)
        except TypeError:  # a required kind field already reported missing
            return None

    def examples(self, node: Node, kind: str | None) -> tuple[Example, ...]:
        """`examples: {right: [...], wrong: [...]}`: answers `lint` grades, written as
        `srcquiz grade` takes them; any scalar is taken as the text written."""
        if kind == "card":
            self.error(node, "a `card` is graded by the learner; `examples` do not apply")
            raise _Invalid
        out = []
        for key, (_k, v) in self.mapping(node, "`examples`", ("right", "wrong")).items():
            for item in self.sequence(v, f"`examples` `{key}`"):
                if not isinstance(item, ScalarNode) or item.tag not in SCALAR_TAGS:
                    self.error(item, f"an example is an answer as text, not {_describe(item)}")
                    continue
                where = Position(item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(Example(item.value, key == "right", where))
        return tuple(out)

    def _need(self, node: Node, fields: dict, key: str, kind: str) -> Node:
        if key not in fields:
            self.error(node, f"the `{kind}` question has no `{key}`")
            raise _Invalid
        return fields[key][1]

    def _card(self, node, fields, common, ctx) -> dict:
        out: dict[str, object] = {
            "answer": self.text(self._need(node, fields, "answer", "card"), "the `answer`")
        }
        if "reversed" in fields:
            out["reversed"] = self.boolean(fields["reversed"][1], "`reversed`")
        return out

    def _short(self, node, fields, common, ctx) -> dict:
        anode = self._need(node, fields, "answer", "short")
        answer = self.text(anode, "the `answer`")
        out: dict[str, object] = {"answer": answer}
        if "accept" in fields:
            accept = self.texts(fields["accept"][1], "`accept`")
            norm = {answer.strip().casefold()}
            for a in accept:
                if a.strip().casefold() in norm:
                    self.warn(fields["accept"][1], f"`accept` repeats `{a}`")
                norm.add(a.strip().casefold())
            out["accept"] = accept
        if "fuzzy" in fields:
            out["fuzzy"] = self.boolean(fields["fuzzy"][1], "`fuzzy`")
        prompt = str(common.get("prompt", ""))
        if len(answer) >= 4 and _contains_word(prompt.casefold(), answer.casefold()):
            self.warn(anode, f"the prompt gives the answer away: it contains `{answer}`")
        self._code_gives_away(fields, common, (answer,))
        return out

    def _code_gives_away(self, fields, common, answers: Iterable[str]) -> None:
        """A snippet shown with the question must not contain what is asked."""
        code = common.get("code")
        if not code:
            return
        folded = str(code).casefold()
        for answer in answers:
            if len(answer) >= 4 and _contains_word(folded, answer.casefold()):
                self.warn(
                    fields["code"][1],
                    f"the code snippet gives the answer away: it contains `{answer}`; "
                    "elide it (`...`) or move the snippet to a question it does not answer",
                )
                return

    def _number(self, node, fields, common, ctx) -> dict:
        out: dict[str, object] = {
            "answer": self.number(self._need(node, fields, "answer", "number"), "the `answer`")
        }
        if "tolerance" in fields:
            tol = self.number(fields["tolerance"][1], "`tolerance`")
            if tol < 0:
                self.error(fields["tolerance"][1], "`tolerance` cannot be negative")
            out["tolerance"] = tol
        if "unit" in fields:
            out["unit"] = self.text(fields["unit"][1], "the `unit`")
        value = float(out["answer"])  # type: ignore[arg-type]
        written = fields["answer"][1].value
        self._code_gives_away(fields, common, {written, f"{value:g}", f"{value:,g}"})
        return out

    def _choice(self, node, fields, common, ctx) -> dict:
        onode = self._need(node, fields, "options", "choice")
        options = self.texts(onode, "`options`")
        seen: dict[str, int] = {}
        for i, opt in enumerate(options):
            if opt in seen:
                self.error(onode.value[i], f"duplicate option `{opt}`")
            seen.setdefault(opt, i)
        if len(options) < 2:
            self.error(onode, "a `choice` question needs at least 2 options")
        anode = self._need(node, fields, "answer", "choice")
        multi = isinstance(anode, SequenceNode)
        answers = (
            self.texts(anode, "the `answer`") if multi else (self.text(anode, "the `answer`"),)
        )
        if multi and not answers:
            self.error(anode, "the `answer` list is empty; name the right option(s)")
        correct: list[int] = []
        items = anode.value if multi else [anode]
        for a, anode_i in zip(answers, items, strict=False):
            if a not in seen:
                self.error(
                    anode_i,
                    f'choice answer "{a}" is not one of the options{_did_you_mean(a, options)}',
                )
            elif seen[a] in correct:
                self.error(anode_i, f"the answer `{a}` is listed twice")
            else:
                correct.append(seen[a])
        shuffle = ctx.shuffle
        if "shuffle" in fields:
            shuffle = self.boolean(fields["shuffle"][1], "`shuffle`")
        right = [options[i] for i in correct]
        wrong = [o for i, o in enumerate(options) if i not in correct]
        code = str(common.get("code") or "").casefold()
        if code and right and not any(_contains_word(code, o.casefold()) for o in wrong):
            self._code_gives_away(fields, common, right if len(right) > 1 else right[:1])
        return {"options": options, "correct": tuple(correct), "multi": multi, "shuffle": shuffle}

    def _truefalse(self, node, fields, common, ctx) -> dict:
        return {
            "answer": self.boolean(self._need(node, fields, "answer", "truefalse"), "the `answer`")
        }

    def _cloze(self, node, fields, common, ctx) -> dict:
        prompt = common.get("prompt")
        if prompt is None:
            return {}
        deletions = parse_cloze(str(prompt))
        pnode = fields["prompt"][1]
        if not deletions:
            self.error(pnode, "the cloze has no deletion; mark one like `{{c1::answer}}`")
            return {}
        for d in deletions:
            if not d.answer.strip():
                self.error(pnode, f"cloze deletion c{d.number} is empty")
        if "{{c" in re.sub(r"\{\{c\d+::.*?\}\}", "", str(prompt)):
            self.error(pnode, "a cloze deletion is not closed or malformed; write `{{c1::answer}}`")
        self._code_gives_away(fields, common, (d.answer for d in deletions))
        numbers = sorted({d.number for d in deletions})
        if numbers != list(range(1, len(numbers) + 1)):
            self.warn(pnode, f"cloze numbers {numbers} skip some; number them c1, c2, ... in order")
        return {}

    def _order(self, node, fields, common, ctx) -> dict:
        inode = self._need(node, fields, "items", "order")
        items = self.texts(inode, "`items`")
        if len(items) < 3:
            self.error(inode, f"an `order` question needs at least 3 items, not {len(items)}")
        if len(set(items)) != len(items):
            self.error(inode, "`items` repeats an item; each step must be distinct")
        return {"items": items}

    def _match(self, node, fields, common, ctx) -> dict:
        pnode = self._need(node, fields, "pairs", "match")
        if not isinstance(pnode, MappingNode):
            self.error(
                pnode, f"`pairs` must be a mapping of `left: right` lines, not {_describe(pnode)}"
            )
            raise _Invalid
        self._collection(pnode)
        pairs: list[tuple[str, str]] = []
        lefts: dict[str, Node] = {}
        rights: dict[str, Node] = {}
        for knode, vnode in pnode.value:
            try:
                left = self.text(knode, "the left side of a pair")
                right = self.text(vnode, f"the right side of `{left}`")
            except _Invalid:
                continue
            for side, value, n, seen in (
                ("left", left, knode, lefts),
                ("right", right, vnode, rights),
            ):
                if value in seen:
                    first = seen[value].start_mark
                    self.error(
                        n,
                        f"match {side} side `{value}` is repeated (first at line "
                        f"{first.line + 1}); every side must be distinct",
                    )
                seen.setdefault(value, n)
            pairs.append((left, right))
        if len(pairs) < 2:
            self.error(pnode, "a `match` question needs at least 2 pairs")
        return {"pairs": tuple(pairs)}


@dataclass(frozen=True, slots=True)
class _DeckContext:
    sources: tuple[str, ...]
    shuffle: bool
    anchor: Anchor | None


@dataclass
class _DeckState:
    """A deck being built: its own keys are read, questions are added one by one."""

    deck_id: str
    values: dict[str, object]
    ctx: _DeckContext
    qnode: Node | None = None  # the `questions` value, if it is a list
    qnodes: list[Node] = field(default_factory=list)
    count: int = 0
    questions: list[Question] = field(default_factory=list)
    seen_ids: dict[str, tuple[int, int]] = field(default_factory=dict)
    seen_prompts: dict[str, int] = field(default_factory=dict)


def _contains_word(text: str, word: str) -> bool:
    """`word` occurs in `text` with no word character touching either end."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-"):
            return True
        start = text.find(word, start + 1)
    return False


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "nothing"
    if node.tag not in ALLOWED_TAGS:
        return f"a `{node.tag}` value"
    return f"`{node.value}`" if len(node.value) < 40 else "a long text"


def parse_deck(text: str, path: str, default_id: str) -> tuple[Deck | None, list[Diagnostic]]:
    """Build a deck from YAML text. Never raises for bad input.

    The cyclic garbage collector is paused meanwhile: a deck is hundreds of
    thousands of short-lived acyclic nodes, and collections triggered by their
    allocation cost more than parsing itself (1.5 s vs 0.6 s for 10k questions).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_deck(text, path, default_id)
    finally:
        if was_enabled:
            gc.enable()


MAX_DEPTH = 200
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _too_deep(text: str) -> Diagnostic | None:
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
        return _deepest(CParser(text))
    except yaml.YAMLError:
        pass
    # libyaml (0.2.6 on) refuses 1,000 levels itself while scanning ahead, before
    # the events reach the count; the pure-Python parser has no such limit and
    # stops at ours, so the deck gets the same located sentence either way.
    try:
        return _deepest(_EventsOnly(text))
    except yaml.YAMLError:
        return None  # the composer reports syntax errors with their position


class _EventsOnly(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """The pure-Python event parser alone: no composer, no constructor."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self) -> None:
        """Nothing to free (the C parser's counterpart releases libyaml)."""


def _deepest(parser: Any) -> Diagnostic | None:
    """Count collection depth in the parser's events; a diagnostic past MAX_DEPTH."""
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    m = event.start_mark
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


def _parse_deck(
    text: str, path: str, default_id: str, *, stream: bool = True
) -> tuple[Deck | None, list[Diagnostic]]:
    """`stream=False` composes the whole document first (what a deck whose
    `questions` is not its last key gets); tests check both give the same."""
    deep = _too_deep(text)
    if deep is not None:
        return None, [Diagnostic(path, deep.line, deep.column, deep.severity, deep.message)]
    builder = _Builder(path)
    try:
        deck = _stream(text, builder, default_id) if stream else _NOT_STREAMABLE
        if deck is _NOT_STREAMABLE:
            builder = _Builder(path)
            loader = _DeckLoader(text)
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


class _StreamLoader(_DeckLoader, Composer):
    """libyaml's events, composed one subtree at a time (PyYAML's Python composer).

    Composing a whole 100k-question file at once holds every node of it (~800 MB
    for 45 MB of YAML); composed question by question, each one's nodes are freed
    once it is built. Python composition is slower than libyaml's, but the deck
    is still read in well under the time of `yaml.load`.
    """

    def __init__(self, stream: str) -> None:
        _DeckLoader.__init__(self, stream)
        Composer.__init__(self)
        self.anchors = _Anchors()

    def compose(self, parent: Node | None, index: object) -> Node:
        return Composer.compose_node(self, parent, index)


class _Anchors(dict):
    """The composer's anchors, also keeping the ids of the anchored nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[int] = set()

    def __setitem__(self, name: str, node: Node) -> None:
        super().__setitem__(name, node)
        self.ids.add(id(node))


def _stream(text: str, builder: _Builder, default_id: str) -> Deck | None | object:
    """Build the deck while reading it, when `questions` is its last key (the usual
    layout); `_NOT_STREAMABLE` when it is not (then it is composed whole)."""
    loader = _StreamLoader(text)
    builder.anchored = loader.anchors.ids
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return builder.deck(None, default_id)
        start = loader.get_event()  # document start
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
                loader.peek_event().start_mark,
            )
        return deck
    finally:
        loader.dispose()


def _stream_root(loader: _StreamLoader, builder: _Builder, default_id: str) -> object:
    """The deck mapping: its keys composed as usual up to `questions`, whose items are
    then composed, built and let go one at a time."""
    event = loader.get_event()
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
            seq_event = loader.peek_event()
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
    root.end_mark = loader.get_event().end_mark
    return builder.deck(root, default_id)  # no `questions` list: nothing to stream
