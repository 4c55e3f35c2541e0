"""Authoring rules: warnings about a deck that parses but would teach badly.

A prompt or a code snippet is shown before the learner answers; one that holds
the answer turns a question into reading practice. So does another question of
the same deck that shows the answer in its prompt, snippet or order items, and
an order whose items sort themselves (alphabetically, or by names like
`STEP_1`, `_START`/`_END`, "then"), and a match of two pairs (a coin flip).

Text is compared the way grading compares answers (Unicode-folded, case-folded,
spacing and surrounding punctuation aside), and identifiers are split on `_`
and case changes, so `worker_processes` shows "worker processes" and
`aeSetBeforeSleepProc` shows `beforeSleep`. Answers shorter than 4 letters or
digits never count: they are too common to mean anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from srcquiz.deck.diagnostics import Diagnostic
from srcquiz.deck.kinds import Choice, Cloze, Flashcard, Match, Number, Order, Question, Short
from srcquiz.deck.lint_text import (
    MIN_CHARS,
    Parts,
    any_shown,
    glued_at_next,
    parts_of,
    shown_words,
    shows,
    split_parts,
    squashed,
    weight_of,
    whole_words,
    word_set,
)

if TYPE_CHECKING:
    from yaml.nodes import Node

    from srcquiz.deck.node_reader import Fields, NodeReader

MIN_LEAK_CHARS = 5  # the same, for an answer shown by another question
_ELIDE = (
    "elide it (`...`), move the snippet to a question it does not answer, or set "
    "`code_after: true` if the code must show the answer"
)

# --- one question ------------------------------------------------------------------


def _report(r: NodeReader, node: Node, where: str, what: str) -> None:
    if where == "code":
        r.warn(node, f"the code snippet gives the answer away: {what}; {_ELIDE}")
    else:
        r.warn(node, f"the prompt gives the answer away: {what}; reword it")


def question_give_aways(r: NodeReader, fields: Fields, q: Question) -> None:
    """Warn where the question's own prompt or snippet (unless it is shown only
    after the answer, `code_after`) shows what it asks, and about orders and
    matches that answer themselves."""
    if q.code_after and not q.code and "code_after" in fields:
        r.warn(fields["code_after"][1], "`code_after` is set but there is no `code` to show")
    texts: list[tuple[str, str, Node]] = []
    if q.code and not q.code_after and "code" in fields:
        texts.append(("code", q.code, fields["code"][1]))
    if not isinstance(q, Cloze) and "prompt" in fields:
        texts.append(("prompt", q.prompt, fields["prompt"][1]))
    if isinstance(q, Order):
        order_give_aways(r, fields, q, texts)
    elif isinstance(q, Match):
        match_give_aways(r, fields, q, texts)
    elif isinstance(q, Choice):
        for where, text, node in texts:
            if (shown := choice_shown(q, text)) is not None:
                _report(r, node, where, f"it contains `{shown}`, a right option, and no wrong one")
    elif isinstance(q, Cloze):
        cloze_give_aways(r, fields, q, texts)
    else:
        answers = _answers(q, fields)
        for where, text, node in texts:
            shown = next((a for a in answers if shows(text, a)), None)
            if shown is not None:
                _report(r, node, where, f"it contains `{shown}`")


def _answers(q: Question, fields: Fields) -> list[str]:
    if isinstance(q, Short):
        return [q.answer, *q.accept]
    if isinstance(q, Flashcard):
        return [q.answer]
    if isinstance(q, Number):
        written = getattr(fields.get("answer", (None, None))[1], "value", "")
        return list(dict.fromkeys(a for a in (written, f"{q.answer:g}", f"{q.answer:,g}") if a))
    return []


def _distinct(options: Sequence[str]) -> list[str]:
    """Each option without the words every option shares at its start or end and a
    leading article: `a new NioEventLoop` / `a new NioEventLoopGroup` -> the class."""
    split = [re.findall(r"\w+", unicodedata.normalize("NFKC", o)) for o in options]
    folded = [[w.casefold() for w in s] for s in split]
    shortest = min(map(len, split), default=0)
    head = 0
    while head < shortest - 1 and len({f[head] for f in folded}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head - 1 and len({f[-1 - tail] for f in folded}) == 1:
        tail += 1
    out = []
    for option, s in zip(options, split, strict=True):
        rest = s[head : len(s) - tail]
        if len(rest) > 1 and rest[0].casefold() in ("a", "an", "the"):
            rest = rest[1:]
        out.append(" ".join(rest) if rest and rest != s else option)
    return out


def choice_shown(q: Choice, text: str) -> str | None:
    """The right option `text` names when it names no wrong one, else None."""
    in_text = set(split_parts(text))
    if all(in_text.isdisjoint(split_parts(o)) for o in q.options):
        return None
    distinct = _distinct(q.options)
    named = {i for i, (o, d) in enumerate(zip(q.options, distinct, strict=True))
             if shows(text, o) or shows(text, d)}
    if not named or not named <= set(q.correct):
        return None
    return q.options[min(named)]


def cloze_give_aways(r: NodeReader, fields: Fields, q: Cloze, texts: list) -> None:
    """A deletion's answer shown by the snippet, or by the cloze's own text with
    that deletion hidden (outside it, or in another deletion shown meanwhile)."""
    dels = q.deletions()
    for where, text, node in texts:
        shown = next((d.answer for d in dels if shows(text, d.answer)), None)
        if shown is not None:
            _report(r, node, where, f"it contains `{shown}`")
    whole = squashed(q.prompt)
    for number in sorted({d.number for d in dels}):
        own = [squashed(d.answer) for d in dels if d.number == number]
        # Cheap first: an answer found no more often than in its own deletions is
        # not shown anywhere else.
        if all(whole.count(k) <= sum(o.count(k) for o in own) for k in own if k):
            continue
        masked = q.masked(number)
        shown = next((a for a in q.answers_for(number) if shows(masked, a)), None)
        if shown is not None:
            r.warn(
                fields["prompt"][1],
                f"the cloze gives deletion c{number} away: `{shown}` is still shown "
                "while it is hidden; reword the other mention",
            )
            return


def match_give_aways(r: NodeReader, fields: Fields, q: Match, texts: list) -> None:
    pnode = fields["pairs"][1]
    if len(q.pairs) == 2:
        r.warn(
            pnode,
            "a `match` question with only 2 pairs is a coin flip; add a third pair "
            "or ask it as a `choice`",
        )
    for where, text, node in texts:
        if text.isascii() and not any_shown(text, [left for left, _ in q.pairs]):
            continue  # an ASCII line's squashed form is part of its text's: no line can
        for line in text.splitlines():
            lefts = [left for left, _ in q.pairs if shows(line, left)]
            rights = [right for _, right in q.pairs if shows(line, right)]
            if len(lefts) == 1 and len(rights) == 1 and (lefts[0], rights[0]) in q.pairs:
                _report(r, node, where, f"it pairs `{lefts[0]}` with `{rights[0]}`")
                break


# --- orders --------------------------------------------------------------------------

_STOP = frozenset(
    "the and with from that this then into onto each every when which what them they "
    "their there its it's for after before once only also have has been will does call "
    "calls called over under until while where other same both all any new".split()
)


def _fragment_places(item: str, text: Parts, at: dict[str, list[int]]) -> list[int]:
    """Where in `text` the longest run of `item`'s parts that the text shows as
    whole words (4+ letters, not only common words) begins; `at`: where each part
    of the text begins a word."""
    it = split_parts(item)
    best, places = 0, []
    for a in range(len(it)):
        for b in at.get(it[a], ()):
            k = 0
            while a + k < len(it) and b + k < len(text.parts) and it[a + k] == text.parts[b + k]:
                k += 1
            for j in range(k, 0, -1):
                if b + j - 1 not in text.ends:
                    continue
                run = it[a : a + j]
                weight = weight_of(run)
                if weight < MIN_CHARS or all(p in _STOP for p in run):
                    break
                if weight > best:
                    best, places = weight, [b]
                elif weight == best:
                    places.append(b)
                break
    return sorted(set(places))


def _may_appear(item: str, text: set[str]) -> bool:
    """The parts `item` shares with the text (`text`: its parts) could make a
    fragment `_fragment_places` accepts: 4+ letters, not only common words."""
    common = text.intersection(split_parts(item))
    return weight_of(common) >= MIN_CHARS and not common <= _STOP


def items_in_order(items: Sequence[str], text: str) -> bool:
    """`text` shows the items one after another in the answer's order: every item
    (all but one, from 4 items) by a recognisable run of its words."""
    allowed = 1 if len(items) >= 4 else 0
    in_text = set(split_parts(text))
    misses = 0
    for item in items:
        if not _may_appear(item, in_text):
            misses += 1
            if misses > allowed:
                return False
    t = parts_of(text)
    at: dict[str, list[int]] = defaultdict(list)
    for i, part in enumerate(t.parts):
        if i in t.starts:
            at[part].append(i)
    places = [_fragment_places(item, t, at) for item in items]
    if sum(not p for p in places) > allowed:
        return False
    last = -1
    for p in places:
        if not p:
            continue
        after = next((x for x in p if x > last), None)
        if after is None:
            return False
        last = after
    return True


def order_give_aways(r: NodeReader, fields: Fields, q: Order, texts: list) -> None:
    for where, text, node in texts:
        if items_in_order(q.items, text):
            _report(r, node, where, "it shows the items in their order")
    inode = fields["items"][1]
    keys = [" ".join(whole_words(i)) for i in q.items]
    if keys == sorted(keys):
        r.warn(
            inode,
            "the items are in alphabetical order, so sorting them gives the answer; "
            "reword one so they are not",
        )
    named = sequenced_names(q.items)
    if named is not None:
        i, j, why = named
        r.warn(
            inode.value[j] if len(inode.value) == len(q.items) else inode,
            f"the items give the order away by their names: {why} (`{q.items[i]}` "
            f"before `{q.items[j]}`); say what each step does instead",
        )


_NUMBER_WORDS = {
    w: n for n, w in enumerate("zero one two three four five six seven eight nine ten".split())
}
_ORDINALS = {
    w: n
    for n, w in enumerate(
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()
    )
}
_ORDINALS.update({"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5})
# Marker -> (the pair it belongs to, its place in it).
_MARKERS = {
    "start": ("start/begin then end", 0), "begin": ("start/begin then end", 0),
    "end": ("start/begin then end", 1), "pre": ("pre then post", 0), "post": ("pre then post", 1),
}
_RANKS = frozenset(_ORDINALS) | frozenset(_NUMBER_WORDS) | frozenset(_MARKERS)
# "then ...", "finally ...", "First, ..." at the start of an item (not `next()`).
_LEADING = re.compile(
    r"\s*(?:(then|next|finally|lastly|afterwards?)(?![\w(.\-])"
    r"|(first(?:ly)?|second(?:ly)?|third(?:ly)?),)",
    re.IGNORECASE,
)


def _sequence_marks(parts: Sequence[str]) -> Iterator[tuple[tuple[str, str], int, str]]:
    """(key, rank, what) for each place-giving name in an item: `step 1`, `STEP_1`,
    `layer2`, `stage two`, `the second pass`, `WAIT_BGSAVE_START`/`_END`."""
    for k, part in enumerate(parts):
        if part not in _RANKS and not (part.isdigit() and len(part) <= 2):
            continue  # most parts: nothing below can hold for them
        prev = parts[k - 1] if k else ""
        nxt = parts[k + 1] if k + 1 < len(parts) else ""
        if part in _ORDINALS and nxt[:1].isalpha():
            yield ("#", "ordinal"), _ORDINALS[part], "ordinal words count the steps"
        if prev[:1].isalpha() and prev not in _STOP and prev not in _NUMBER_WORDS:
            value = int(part) if part.isdigit() and len(part) <= 2 else _NUMBER_WORDS.get(part)
            if value is not None:
                yield ("#", prev), value, f"`{prev}` is numbered in order"
        if part in _MARKERS:
            pair, rank = _MARKERS[part]
            neighbour = prev or nxt
            if neighbour[:1].isalnum():
                yield (pair, neighbour), rank, f"`{neighbour}` is marked {pair}"


def sequenced_names(items: Sequence[str]) -> tuple[int, int, str] | None:
    """Two items (earlier, later, why) whose names give their places away: a
    leading "then"/"finally", a start/end pair on one name, or one name numbered
    1, 2, 3... (consecutively: `conv 1x1` then `conv 3x3` says nothing)."""
    for j, item in enumerate(items):
        if (m := _LEADING.match(item)) is not None:
            return max(j - 1, 0), j, f"`{m.group(1) or m.group(2)}` starts an item"
    marks: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for j, item in enumerate(items):
        for key, rank, what in _sequence_marks(split_parts(item)):
            if not marks[key] or marks[key][-1][0] != j:
                marks[key].append((j, rank, what))
    for seq in marks.values():
        ranks = [rank for _, rank, _ in seq]
        steps = {b - a for a, b in zip(ranks, ranks[1:], strict=False)}
        if len(seq) >= 2 and steps == {1}:
            return seq[0][0], seq[1][0], seq[0][2]
    return None


# --- the deck ------------------------------------------------------------------------


def _leaked_answers(q: Question) -> Iterator[str]:
    """Answers of `q` that another question must not show."""
    if isinstance(q, Short):
        yield q.answer
        yield from q.accept
    elif isinstance(q, Choice) and not q.multi and len(q.correct) == 1:
        yield q.options[q.correct[0]]
    elif isinstance(q, Cloze):
        for d in q.deletions():
            yield d.answer


def _shown_texts(q: Question) -> list[tuple[str, str]]:
    """(where, text) a learner sees before answering `q`."""
    prompt = q.prompt
    if isinstance(q, Cloze):
        # Each deletion is shown on the cards of the other numbers, if there are any.
        dels = q.deletions()
        shown = len({d.number for d in dels}) > 1
        prompt = "".join(
            [prompt[: dels[0].start] if dels else prompt]
            + [(d.answer if shown else " ") + prompt[d.end : nxt.start if nxt else None]
               for d, nxt in zip(dels, [*dels[1:], None], strict=True)]
        )
    texts = [("prompt", prompt)]
    if q.code and not q.code_after:
        texts.append(("code snippet", q.code))
    if isinstance(q, Order):
        texts.extend(("order items", item) for item in q.items)
    return texts


_LITERALS = frozenset({"true", "false", "none", "null", "nullptr"})
_JOINERS = frozenset(".:/")  # `module.`, `host:`: a prefix, shown only when glued to more
VOCABULARY = 3  # a plain word shown by this many other questions is the deck's vocabulary


def _leak_key(answer: str) -> tuple[str, ...] | None:
    """The answer's words as another question must not show them verbatim, or None
    for an answer too short or too plain to give anything away."""
    if len(squashed(answer)) < MIN_LEAK_CHARS:
        return None
    whole = whole_words(answer)
    return None if " ".join(whole) in _LITERALS else whole


def _glued_at(text: str, start: int, key: tuple[str, ...]) -> bool:
    """A joiner at either end of the answer touches the text around it."""
    if key[-1] not in _JOINERS and key[0] not in _JOINERS:
        return True
    glued = glued_at_next(text)
    end = start + len(key) - 1
    return (key[-1] not in _JOINERS or end in glued) and (
        key[0] not in _JOINERS or start - 1 in glued
    )


def cross_question_leaks(r: NodeReader, questions: Sequence[Question]) -> None:
    """Warn where one question shows, verbatim, the answer of another in the deck:
    whichever the learner meets first gives the other away. A plain lowercase word
    that `VOCABULARY` other questions show (`module`, `storage`) is what the deck is
    about, not a secret."""
    by_first: dict[str, list[tuple[tuple[str, ...], str, Question]]] = defaultdict(list)
    for q in questions:
        for answer in dict.fromkeys(_leaked_answers(q)):
            if (key := _leak_key(answer)) is not None:
                by_first[key[0]].append((key, answer, q))
    hits: dict[tuple[str, int], list[tuple[Question, str]]] = defaultdict(list)
    firsts = by_first.keys()
    # One word of each answer (the first) rules most questions out at C speed.
    probes = {next((w for w in key if w[0].isalnum() or w[0] == "_"), key[0])
              for keys in by_first.values() for key, _, _ in keys}
    # Which probes any question shows at all, in one pass over every text: in most
    # decks few or none, and a question showing none of them is skipped.
    probes = shown_words((text for q in questions for _, text in _shown_texts(q)), probes)
    if not probes:
        return
    for shower in questions:
        texts = _shown_texts(shower)
        if probes.isdisjoint(word_set("\n".join(text for _, text in texts))):
            continue
        for where, text in texts:
            t = whole_words(text)
            if firsts.isdisjoint(t):
                continue
            for i, token in enumerate(t):
                for key, answer, asker in by_first.get(token, ()):
                    if (asker is not shower and t[i : i + len(key)] == key
                            and _glued_at(text, i, key)):
                        hits[(answer, id(asker))].append((shower, where))
    _report_leaks(r, hits, {id(q): q for q in questions})


def _report_leaks(
    r: NodeReader,
    hits: dict[tuple[str, int], list[tuple[Question, str]]],
    askers: dict[int, Question],
) -> None:
    """One warning per (shower, asker) pair, unless the answer is a plain word most of
    the deck shows."""
    reported: set[tuple[str, str]] = set()
    for (answer, asker_id), shown in hits.items():
        asker = askers[asker_id]
        showers = {s.id for s, _ in shown}
        if answer.isalpha() and answer.islower() and len(showers) >= VOCABULARY:
            continue
        for shower, where in shown:
            if (shower.id, asker.id) in reported:
                continue
            reported.add((shower.id, asker.id))
            r.diags.append(Diagnostic(
                r.path, shower.pos.line, shower.pos.column, "warning",
                f"question `{shower.id}` (line {shower.pos.line}) shows `{answer}` in its "
                f"{where}, the answer of question `{asker.id}` (line {asker.pos.line}); "
                "reword one so it does not give the other away",
            ))
