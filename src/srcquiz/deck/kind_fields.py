"""Each question kind's own fields, read from its node: one reader per kind, in
`KIND_FIELDS`, beside the checks that only make sense for that kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from srcquiz.deck.kinds import parse_cloze
from srcquiz.deck.node_reader import Fields, Invalid, NodeReader, did_you_mean
from srcquiz.deck.parts import Anchor
from srcquiz.deck.yaml_events import describe


@dataclass(frozen=True, slots=True)
class DeckContext:
    """What a deck gives each of its questions: sources, shuffle and anchor defaults."""

    sources: tuple[str, ...]
    shuffle: bool
    anchor: Anchor | None


def card_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "answer": r.text(r.need(node, fields, "answer", "card"), "the `answer`")
    }
    if "reversed" in fields:
        out["reversed"] = r.boolean(fields["reversed"][1], "`reversed`")
    return out


def short_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    anode = r.need(node, fields, "answer", "short")
    answer = r.text(anode, "the `answer`")
    out: dict[str, Any] = {"answer": answer}
    if "accept" in fields:
        accept = r.texts(fields["accept"][1], "`accept`")
        norm = {answer.strip().casefold()}
        for a in accept:
            if a.strip().casefold() in norm:
                r.warn(fields["accept"][1], f"`accept` repeats `{a}`")
            norm.add(a.strip().casefold())
        out["accept"] = accept
    if "fuzzy" in fields:
        out["fuzzy"] = r.boolean(fields["fuzzy"][1], "`fuzzy`")
    return out


def number_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "answer": r.number(r.need(node, fields, "answer", "number"), "the `answer`")
    }
    if "tolerance" in fields:
        tol = r.number(fields["tolerance"][1], "`tolerance`")
        if tol < 0:
            r.error(fields["tolerance"][1], "`tolerance` cannot be negative")
        out["tolerance"] = tol
    if "unit" in fields:
        out["unit"] = r.text(fields["unit"][1], "the `unit`")
    out["written"] = fields["answer"][1].value  # as the author wrote it (24.10)
    return out


def choice_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    onode = r.need(node, fields, "options", "choice")
    options = r.texts(onode, "`options`")
    seen: dict[str, int] = {}
    for i, opt in enumerate(options):
        if opt in seen:
            r.error(onode.value[i], f"duplicate option `{opt}`")
        seen.setdefault(opt, i)
    if len(options) < 2:
        r.error(onode, "a `choice` question needs at least 2 options")
    anode = r.need(node, fields, "answer", "choice")
    multi = isinstance(anode, SequenceNode)
    answers = (
        r.texts(anode, "the `answer`") if multi else (r.text(anode, "the `answer`"),)
    )
    if multi and not answers:
        r.error(anode, "the `answer` list is empty; name the right option(s)")
    correct: list[int] = []
    items = anode.value if multi else [anode]
    for a, anode_i in zip(answers, items, strict=False):
        if a not in seen:
            r.error(
                anode_i,
                f'choice answer "{a}" is not one of the options{did_you_mean(a, options)}',
            )
        elif seen[a] in correct:
            r.error(anode_i, f"the answer `{a}` is listed twice")
        else:
            correct.append(seen[a])
    shuffle = ctx.shuffle
    if "shuffle" in fields:
        shuffle = r.boolean(fields["shuffle"][1], "`shuffle`")
    right = [options[i] for i in correct]
    out = {"options": options, "correct": tuple(correct), "multi": multi, "shuffle": shuffle}
    if "why" in fields:
        out["why"] = choice_whys(r, fields["why"][1], options, set(right))
    return out


def choice_whys(
    r: NodeReader, node: Node, options: tuple[str, ...], right: set[str]
) -> tuple[tuple[str, str], ...]:
    """`why: {option: why it is wrong}`, each key an option (shown when it is picked)."""
    whys: list[tuple[str, str]] = []
    for option, (knode, vnode) in r.mapping(node, "`why`", options).items():
        try:
            why = r.text(vnode, f"the `why` of `{option}`")
        except Invalid:
            continue
        if option in right:
            r.warn(
                knode, f"`{option}` is a right answer; its `why` is never shown, use `explanation`"
            )
        whys.append((option, why))
    return tuple(whys)


def truefalse_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    return {
        "answer": r.boolean(r.need(node, fields, "answer", "truefalse"), "the `answer`")
    }


def cloze_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    prompt = common.get("prompt")
    if prompt is None:
        return {}
    deletions = parse_cloze(str(prompt))
    pnode = fields["prompt"][1]
    if not deletions:
        r.error(pnode, "the cloze has no deletion; mark one like `{{c1::answer}}`")
        return {}
    for d in deletions:
        if not d.answer.strip():
            r.error(pnode, f"cloze deletion c{d.number} is empty")
    if "{{c" in re.sub(r"\{\{c\d+::.*?\}\}", "", str(prompt)):
        r.error(pnode, "a cloze deletion is not closed or malformed; write `{{c1::answer}}`")
    numbers = sorted({d.number for d in deletions})
    if numbers != list(range(1, len(numbers) + 1)):
        r.warn(pnode, f"cloze numbers {numbers} skip some; number them c1, c2, ... in order")
    return {}


def order_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    inode = r.need(node, fields, "items", "order")
    items = r.texts(inode, "`items`")
    if len(items) < 3:
        r.error(inode, f"an `order` question needs at least 3 items, not {len(items)}")
    if len(set(items)) != len(items):
        r.error(inode, "`items` repeats an item; each step must be distinct")
    return {"items": items}


def match_fields(
    r: NodeReader, node: Node, fields: Fields, common: dict[str, Any], ctx: DeckContext
) -> dict[str, Any]:
    pnode = r.need(node, fields, "pairs", "match")
    if not isinstance(pnode, MappingNode):
        r.error(
            pnode, f"`pairs` must be a mapping of `left: right` lines, not {describe(pnode)}"
        )
        raise Invalid
    r._collection(pnode)
    pairs: list[tuple[str, str]] = []
    lefts: dict[str, Node] = {}
    rights: dict[str, Node] = {}
    for knode, vnode in pnode.value:
        try:
            left = r.text(knode, "the left side of a pair")
            right = r.text(vnode, f"the right side of `{left}`")
        except Invalid:
            continue
        for side, value, n, seen in (
            ("left", left, knode, lefts),
            ("right", right, vnode, rights),
        ):
            if value in seen:
                first = seen[value].start_mark
                r.error(
                    n,
                    f"match {side} side `{value}` is repeated (first at line "
                    f"{first.line + 1}); every side must be distinct",
                )
            seen.setdefault(value, n)
        pairs.append((left, right))
    if len(pairs) < 2:
        r.error(pnode, "a `match` question needs at least 2 pairs")
    return {"pairs": tuple(pairs)}


KindFields = Callable[[NodeReader, Node, Fields, dict[str, Any], DeckContext], dict[str, Any]]
KIND_FIELDS: dict[str, KindFields] = {
    "card": card_fields,
    "short": short_fields,
    "number": number_fields,
    "choice": choice_fields,
    "truefalse": truefalse_fields,
    "cloze": cloze_fields,
    "order": order_fields,
    "match": match_fields,
}
