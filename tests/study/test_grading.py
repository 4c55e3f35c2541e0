"""Answer checking: every rule a learner relies on when typing an answer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srcquiz.deck.kinds import Choice, Cloze, Flashcard, Match, Number, Order, Short, TrueFalse
from srcquiz.deck.loader import load_deck, load_decks
from srcquiz.deck.model import KINDS, Deck
from srcquiz.progress.card_state import LEARNING, REVIEW, CardState
from srcquiz.study.grading import (
    AnswerFormatError,
    Grade,
    describe_answer,
    grade,
    normalize,
    parse_answer,
    parse_number,
    parse_truefalse,
)
from srcquiz.study.numbers import singular
from srcquiz.study.scheduler import Rating, suggest_rating
from srcquiz.study.terms import KnownTerms, known_terms, term_key

FIXTURE = Path(__file__).parent.parent / "fixtures" / "engine_kinds.yaml"


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


@pytest.mark.parametrize("typed", ["abc 16", "nan", "inf", "1e999", "1,02,4", "16 foo"])
def test_number_the_grader_cannot_read_is_asked_again(deck, typed):
    g = grade(q(deck, "thread-count"), "thread-count", typed)
    assert g.verdict == "wrong" and not g.passed  # UIs that ignore the flag still fail it
    assert g.ask_again
    assert "could not read" in g.diff


def test_number_left_empty_is_wrong_not_asked_again(deck):
    g = grade(q(deck, "thread-count"), "thread-count", "")
    assert g.verdict == "wrong" and not g.ask_again


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
    g = grade(question, question.id, (0, 2, 1, 3))  # two neighbours swapped
    assert g.verdict == "wrong" and g.outcome == "partial"
    assert g.score == 0.75
    assert g.diff.startswith("3 of 4 in the right order; move ")
    assert len(g.details) == 1  # one move, not every position
    assert g.expected == " → ".join(question.items)
    missing = grade(question, question.id, (0, 1))
    assert missing.score == 0.5 and "missing" in missing.details[-1]
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
    assert isinstance(card, Flashcard)
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
    g = grade(number, "n", typed)
    assert g.verdict in ("right", "wrong")
    assert not (g.ask_again and g.passed)
    cloze = Cloze(id="c", prompt="a {{c1::b}} c {{c1::d}}")
    assert grade(cloze, "c#c1", (typed, typed)).verdict in ("right", "almost", "wrong")


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1).map(str.strip).filter(bool))
def test_normalising_case_and_width_keeps_a_right_answer_right(answer):
    question = Short(id="x", prompt="?", answer=answer)
    assert grade(question, "x", f"  {answer}  ").verdict == "right"
    if len("".join(normalize(answer, keep_case=True).split())) > 2:  # short flags keep case
        assert grade(question, "x", answer.upper()).verdict in ("right", "almost")


# --- typos that know the decks (issue 13) -------------------------------------------

BUNDLED = Path(__file__).parent.parent.parent / "decks"


@pytest.fixture(scope="module")
def bundled():
    decks, _ = load_decks([BUNDLED])
    return {d.id: d for d in decks}, known_terms(decks)


def bq(bundled, ref: str):
    deck_id, qid = ref.split("/")
    question = bundled[0][deck_id].question(qid)
    assert question is not None, ref
    return question


@pytest.mark.parametrize(
    ("ref", "typed"),
    [
        ("nginx-process-model/single-process-directive", "master_process on"),
        ("stable-diffusion/compvis-default-sampler", "DDPM"),
        ("afno/forward-fft", "irfft2"),
        ("afno/forward-fft", "torch.fft.irfft2"),
        ("t2i-adapter-training/optimizer", "Adam"),
        ("pytorch-nn-module/to-funnels-into-apply", "apply"),
        ("netty-nioeventloopgroup/nio-group-superclass", "MultiThreadIoEventLoopGroup"),
        ("netty-nioeventloopgroup/netty-42-replacement", "MultithreadEventLoopGroup"),
        ("nginx-process-model/worker-processes-auto", "CPU"),
        ("torchvision-densenet/default-constructor-config", "densenet161"),
    ],
)
def test_a_different_real_term_is_never_a_typo(bundled, ref, typed):
    question = bq(bundled, ref)
    g = grade(question, question.id, typed, bundled[1])
    assert g.verdict == "wrong" and not g.passed, g.diff


@pytest.mark.parametrize(
    ("ref", "typed"),
    [
        ("nginx-process-model/master-idle-wait", "sigsuspnd"),
        ("netty-nioeventloopgroup/nio-group-superclass", "MultithredEventLoopGroup"),
        ("netty-nioeventloopgroup/netty-42-replacement", "MultiThreadIoEventLopGroup"),
        ("afno/forward-fft", "torch.fft.rff2"),
        ("pytorch-nn-module/to-funnels-into-apply", "_aply"),
        ("nginx-process-model/single-process-directive", "master_proces off"),
        ("nginx-process-model/worker-processes-auto", "ngx_ncp"),
    ],
)
def test_a_real_typo_is_still_almost_with_the_decks_known(bundled, ref, typed):
    question = bq(bundled, ref)
    g = grade(question, question.id, typed, bundled[1])
    assert g.verdict == "almost" and g.passed


def test_wrong_feedback_says_why_a_near_miss_is_not_a_typo(bundled):
    question = bq(bundled, "nginx-process-model/single-process-directive")
    g = grade(question, question.id, "master_process on", bundled[1])
    assert "opposite" in g.diff
    question = bq(bundled, "t2i-adapter-training/optimizer")
    diff = grade(question, question.id, "Adam", bundled[1]).diff
    assert "another name" in diff or "different name" in diff


@pytest.mark.parametrize(
    ("answer", "typed"),
    [
        ("DDIM", "DDPM"),  # one letter of a short acronym
        ("GELU", "GLU"),
        ("_apply", "apply"),  # a leading underscore
        ("rfft2", "irfft2"),  # a leading i (inverse)
        ("AdamW", "Adam"),  # a trailing W
        ("densenet121", "densenet161"),  # a digit
        ("master_process off", "master_process on"),  # opposites
        ("enable_grad", "disable_grad"),
        ("torch.fft.rfft2", "torch.fft.irfft2"),  # inside a dotted name
    ],
)
def test_name_changing_edits_are_wrong_without_any_deck(answer, typed):
    question = Short(id="x", prompt="?", answer=answer)
    assert grade(question, "x", typed).verdict == "wrong"


def test_a_dropped_letter_of_a_plain_word_is_still_a_typo():
    assert grade(Short(id="x", prompt="?", answer="interrupt"), "x", "nterrupt").verdict == (
        "almost"
    )
    assert grade(Short(id="y", prompt="?", answer="window"), "y", "windo").verdict == "almost"


def test_flags_keep_their_case():
    flag = Short(id="x", prompt="?", answer="-T")
    assert grade(flag, "x", "-T").verdict == "right"
    assert grade(flag, "x", "-t").verdict == "wrong"


def test_a_known_term_at_the_typed_text_or_closer_makes_it_wrong():
    question = Short(id="x", prompt="?", answer="sigsuspend_all_workers")
    typed = "sigsuspend_all_worke"  # two edits from the answer
    none = KnownTerms()
    assert grade(question, "x", typed, none).verdict == "almost"
    assert grade(question, "x", typed, none.with_terms(typed)).verdict == "wrong"
    closer = none.with_terms("sigsuspend_all_worker")  # one edit from what was typed
    g = grade(question, "x", typed, closer)
    assert g.verdict == "wrong" and "closer to sigsuspend_all_worker" in g.diff
    farther = none.with_terms("sigsuspend_any_workers")  # as far as the answer: no
    assert grade(question, "x", typed, farther).verdict == "almost"


def test_another_blank_of_the_same_cloze_is_not_a_typo():
    cloze = Cloze(id="c", prompt="{{c1::sigprocmask}} then {{c2::sigprocmark}}")
    assert grade(cloze, "c#c1", ("sigprocmark",)).verdict == "wrong"
    assert grade(cloze, "c#c1", ("sigprocmsk",)).verdict == "almost"


def test_the_index_knows_answers_options_and_names_not_plain_words():
    deck = Deck(
        id="d",
        title="t",
        questions=(
            Short(
                id="a",
                prompt="Which call does `worker_cycle` make, after Setup()?",
                answer="ngx_spawn",
                explanation="It reads the CPU count into ngx_ncpu; the master sleeps.",
                code="while (!ngx_quit) { sigsuspend(&set); }",
            ),
            Choice(id="b", prompt="?", options=("alpha one", "beta"), correct=(0,)),
        ),
    )
    index = KnownTerms([deck])
    for term in ("ngx_spawn", "alpha one", "beta", "worker_cycle", "Setup", "CPU", "ngx_ncpu",
                 "ngx_quit", "sigsuspend", "on", "off"):  # fmt: skip
        assert index.get(term_key(term)) is not None, term
    for word in ("sleeps", "which", "count", "call"):
        assert index.get(word) is None, word


def test_known_terms_are_built_once_per_deck_set(bundled):
    decks = list(bundled[0].values())
    assert known_terms(decks) is known_terms(list(decks))


# --- numbers as people write them ------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "typed", "read_as"),
    [
        ("redis-event-loop/default-hz", "10 Hz", "10 Hz = 10 times per second"),
        ("stable-diffusion/unet-parameter-count", "860M", "860 million = 860 million parameters"),
        ("stable-diffusion/finetune-resolution", "512x512", "512×512 = 512 px"),
        ("nginx-process-model/default-worker-processes", "1 process", "1 processes"),
        ("nginx-process-model/default-worker-processes", "one", "one = 1 processes"),
        ("konva-events/dblclick-window", "0.4 s", "0.4 s = 400 ms"),
    ],
)
def test_right_numbers_are_right_whatever_their_form(bundled, ref, typed, read_as):
    question = bq(bundled, ref)
    g = grade(question, question.id, typed, bundled[1])
    assert g.verdict == "right", g.diff
    assert g.read_as == read_as


@pytest.mark.parametrize(
    ("answer", "unit", "typed"),
    [
        (7.5, None, "7,5"),
        (0.125, None, "0,125"),
        (1024, None, "1,024"),
        (1000000, None, "1 000 000"),
        (1000000, None, "1\u2009000\u2009000"),  # thin spaces
        (1000000, None, "1\u00a0000\u00a0000"),  # no-break spaces
        (1000.5, None, "1.000,5"),
        (-5, None, "\u22125"),  # the Unicode minus
        (20, None, "twenty"),
        (1000000, None, "a million"),
        (2000, None, "2k"),
        (3000000000, None, "3 billion"),
        (400, "ms", "400 milliseconds"),
        (400, "ms", ".4s"),
        (90, "seconds", "1.5 min"),
        (2, "h", "120 minutes"),
        (1, "MB", "1 MiB"),
        (1, "MB", "1024 KB"),
        (16, "bytes", "16 B"),
        (50, "%", "50 percent"),
        (0.1, "x", "10%"),
        (1.5, "x", "×1.5"),
        (1.5, "x", "1.5 times"),
        (10, "times per second", "10/s"),
        (10, "times per second", "ten times a second"),
        (512, "px per side", "512 pixels"),
        (0.25, "degrees", "0.25°"),
        (176, "B parameters", "176 billion"),
        (860, "million parameters", "0.86B"),
        (860, "million parameters", "860,000,000"),
        (4, "times", "4 times"),
        (2, "event loops", "2 loops"),
        (16, "threads", "16 thread"),
        (3, "layers", "three layers"),
        (3, "classes", "3 class"),
    ],
)
def test_number_forms_people_write(answer, unit, typed):
    question = Number(id="n", prompt="?", answer=answer, unit=unit)
    g = grade(question, "n", typed)
    assert g.verdict == "right", (typed, g.diff)


@pytest.mark.parametrize(
    ("answer", "unit", "typed", "says"),
    [
        (176, "B parameters", "176M", "176 million = 0.176 B parameters"),  # billions asked
        (7, None, "7,5", "7,5 = 7.5"),  # not silently read as 7
        (400, "ms", "4 s", "4 s = 4,000 ms"),
        (10, "times per second", "10 ms", "the unit is times per second"),
        (512, "px", "512x256", "not one number"),
        (1, "MB", "1 GB", "too high"),
    ],
)
def test_number_read_otherwise_is_wrong_and_says_how_it_was_read(answer, unit, typed, says):
    g = grade(Number(id="n", prompt="?", answer=answer, unit=unit), "n", typed)
    assert g.verdict == "wrong" and not g.ask_again
    assert says in g.diff


def test_truefalse_unreadable_is_asked_again(deck):
    g = grade(q(deck, "usr2-ignored"), "usr2-ignored", "maybe")
    assert g.ask_again and not g.passed
    assert not grade(q(deck, "usr2-ignored"), "usr2-ignored", "").ask_again


def test_singular_never_cuts_a_double_s():
    assert singular("process") == "process"
    assert singular("processes") == "process"
    assert singular("queries") == "query"
    assert singular("threads") == "thread"


# --- order by relative order --------------------------------------------------------------


SIX = Order(id="o", prompt="?", items=("parse", "plan", "fork", "bind", "serve", "exit"))


def test_order_one_item_moved_from_first_to_last_scores_high_and_names_the_move():
    g = grade(SIX, "o", (1, 2, 3, 4, 5, 0))
    assert g.score == pytest.approx(5 / 6, abs=1e-3)
    assert g.outcome == "partial"
    assert g.diff == "5 of 6 in the right order; move parse to the start"
    assert g.details == ("✗ move parse to the start",)


def test_order_last_item_put_first_says_move_it_to_the_end():
    g = grade(SIX, "o", (5, 0, 1, 2, 3, 4))
    assert g.score == pytest.approx(5 / 6, abs=1e-3)
    assert "move exit to the end" in g.diff


def test_order_an_item_in_the_middle_goes_after_its_predecessor():
    g = grade(SIX, "o", (0, 1, 3, 4, 2, 5))
    assert "move fork after plan" in g.diff
    assert g.score == pytest.approx(5 / 6, abs=1e-3)


def test_order_reversed_scores_low():
    assert grade(SIX, "o", (5, 4, 3, 2, 1, 0)).score == pytest.approx(1 / 6, abs=1e-3)


# --- answers written on one line -------------------------------------------------------------


def test_parse_answer_uses_the_decks_numbering(deck):
    order = q(deck, "shutdown-steps")
    assert parse_answer(order, "2 3 1 4") == (1, 2, 0, 3)
    with pytest.raises(AnswerFormatError):
        parse_answer(order, "1 2 2 4")
    match = q(deck, "signal-to-flag")
    assert parse_answer(match, "1a 2c 3b") == {
        "SIGCHLD": "ngx_reap",
        "SIGHUP": "ngx_reopen",
        "SIGUSR1": "ngx_reconfigure",
    }
    with pytest.raises(AnswerFormatError):
        parse_answer(match, "1z")
    choice = q(deck, "worker-flags")
    assert parse_answer(choice, "1 2, 3") == frozenset({0, 1, 2})
    assert parse_answer(q(deck, "reload-choice"), "sighup") == frozenset({0})
    assert parse_answer(q(deck, "idle-cloze"), "a | b") == ("a", "b")
    with pytest.raises(AnswerFormatError):
        parse_answer(q(deck, "what-is-master"), "anything")


# --- ratings ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IN_REVIEW = CardState(due=NOW, state=REVIEW, step=None, stability=20.0, difficulty=5.0)
LEARNT = CardState(due=NOW, state=LEARNING, step=1, stability=1.0, difficulty=5.0)
RIGHT = Grade("right", 1.0, "x", "x", "")


@pytest.mark.parametrize(
    ("question", "state", "rating"),
    [
        (Short(id="s", prompt="?", answer="x"), None, Rating.GOOD),  # a new card
        (Short(id="s", prompt="?", answer="x"), LEARNT, Rating.GOOD),
        (Short(id="s", prompt="?", answer="x"), IN_REVIEW, Rating.EASY),
        (TrueFalse(id="t", prompt="?", answer=True), IN_REVIEW, Rating.GOOD),  # guessable
        (Choice(id="c", prompt="?", options=("a", "b"), correct=(0,)), IN_REVIEW, Rating.GOOD),
        (
            Choice(id="m", prompt="?", options=("a", "b", "c"), correct=(0, 1), multi=True),
            IN_REVIEW,
            Rating.EASY,
        ),
    ],
)
def test_a_quick_right_answer_suggests_easy_only_for_a_card_in_review(question, state, rating):
    assert suggest_rating(RIGHT, 2.0, question=question, state=state) == rating
    assert suggest_rating(RIGHT, 20.0, question=question, state=state) == Rating.GOOD


def test_a_hinted_answer_is_hard_at_best():
    short = Short(id="s", prompt="?", answer="x")
    assert suggest_rating(RIGHT, 2.0, True, question=short, state=IN_REVIEW) == Rating.HARD
    almost = Grade("almost", 1.0, "x", "y", "")
    assert suggest_rating(almost, 2.0, question=short, state=IN_REVIEW) == Rating.HARD
    assert suggest_rating(Grade("wrong", 0.0, "x", "y", ""), 2.0, True) == Rating.AGAIN


# --- properties of the known terms ------------------------------------------------------------

NAMES = st.text(alphabet="abcdeAB_12.", min_size=1, max_size=14).filter(
    lambda s: normalize(s) != ""
)


def _deck_of(answers: list[str], accepts: list[list[str]]) -> Deck:
    questions = tuple(
        Short(id=f"q{i}", prompt="?", answer=a, accept=tuple(acc))
        for i, (a, acc) in enumerate(zip(answers, accepts, strict=True))
    )
    return Deck(id="d", title="t", questions=questions)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(NAMES, st.lists(NAMES, max_size=2)), min_size=1, max_size=6))
def test_an_answer_or_accepted_answer_always_passes(rows):
    deck = _deck_of([a for a, _ in rows], [acc for _, acc in rows])
    index = KnownTerms([deck])
    for question in deck.questions:
        for text in (question.answer, *question.accept):
            assert grade(question, question.id, text, index).verdict == "right", text


@settings(max_examples=200, deadline=None)
@given(st.lists(NAMES, min_size=2, max_size=8))
def test_another_questions_answer_never_passes_as_a_typo(answers):
    deck = _deck_of(answers, [[] for _ in answers])
    index = KnownTerms([deck])
    for question in deck.questions:
        for other in deck.questions:
            if other is not question:
                g = grade(question, question.id, other.answer, index)
                assert g.verdict != "almost", (question.answer, other.answer)


@st.composite
def near_misses(draw):
    answer = draw(st.text(alphabet="abcdefg_1", min_size=4, max_size=24))
    typed = list(answer)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(typed)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert":
            typed.insert(i, draw(st.sampled_from("abcdefg_1")))
        elif typed and i < len(typed):
            if op == "delete":
                del typed[i]
            else:
                typed[i] = draw(st.sampled_from("abcdefg_1"))
    return answer, "".join(typed)


@settings(max_examples=300, deadline=None)
@given(near_misses(), st.lists(st.text(alphabet="abcdefg_1", min_size=1, max_size=24), max_size=4))
def test_adding_a_known_term_never_turns_a_reject_into_a_pass(case, extra):
    answer, typed = case
    question = Short(id="x", prompt="?", answer=answer)
    base = KnownTerms()
    before = grade(question, "x", typed, base)
    after = grade(question, "x", typed, base.with_terms(*extra))
    if not before.passed:
        assert not after.passed
    assert after.verdict != "almost" or before.verdict == "almost"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_term_key_is_the_comparison_key(text):
    assert term_key(text) == "".join(normalize(text).split())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(alphabet="abcx_1", min_size=7, max_size=16), min_size=1, max_size=40),
    st.text(alphabet="abcx_1", min_size=7, max_size=16),
    st.integers(1, 2),
)
def test_the_near_index_finds_exactly_what_comparing_every_key_finds(keys, query, radius):
    from rapidfuzz.distance import Levenshtein

    index = KnownTerms(extra=keys)
    found = index.nearest(query, radius)
    distances = [Levenshtein.distance(query, k) for k in set(keys)]
    best = min((d for d in distances if d <= radius), default=None)
    assert (found and found[0]) == best


def test_each_kind_takes_its_own_response_type_and_refuses_another():
    """`responses.RESPONSE_TYPES` is the one table of what an answer is per kind: the
    grader refuses a response of another kind's type instead of guessing."""
    from srcquiz.study.responses import RESPONSE_TYPES

    q = Choice(id="c", prompt="p", options=("a", "b", "c"), correct=(1,))
    assert grade(q, "c", frozenset({1})).verdict == "right"
    with pytest.raises(TypeError):
        grade(q, "c", "b")  # type: ignore[arg-type]
    assert grade(q, "c", None).verdict == "wrong"  # nothing answered
    assert set(RESPONSE_TYPES) == set(KINDS)
