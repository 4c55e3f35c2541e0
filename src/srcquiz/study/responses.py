"""What a learner's answer is, per question kind: the one type each front end
builds (the app's answer widgets, the line mode's parser, `srcquiz grade`) and
`grade()` takes. The table below is the single place that says which is which.
"""

from __future__ import annotations

from collections.abc import Mapping

TextAnswer = str  # short, number: the text as typed
Picks = frozenset[int]  # choice: indexes into the deck's options
TrueOrFalse = bool | str  # truefalse: a pick, or typed text (t, no, ...)
Blanks = tuple[str, ...]  # cloze: the blanks of one card, in order
Ordering = tuple[int, ...]  # order: item indexes (as in the deck) in the learner's order
Pairing = Mapping[str, str]  # match: each left side to the right side chosen

# None: nothing answered (a card is self-graded; an empty answer is wrong).
Response = TextAnswer | Picks | TrueOrFalse | Blanks | Ordering | Pairing | None

RESPONSE_TYPES: dict[str, tuple[type, ...]] = {
    "card": (type(None),),
    "short": (str,),
    "number": (str,),
    "choice": (frozenset,),
    "truefalse": (bool, str),
    "cloze": (tuple, str),
    "order": (tuple,),
    "match": (Mapping,),
}


def fits(kind: str, response: object) -> bool:
    """Whether `response` is the type a `kind` question's answer is."""
    return response is None or isinstance(response, RESPONSE_TYPES[kind])
