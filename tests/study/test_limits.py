"""The limit arithmetic alone: per-deck limits, the cap, what is left, what is offered."""

from __future__ import annotations

import pytest

from srcquiz.progress.store import Store
from srcquiz.study.limits import (
    Budget,
    DeckLimits,
    DeckOverride,
    Limits,
    Offer,
    Used,
    load_limits,
    offer,
    parse_limit,
    save_cap,
    save_deck_limits,
    short_quiz_notice,
    startable,
)
from srcquiz.study.scheduler import Settings

LIMITS = Limits(DeckLimits(5, 20), cap=30, decks={"small": DeckOverride(new_per_day=2)})


def test_a_deck_without_its_own_limits_gets_the_defaults():
    assert LIMITS.for_deck("any") == DeckLimits(5, 20)
    assert LIMITS.for_deck("small") == DeckLimits(2, 20)


def test_what_is_left_is_the_smallest_of_the_deck_limits_and_the_cap():
    budget = Budget(LIMITS, {"a": Used(new=4, reviews=10)}, used_total=25)
    assert budget.overall == 5
    assert budget.reviews_left("a") == 5  # 10 of its 20 left, but only 5 under the cap
    assert budget.new_left("a") == 1
    assert budget.new_left("b") == 5
    assert Budget(LIMITS, {}, used_total=40).reviews_left("a") == 0


def test_a_session_limit_bounds_the_budget_too():
    assert Budget(LIMITS, {}, 0, limit=3).overall == 3
    assert Budget(LIMITS, {}, 0, limit=-1).overall == 0


def test_taking_spends_the_deck_and_the_cap():
    budget = Budget(LIMITS, {}, used_total=0)
    assert [budget.take_new("small") for _ in range(3)] == [True, True, False]
    assert budget.used("small") == Used(2, 2)
    assert budget.held_by("small") == "new"
    assert budget.take_review("small") and budget.used("small") == Used(2, 3)
    assert budget.overall == 27


def test_a_deck_review_limit_counts_its_new_cards():
    limits = Limits(DeckLimits(10, 3), cap=100)
    budget = Budget(limits, {}, 0)
    assert [budget.take_new("a") for _ in range(4)] == [True, True, True, False]
    assert budget.held_by("a") == "reviews"
    assert budget.reviews_left("a") == 0


def test_the_cap_holds_every_deck():
    budget = Budget(Limits(DeckLimits(10, 10), cap=3), {}, 0)
    assert [budget.take_new(d) for d in "abcd"] == [True, True, True, False]
    assert budget.held_by("d") == "cap"


def test_offer_takes_due_cards_first_then_new_ones_and_spends_nothing():
    budget = Budget(Limits(DeckLimits(5, 8), cap=12), {"a": Used(1, 2)}, used_total=2)
    assert offer(budget, [("a", 4, 100)]) == Offer(due=4, new=2)  # 8-2-4 reviews left
    assert offer(budget, [("b", 0, 3)]) == Offer(0, 3)
    # Together: the cap (10 left) is shared.
    assert offer(budget, [("a", 4, 100), ("b", 3, 100)]) == Offer(7, 3)
    assert budget.overall == 10 and budget.used("b") == Used()


def test_offer_never_shows_more_due_than_the_cap_leaves():
    budget = Budget(Limits(DeckLimits(5, 100), cap=6), {}, 0)
    assert offer(budget, [("a", 50, 10), ("b", 50, 10)]) == Offer(6, 0)


def test_limits_are_stored_as_settings_and_read_back(tmp_path):
    with Store.open(tmp_path / "p.sqlite3") as store:
        assert load_limits(store) == Limits(DeckLimits(20, 200), 200, {})
        save_cap(store, 50)
        save_deck_limits(store, "nginx", DeckOverride(new_per_day=3))
        save_deck_limits(store, "redis:x", DeckOverride(5, 7))
        store.set_setting("deck:bad:new_per_day", "lots")  # unreadable: the default
        limits = load_limits(store, Settings(new_per_day=9))
        assert limits.cap == 50
        assert limits.for_deck("nginx") == DeckLimits(3, 200)
        assert limits.for_deck("redis:x") == DeckLimits(5, 7)
        assert limits.for_deck("bad") == DeckLimits(9, 200)
        assert store.get_setting("deck:nginx:new_per_day") == "3"
        save_deck_limits(store, "nginx", DeckOverride(None, None))  # back to the defaults
        assert store.get_setting("deck:nginx:new_per_day") is None
        assert "nginx" not in load_limits(store).decks


