"""The authoring rules' fast text paths give what their plain definitions give.

`lint_text` takes C-speed shortcuts (ASCII `translate`, one bytes pass over every
text of a deck) where the rules were first written with Unicode regexes; a lint
must report exactly what it did. Each shortcut is held to its definition here,
on the bundled decks' texts and on text made to hit the Unicode corner cases
(NFKC compatibility forms, case folding that grows a character, combining marks,
CJK, non-ASCII punctuation and spaces).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from srcquiz.deck.lint_rules import _shown_texts
from srcquiz.deck.lint_text import shown_words, squashed, whole_words, word_set
from srcquiz.deck.loader import load_deck_file

DECKS = Path(__file__).resolve().parents[2] / "decks"
# Characters where a shortcut could part from its definition.
TRICKY = "aZ09_ -.,:;/<=>`'\"\t\nßİſKＡ１ﬁé\u0301\u0338\u00a0\u3000，。—“主进程²٣"
texts = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=24)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _bundled_texts() -> list[str]:
    out = []
    for path in sorted(DECKS.glob("*.yaml")):
        deck, _ = load_deck_file(path, authoring=False)
        assert deck is not None
        out += [text for q in deck.questions for _, text in _shown_texts(q)]
    return out


@settings(max_examples=400, deadline=None)
@given(texts)
def test_squashed_and_whole_words_are_their_definitions(text: str) -> None:
    assert squashed(text) == re.sub(r"[\W_]+", "", _folded(text))
    assert whole_words(text) == tuple(re.findall(r"\w+|[^\w\s]", _folded(text)))


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, max_size=6), st.lists(texts, max_size=6))
def test_shown_words_is_each_texts_words_together(shown: list[str], asked: list[str]) -> None:
    every = set().union(*map(word_set, shown))
    asked_words = {w for t in asked for w in word_set(t)} | {w for w in every if len(w) % 2}
    assert shown_words(shown, asked_words) == asked_words & every


def test_shown_words_on_the_bundled_decks() -> None:
    shown = _bundled_texts()
    every = set().union(*map(word_set, shown))
    asked = every | {"nothere", "epoll_wait", "主进程"}
    assert shown_words(shown, asked) == every
    assert shown_words(shown[: len(shown) // 2], asked) == set().union(
        *map(word_set, shown[: len(shown) // 2])
    )
