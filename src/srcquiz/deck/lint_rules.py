"""Authoring rules: warnings about a deck that parses but would teach badly.

A prompt or a code snippet is shown before the learner answers; one that holds
the answer turns a question into reading practice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from srcquiz.deck.node_reader import Fields, NodeReader


def contains_word(text: str, word: str) -> bool:
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


def code_gives_away(
    r: NodeReader, fields: Fields, common: dict[str, Any], answers: Iterable[str]
) -> None:
    """A snippet shown with the question must not contain what is asked."""
    code = common.get("code")
    if not code:
        return
    folded = str(code).casefold()
    for answer in answers:
        if len(answer) >= 4 and contains_word(folded, answer.casefold()):
            r.warn(
                fields["code"][1],
                f"the code snippet gives the answer away: it contains `{answer}`; "
                "elide it (`...`) or move the snippet to a question it does not answer",
            )
            return
