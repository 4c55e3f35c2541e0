"""What the feedback says, as labelled blocks: each fact once, in the learner's words.

The engine's grade carries the verdict, the expected and given answers, a diff and
per-item details. Shown as they are, an order or match question repeated the
answer three times (Answer, You, Diff, then the details). Here each kind says each
thing once: items with details list the items; a diff is shown only for what it
adds ("too high", "the unit is threads"); a cloze shows its sentence with the
blank filled in; a picked wrong option says why it is wrong when the deck says so.

Blocks are drawn by `FeedbackPanel` with a hanging indent: a wrapped line of a
field stays under its column. `code` spans in deck text are shown as inline code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, cast

from textual.content import Content

from srcquiz.deck.kinds import Choice, Cloze, Number
from srcquiz.study.grading import ALMOST_MARK, RIGHT_MARK, WRONG_MARK, describe_answer
from srcquiz.textsafe import printable

if TYPE_CHECKING:
    from srcquiz.study.grading import Grade
    from srcquiz.study.session import AnswerResult, StudyItem

LABEL_WIDTH = 8
DETAIL_INDENT = 4
INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
CODE_STYLE = "$text-warning on $warning 10%"
VERDICT_TEXT = {
    "right": f"{RIGHT_MARK} Right",
    "almost": f"{ALMOST_MARK} Almost: accepted with a typo",
    "wrong": f"{WRONG_MARK} Wrong",
}
VERDICT_STYLE = {
    "right": "bold $text-success",
    "almost": "bold $text-warning",
    "wrong": "bold $text-error",
}
# Numbers up to this are shown as written in code (`1024`, not `1,024`).
GROUP_DIGITS_FROM = 100_000


class Block(NamedTuple):
    """One field: a label (or a mark) in a column `indent` wide, the text wrapped beside it."""

    label: Content
    body: Content
    indent: int = LABEL_WIDTH

    @property
    def plain(self) -> str:
        return (self.label.plain.ljust(self.indent) if self.indent else "") + self.body.plain


NO_LABEL = Content("")
BLANK = Block(NO_LABEL, Content(""), 0)


def line(body: Content) -> Block:
    """A block with no label column."""
    return Block(NO_LABEL, body, 0)


def field(label: str, body: Content) -> Block:
    return Block(Content.styled(label, "dim"), body, LABEL_WIDTH)


def inline_code(text: str, style: str = "") -> Content:
    """`text` (escaped) with each `backticked` span shown as inline code, backticks dropped."""
    text = printable(text)
    if "`" not in text:
        return Content.styled(text, style) if style else Content(text)
    parts: list[str | tuple[str, str]] = []
    last = 0
    for match in INLINE_CODE_RE.finditer(text):
        parts.append((text[last : match.start()], style) if style else text[last : match.start()])
        parts.append((match.group(1), f"{style} {CODE_STYLE}".strip()))
        last = match.end()
    parts.append((text[last:], style) if style else text[last:])
    return Content.assemble(*parts)


# -- numbers and units ------------------------------------------------------------------


def singular(word: str) -> str:
    """`processes` -> `process`, `loops` -> `loop`, `caches` -> `cache`; abbreviations
    (`ms`, `MB`, `fps`) and words not ending in a plural `s` are left alone."""
    if len(word) <= 3 or not word.islower() or not word.endswith("s"):
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("ches"):
        return word[:-1] if word[-5:-4] in "aeiou" else word[:-2]
    return word[:-1]


def unit_for(value: float, unit: str) -> str:
    """The unit as it reads after `value`: `1 process`, `2 processes`, `1 event loop`."""
    if abs(value) != 1:
        return unit
    head, _, last = unit.rpartition(" ")
    return f"{head} {singular(last)}" if head else singular(last)


def number_text(value: float) -> str:
    """`1024`, `0.5`, `1,000,000`: as in code up to GROUP_DIGITS_FROM, grouped beyond."""
    if float(value).is_integer():
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= GROUP_DIGITS_FROM else str(whole)
    return f"{value:,.10g}" if abs(value) >= GROUP_DIGITS_FROM else f"{value:.10g}"


def number_answer(question: Number) -> str:
    text = number_text(question.answer)
    if question.unit:
        text += f" {unit_for(question.answer, printable(question.unit))}"
    if question.tolerance:
        text += f" (±{number_text(question.tolerance)})"
    return text


# -- the parts ---------------------------------------------------------------------------


def _number_content(item: StudyItem, expected: str) -> Content:
    """A number in code form with its unit and tolerance."""
    return Content.styled(number_answer(cast(Number, item.question)), "bold")


def _cloze_content(item: StudyItem, expected: str) -> Content:
    """A cloze as its sentence with this card's blanks filled in and underlined."""
    question = cast(Cloze, item.question)
    if item.cloze_number is None:
        return inline_code(expected, "bold")
    parts: list[Content] = []
    last = 0
    for deletion in question.deletions():
        parts.append(inline_code(question.prompt[last : deletion.start]))
        shown = printable(deletion.answer)
        parts.append(
            Content.styled(shown, "bold underline")
            if deletion.number == item.cloze_number
            else Content(shown)
        )
        last = deletion.end
    parts.append(inline_code(question.prompt[last:]))
    return Content("").join(parts)


# Kinds whose right answer reads better than the engine's one-line form.
_ANSWER_CONTENT: dict[str, Callable[[StudyItem, str], Content]] = {
    "number": _number_content,
    "cloze": _cloze_content,
}


def answer_content(item: StudyItem, expected: str) -> Content:
    """The right answer as the feedback shows it: the kind's own form, else as the
    engine put it."""
    shown = _ANSWER_CONTENT.get(item.question.kind)
    return shown(item, expected) if shown else inline_code(expected, "bold")