@pytest.mark.parametrize(
    ("text", "blank", "value"), [("12", False, 12), (" 0 ", False, 0), ("", True, None)]
)
def test_parse_limit_reads_whole_numbers(text, blank, value):
    assert parse_limit(text, "New cards a day", blank=blank) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs a number"),
        ("-1", "whole number"),
        ("2.5", "whole number"),
        ("ten", "whole number"),
        ("1000001", "at most"),
    ],
)
def test_parse_limit_refuses_other_text_in_a_sentence(text, message):
    with pytest.raises(ValueError, match=message):
        parse_limit(text, "New cards a day")


def test_short_quiz_notice_only_when_short():
    from srcquiz.deck.kinds import Short
    from srcquiz.deck.model import Deck

    questions = tuple(Short(id=f"q{i}", prompt="?", answer="a") for i in range(30))
    deck = Deck(id="d", title="D", questions=questions)
    assert short_quiz_notice(20, 20, [deck]) is None
    assert "3 questions, not 20" in (short_quiz_notice(3, 20, [deck]) or "")
    assert "3 questions, not 30" in (short_quiz_notice(3, 50, [deck]) or "")
    assert short_quiz_notice(30, 50, [deck]) is None  # the deck had no more


def test_startable_counts_one_new_card_a_question():
    from pathlib import Path

    from srcquiz.deck.loader import load_deck

    deck = load_deck(Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml")
    keys = deck.card_keys()
    questions = len(deck.questions)
    assert len(keys) > questions  # a cloze with two blanks, a two-way card

    def never(_asked: object) -> set[str]:
        raise AssertionError("no need to read the studied keys")

    asked: list[str] = []

    def studied_but(left: set[str]):  # which asked keys have been studied
        def known(keys):
            asked[:] = keys
            return set(keys) - left

        return known

    assert startable(deck, len(keys), never) == questions  # nothing studied yet
    assert startable(deck, 0, never) == 0
    # Everything studied but the second blank of the cloze and the reverse card.
    assert startable(deck, 2, studied_but({"idle-cloze#c2", "what-is-master#reverse"})) == 2
    assert startable(deck, 2, studied_but({"idle-cloze#c2", "idle-cloze#c1"})) == 1
    # Only the keys of questions with several cards are asked about.
    several = [k for q in deck.questions if len(q.card_keys()) > 1 for k in q.card_keys()]
    assert sorted(asked) == sorted(several) and len(several) < len(keys)
    # A single-card question left new counts as one, beside a cloze blank left.
    single = next(q.card_keys()[0] for q in deck.questions if len(q.card_keys()) == 1)
    assert startable(deck, 2, studied_but({single, "idle-cloze#c2"})) == 2


def test_the_global_limits_are_read_as_the_scheduler_keeps_them(tmp_path):
    """limits.py reads them itself (the decks screen must not import the scheduler)."""
    from srcquiz.study import limits
    from srcquiz.study.scheduler import SETTING_KEYS, save_settings

    assert (limits.NEW_KEY, limits.REVIEWS_KEY) == (
        SETTING_KEYS["new_per_day"],
        SETTING_KEYS["max_reviews_per_day"],
    )
    assert Limits().default == DeckLimits(Settings().new_per_day, Settings().max_reviews_per_day)
    with Store.open(tmp_path / "p.sqlite3") as store:
        save_settings(store, Settings(new_per_day=6, max_reviews_per_day=60))
        assert load_limits(store).default == DeckLimits(6, 60)
        store.set_setting("study.new_per_day", "-4")  # clamped, as load_settings does
        assert load_limits(store).default == DeckLimits(0, 60)


def test_the_limits_load_without_the_scheduler():
    """The decks screen reads the limits on start-up, where the scheduler is not loaded."""
    import subprocess
    import sys

    code = (
        "import sys, srcquiz.progress.store, srcquiz.study.limits\n"
        "print('srcquiz.study.scheduler' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
