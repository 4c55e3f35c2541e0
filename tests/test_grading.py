"""Answer checking: every rule a learner relies on when typing an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Card, Choice, Cloze, Match, Number, Order, Short, TrueFalse
from srcquiz.study.grading import describe_answer, grade, normalize, parse_number, parse_truefalse

FIXTURE = Path(__file__).parent / "fixtures" / "engine_kinds.yaml"


@pytest.fixture(scope="module")
def deck():
    return load_deck(FIXTURE)


def q(deck, qid):
    found = deck.question(qid)
    assert found is not None
    return found


# --- short ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "SIGHUP",
        "sighup",
        "  SigHup  ",
        "SIGHUP.",
        '"SIGHUP"',
        "(SIGHUP)",
        "ＳＩＧＨＵＰ",  # full-width letters
        "SIGHUP。",  # CJK full stop
        "「SIGHUP」",  # CJK quotes
        "“SIGHUP”",
        "HUP",  # an accepted alternative
        "signal   hangup",  # alternative, with extra spaces
        "Signal Hangup!",
    ],
)
def test_short_right_after_normalising(deck, typed):
    g = grade(q(deck, "reload-signal-name"), "reload-signal-name", typed)
    assert g.verdict == "right", typed
    assert g.score == 1.0
    assert g.diff == ""


@pytest.mark.parametrize("typed", ["SIGHPU", "sighp", "SIGHUPP", "SGHUP"])
def test_short_small_typo_is_almost_with_a_diff(deck, typed):
    g = grade(q(deck, "reload-signal-name"), "reload-signal-name", typed)
    assert g.verdict == "almost"
    assert g.expected == "SIGHUP"
    assert g.diff == f"{typed} → SIGHUP"


def test_short_transposition_counts_as_one_typo():
    question = Short(id="x", prompt="?", answer="sigsuspend")
    assert grade(question, "x", "sigsuspedn").verdict == "almost"


def test_short_typo_budget_scales_with_length():
    long = Short(id="x", prompt="?", answer="MultithreadEventLoopGroup")
    assert grade(long, "x", "MultithredEventLopGroup").verdict == "almost"  # 2 edits, 25 chars
    short = Short(id="y", prompt="?", answer="epoll")
    assert grade(short, "y", "epol").verdict == "almost"  # 1 edit
    assert grade(short, "y", "epl").verdict == "wrong"  # 2 edits on 5 chars


def test_short_no_typo_tolerance_under_four_characters():
    question = Short(id="x", prompt="?", answer="fd")
    assert grade(question, "x", "fb").verdict == "wrong"
    assert grade(Short(id="y", prompt="?", answer="tcp"), "y", "tpc").verdict == "wrong"


def test_short_a_different_digit_is_never_a_typo():
    question = Short(id="x", prompt="?", answer="SIGUSR1")
    assert grade(question, "x", "SIGUSR2").verdict == "wrong"
    assert grade(question, "x", "SIGUSR").verdict == "wrong"
    assert grade(Short(id="n", prompt="?", answer="1024"), "n", "1042").verdict == "wrong"


def test_short_fuzzy_false_turns_typos_off(deck):
    strict = q(deck, "strict-name")
    assert grade(strict, strict.id, "ngx_spawn_proces").verdict == "wrong"
    assert grade(strict, strict.id, "NGX_SPAWN_PROCESS").verdict == "right"


def test_short_case_matters_for_one_letter_flags(deck):
    flag = q(deck, "test-flag")
    assert grade(flag, flag.id, "-t").verdict == "right"
    assert grade(flag, flag.id, "t").verdict == "right"
    assert grade(flag, flag.id, "-T").verdict == "wrong"


def test_short_two_letter_words_ignore_case():
    question = Short(id="x", prompt="?", answer="Go")
    assert grade(question, "x", "go").verdict == "right"
    assert grade(Short(id="y", prompt="?", answer="x"), "y", "X").verdict == "wrong"


def test_short_spacing_inside_the_answer_is_ignored():
    question = Short(id="x", prompt="?", answer="num_classes + 1")
    assert grade(question, "x", "num_classes+1").verdict == "right"


def test_short_punctuation_only_answer_still_checked():
    question = Short(id="x", prompt="?", answer="->")
    assert grade(question, "x", "->").verdict == "right"
    assert grade(question, "x", "").verdict == "wrong"
    assert grade(question, "x", "=>").verdict == "wrong"


def test_short_wrong_reports_expected_and_diff(deck):
    g = grade(q(deck, "reload-signal-name"), "reload-signal-name", "SIGTERM")
    assert (g.verdict, g.score, g.expected, g.given) == ("wrong", 0.0, "SIGHUP", "SIGTERM")
    assert g.diff == "SIGTERM → SIGHUP"
    empty = grade(q(deck, "reload-signal-name"), "reload-signal-name", "")
    assert empty.verdict == "wrong" and empty.diff == "(nothing) → SIGHUP"


# --- number --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["16", "16.0", "1.6e1", "16 threads", "16 thread", "16threads", " 16. ", "１６", "+16"],
)
def test_number_parses_common_spellings(deck, typed):
    g = grade(q(deck, "thread-count"), "thread-count", typed)
    assert g.verdict == "right", typed


def test_number_thousands_and_exponents():
    question = Number(id="n", prompt="?", answer=1024)
    for typed in ("1,024", "1024", "1_024", "1.024e3", "1024.00"):
        assert grade(question, "n", typed).verdict == "right", typed
    assert grade(Number(id="k", prompt="?", answer=1000), "k", "1e3").verdict == "right"
    assert grade(question, "n", "1,02,4").verdict == "wrong"


def test_number_wrong_unit_is_wrong(deck):
    g = grade(q(deck, "thread-count"), "thread-count", "16 MB")
    assert g.verdict == "wrong"
    assert "unit" in g.diff and "threads" in g.diff


def test_number_unit_may_be_part_of_a_longer_unit():
    question = Number(id="n", prompt="?", answer=176, unit="B parameters")
    assert grade(question, "n", "176B").verdict == "right"
    assert grade(question, "n", "176 parameters").verdict == "right"
    assert grade(question, "n", "176 GB").verdict == "wrong"


def test_number_tolerance(deck):
    ratio = q(deck, "ratio")
    assert grade(ratio, ratio.id, "0.505").verdict == "right"
    assert grade(ratio, ratio.id, ".5").verdict == "right"
    assert grade(ratio, ratio.id, "0.52").verdict == "wrong"
    assert describe_answer(ratio, ratio.id) == "0.5 (±0.01)"


def test_number_never_fuzzy_and_says_which_way():
    question = Number(id="n", prompt="?", answer=1000, unit="ms")
    g = grade(question, "n", "1001")
    assert g.verdict == "wrong" and "too high" in g.diff
    assert "too low" in grade(question, "n", "999 ms").diff
    assert grade(question, "n", "-1000").verdict == "wrong"


@pytest.mark.parametrize("typed", ["", "sixteen", "abc 16", "nan", "inf", "1e999"])
def test_number_not_a_number(deck, typed):
    g = grade(q(deck, "thread-count"), "thread-count", typed)
    assert g.verdict == "wrong"
    assert "not a number" in g.diff


def test_parse_number():
    assert parse_number("1,024 MB") == (1024.0, "MB")
    assert parse_number("-2.5e-1") == (-0.25, "")
    assert parse_number("words") is None


# --- choice --------------------------------------------------------------------


def test_choice_single(deck):
    question = q(deck, "reload-choice")
    assert isinstance(question, Choice)
    right = grade(question, question.id, frozenset({0}))
    assert right.verdict == "right" and right.given == "SIGHUP"
    wrong = grade(question, question.id, frozenset({3}))
    assert (wrong.verdict, wrong.score, wrong.expected) == ("wrong", 0.0, "SIGHUP")
    assert wrong.diff == "SIGQUIT → SIGHUP"


def test_choice_multi_needs_exactly_the_right_set(deck):
    question = q(deck, "worker-flags")
    exact = grade(question, question.id, frozenset({0, 1, 2}))
    assert exact.verdict == "right" and exact.score == 1.0
    partial = grade(question, question.id, frozenset({0, 1}))
    assert partial.verdict == "wrong"
    assert partial.score == pytest.approx(2 / 3, abs=1e-3)
    assert partial.diff == "2 of 3 right, 1 missed"
    assert any("ngx_quit (missed" in d for d in partial.details)
    extra = grade(question, question.id, frozenset({0, 1, 2, 3}))
    assert extra.verdict == "wrong"
    assert extra.score == pytest.approx(2 / 3, abs=1e-3)
    assert any("ngx_reap (not one of them)" in d for d in extra.details)
    assert grade(question, question.id, frozenset({3})).score == 0.0
    assert grade(question, question.id, frozenset()).verdict == "wrong"


def test_choice_ignores_out_of_range_indexes(deck):
    question = q(deck, "reload-choice")
    assert grade(question, question.id, frozenset({0, 99})).verdict == "right"


# --- truefalse -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [(True, "right"), (False, "wrong"), ("t", "right"), ("yes", "right"), ("Y", "right")]
    + [("true.", "right"), ("f", "wrong"), ("no", "wrong"), ("false", "wrong")],
)
def test_truefalse(deck, typed, verdict):
    assert grade(q(deck, "usr2-ignored"), "usr2-ignored", typed).verdict == verdict


def test_truefalse_unreadable_answer_is_wrong_with_a_reason(deck):
    g = grade(q(deck, "usr2-ignored"), "usr2-ignored", "maybe")
    assert g.verdict == "wrong" and "true or false" in g.diff
    assert parse_truefalse("maybe") is None
    assert parse_truefalse(" NO ") is False


# --- cloze ---------------------------------------------------------------------


def test_cloze_one_blank(deck):
    question = q(deck, "idle-cloze")
    assert isinstance(question, Cloze)
    assert grade(question, "idle-cloze#c1", ("sigprocmask",)).verdict == "right"
    assert grade(question, "idle-cloze#c1", ("sigprocmsk",)).verdict == "almost"
    assert grade(question, "idle-cloze#c1", ("sigaction",)).verdict == "wrong"
    assert describe_answer(question, "idle-cloze#c1") == "sigprocmask"


def test_cloze_checks_each_blank(deck):
    question = q(deck, "idle-cloze")
    both = grade(question, "idle-cloze#c2", ("sigsuspend", "loops"))
    assert both.verdict == "right" and len(both.details) == 2
    half = grade(question, "idle-cloze#c2", ("sigsuspend", "sleeps"))
    assert half.verdict == "wrong"
    assert half.score == 0.5
    assert half.diff == "1 of 2 blanks wrong"
    assert half.details[0].startswith("✓ 1.")
    assert half.details[1].startswith("✗ 2.") and "should be loops" in half.details[1]
    missing = grade(question, "idle-cloze#c2", ("sigsuspend",))
    assert missing.verdict == "wrong" and missing.score == 0.5
    assert describe_answer(question, "idle-cloze#c2") == "sigsuspend | loops"


# --- order ---------------------------------------------------------------------


def test_order(deck):
    question = q(deck, "shutdown-steps")
    assert isinstance(question, Order)
    assert grade(question, question.id, (0, 1, 2, 3)).verdict == "right"
    g = grade(question, question.id, (0, 2, 1, 3))
    assert g.verdict == "wrong"
    assert g.score == 0.5
    assert g.diff == "2 of 4 positions wrong"
    assert [d[0] for d in g.details] == ["✓", "✗", "✗", "✓"]
    assert "should be: the master tells each worker to quit" in g.details[1]
    assert g.expected == " → ".join(question.items)
    assert grade(question, question.id, (0, 1)).score == 0.5  # missing positions are wrong
    assert grade(question, question.id, (7, 1, 2, 3)).verdict == "wrong"


# --- match ---------------------------------------------------------------------


def test_match(deck):
    question = q(deck, "signal-to-flag")
    assert isinstance(question, Match)
    right = dict(question.pairs)
    assert grade(question, question.id, right).verdict == "right"
    swapped = {"SIGCHLD": "ngx_reap", "SIGHUP": "ngx_reopen", "SIGUSR1": "ngx_reconfigure"}
    g = grade(question, question.id, swapped)
    assert g.verdict == "wrong"
    assert g.score == pytest.approx(1 / 3, abs=1e-3)
    assert g.details[0] == "✓ SIGCHLD → ngx_reap"
    assert g.details[1] == "✗ SIGHUP → ngx_reopen (should be ngx_reconfigure)"
    assert g.expected == "SIGCHLD → ngx_reap; SIGHUP → ngx_reconfigure; SIGUSR1 → ngx_reopen"
    assert grade(question, question.id, {}).score == 0.0


# --- cards and descriptions ------------------------------------------------------


def test_describe_answer_for_cards_and_reverse(deck):
    card = q(deck, "what-is-master")
    assert isinstance(card, Card)
    assert describe_answer(card, "what-is-master") == card.answer
    assert describe_answer(card, "what-is-master#reverse") == card.prompt
    assert describe_answer(q(deck, "usr2-ignored"), "usr2-ignored") == "true"
    assert describe_answer(q(deck, "thread-count"), "thread-count") == "16 threads"


def test_truefalse_question_built_directly():
    question = TrueFalse(id="x", prompt="?", answer=False)
    assert grade(question, "x", False).verdict == "right"


# --- properties ------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_total(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1))
def test_short_grading_never_crashes_and_accepts_its_own_answer(typed, answer):
    question = Short(id="x", prompt="?", answer=answer)
    g = grade(question, "x", typed)
    assert g.verdict in ("right", "almost", "wrong")
    assert 0.0 <= g.score <= 1.0
    assert grade(question, "x", answer).verdict == "right"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_number_and_cloze_grading_never_crash(typed):
    number = Number(id="n", prompt="?", answer=16, unit="threads")
    assert grade(number, "n", typed).verdict in ("right", "wrong")
    cloze = Cloze(id="c", prompt="a {{c1::b}} c {{c1::d}}")
    assert grade(cloze, "c#c1", (typed, typed)).verdict in ("right", "almost", "wrong")


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1).map(str.strip).filter(bool))
def test_normalising_case_and_width_keeps_a_right_answer_right(answer):
    question = Short(id="x", prompt="?", answer=answer)
    assert grade(question, "x", f"  {answer}  ").verdict == "right"
    if len("".join(normalize(answer, keep_case=True).split())) > 2:  # short flags keep case
        assert grade(question, "x", answer.upper()).verdict in ("right", "almost")