def _note(grade: Grade, expected: str) -> str:
    """What the engine's diff adds to the Answer and You lines, if anything."""
    diff = grade.diff.strip()
    if not diff:
        return ""
    left, arrow, right = diff.partition(" → ")
    if not arrow:
        given = grade.given.strip() or "(nothing)"
        rest = diff[len(given) :] if diff.startswith(given) else diff
        return rest.strip(" :").removeprefix("is ")
    if right.startswith(expected):
        return right[len(expected) :].strip(" ()")
    for plain in (expected.replace(",", ""), expected):
        if right.replace(",", "").startswith(plain):
            return right.replace(",", "")[len(plain) :].strip(" ()")
    if grade.verdict == "almost":
        return f"taken as {right}"
    return ""


def _picked(item: StudyItem, response: object) -> list[int]:
    if not isinstance(item.question, Choice):
        return []
    if isinstance(response, int) and not isinstance(response, bool):
        return [response]
    if isinstance(response, (set, frozenset, list, tuple)):
        return sorted(i for i in response if isinstance(i, int) and not isinstance(i, bool))
    return []


def why_not(item: StudyItem, response: object) -> dict[str, str]:
    """For each picked wrong option the deck explains: option -> why it is wrong."""
    question = item.question
    if not isinstance(question, Choice) or not getattr(question, "why", ()):
        return {}
    explained = dict(question.why)
    picked = _picked(item, response)
    options = question.options
    return {
        options[i]: explained[options[i]]
        for i in picked
        if 0 <= i < len(options) and i not in question.correct and options[i] in explained
    }


MARK_STYLE = {
    RIGHT_MARK: "bold $text-success",
    ALMOST_MARK: "bold $text-warning",
    WRONG_MARK: "bold $text-error",
}


def _details(grade: Grade, whys: dict[str, str]) -> list[Block]:
    """One block per item, its mark in the label column; a picked wrong option the
    deck explains is followed by why it is wrong."""
    blocks: list[Block] = []
    for detail in grade.details:
        mark, _, text = printable(detail).partition(" ")
        if mark not in MARK_STYLE:
            mark, text = "", printable(detail)
        label = Content.styled(f"  {mark}", MARK_STYLE[mark]) if mark else NO_LABEL
        blocks.append(Block(label, inline_code(text), DETAIL_INDENT))
        for option, why in whys.items():
            if mark == WRONG_MARK and text.startswith(printable(option)):
                blocks.append(Block(NO_LABEL, inline_code(why, "italic"), DETAIL_INDENT + 2))
    return blocks


def verdict_blocks(item: StudyItem, result: AnswerResult | None, response: object) -> list[Block]:
    """The part that depends on the answer (for a card being rated: its back)."""
    if result is None:
        expected = describe_answer(item.question, item.card_key)
        heading = Content.styled("How well did you know it?", "bold")
        return [line(heading), BLANK, field("Answer", answer_content(item, expected))]
    grade = result.grade
    whys = why_not(item, response)
    heading = Content.styled(VERDICT_TEXT[grade.verdict], VERDICT_STYLE[grade.verdict])
    listed = bool(grade.details) and not isinstance(item.question, Cloze)
    if listed and grade.verdict != "right" and grade.diff:
        # The count only: the details below name each item (an order's moves too).
        count = grade.diff.split("; ", 1)[0]
        heading = heading + Content.styled(f": {printable(count)}", "bold")
    elif grade.verdict == "wrong" and 0 < grade.score < 1:
        heading = heading + Content.styled(f" (partly right: {grade.score:.0%})", "bold")
    blocks = [line(heading), BLANK]
    if listed:  # each item once, marked, with what it should be
        return blocks + _details(grade, whys)
    blocks.append(field("Answer", answer_content(item, grade.expected)))
    if grade.verdict == "right":
        return blocks
    if isinstance(item.question, Cloze) and len(grade.details) > 1:
        return blocks + _details(grade, whys)
    you = inline_code(grade.given.strip() or "(nothing)")
    if note := _note(grade, grade.expected):
        you = you + Content.styled(f" ({printable(note)})", "italic")
    blocks.append(field("You", you))
    for why in whys.values():
        blocks.append(field("Why not", inline_code(why)))
    return blocks


# -- what is known before the answer ---------------------------------------------------


def source_of(item: StudyItem) -> str:
    if item.question.source:
        return item.question.source
    sources = item.deck.sources
    return sources[0] if len(sources) == 1 else ""


def anchor_text(item: StudyItem) -> str:
    anchor = item.question.anchor
    if anchor is None:
        return ""
    label = anchor.label()
    if anchor.version:
        label = f"{label} @ {anchor.version}" if label else anchor.version
    return label


def reads_code(item: StudyItem) -> bool:
    """Whether the question is anchored to a file of an upstream repository (`c` reads it)."""
    anchor = item.question.anchor
    return anchor is not None and bool(anchor.repo) and bool(anchor.path)


def about_blocks(item: StudyItem) -> list[Block]:
    """Why, the source article, the upstream code (and the key that shows it)."""
    blocks: list[Block] = []
    if item.question.explanation:
        blocks.append(field("Why", inline_code(item.question.explanation)))
    if item.question.code and item.question.code_after:  # held back until answered
        blocks.append(field("Snippet", Content(printable(item.question.code.rstrip("\n")))))
    if source := source_of(item):
        blocks.append(field("Source", Content(printable(source))))
    if anchor := anchor_text(item):
        blocks.append(field("Code", Content(printable(anchor))))
    return blocks
