"""Study sessions: what gets asked, in which order, and what each answer leaves behind."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from srcquiz.deck.kinds import Choice, Flashcard, Number, Order, Short
from srcquiz.deck.model import Deck
from srcquiz.progress.rows import MAX_ANSWER_CHARS, MAX_DURATION_S
from srcquiz.study.scheduler import Rating, Settings, review
from srcquiz.study.session import AskAgain, Session, StudyItem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(fuzz=False)


def right_answer(item: StudyItem) -> object:
    """What a learner who knows everything types, as the response grade() expects."""
    q = item.question
    kind = q.kind
    if kind == "short":
        return q.answer
    if kind == "number":
        return str(q.answer)
    if kind == "choice":
        return frozenset(q.correct)
    if kind == "truefalse":
        return q.answer
    if kind == "cloze":
        return q.answers_for(item.cloze_number)
    if kind == "order":
        return tuple(range(len(q.items)))
    if kind == "match":
        return dict(q.pairs)
    raise AssertionError(kind)


def play(session: Session, correct: bool = True, elapsed: float = 20.0) -> None:
    """Answer every card once, then stop: the first card that comes back in a
    learning step ends the run (the learning loop has tests of its own)."""
    asked: set[StudyItem] = set()
    while not session.done:
        item = session.current()
        if item in asked:
            return
        asked.add(item)
        if item.self_graded:
            session.self_grade(Rating.GOOD if correct else Rating.AGAIN, elapsed)
        else:
            session.answer(right_answer(item) if correct else None, elapsed)
        session.advance()


def keys(session: Session) -> list[str]:
    return [i.card_key for i in session.items]


# --- review mode -------------------------------------------------------------------


def test_review_offers_new_cards_up_to_the_daily_limit(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=5, fuzz=False), now=NOW)
    assert s.mode == "review"
    assert keys(s) == ["reload-signal-name", "test-flag", "strict-name", "thread-count", "ratio"]
    play(s)
    # Later the same day only what is left of the daily allowance is new.
    later = Session.start(
        store, [deck], settings=Settings(new_per_day=7, fuzz=False), now=NOW + timedelta(hours=1)
    )
    new_keys = [k for k in keys(later) if store.card_state(deck.id, k) is None]
    assert new_keys == ["reload-choice", "worker-flags"]


def test_review_introduces_one_card_of_a_question_per_day(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=50, fuzz=False), now=NOW)
    ks = keys(s)
    assert "idle-cloze#c1" in ks and "idle-cloze#c2" not in ks
    assert "what-is-master" in ks and "what-is-master#reverse" not in ks
    assert len(ks) == len(deck.questions)


def test_review_puts_due_cards_first_most_overdue_first(store, deck):
    first = Session.start(store, [deck], settings=Settings(new_per_day=3, fuzz=False), now=NOW)
    play(first, correct=False)  # all three come back within minutes
    tomorrow = NOW + timedelta(days=1)
    s = Session.start(store, [deck], settings=Settings(new_per_day=2, fuzz=False), now=tomorrow)
    due = [store.card_state(deck.id, k).due for k in keys(s)[:3]]
    assert keys(s)[:3] == sorted(keys(s)[:3], key=lambda k: store.card_state(deck.id, k).due)
    assert all(d <= tomorrow for d in due)
    assert keys(s)[3:] == ["thread-count", "ratio"]


def test_review_respects_max_reviews_and_limit(store, deck):
    s = Session.start(
        store, [deck], settings=Settings(new_per_day=50, max_reviews_per_day=4), now=NOW
    )
    assert len(s.items) == 4
    play(s)
    capped = Session.start(
        store, [deck], settings=Settings(new_per_day=50, max_reviews_per_day=6), now=NOW
    )
    assert len(capped.items) == 2  # 4 of today's 6 are used
    limited = Session.start(store, [deck], limit=1, settings=Settings(new_per_day=50), now=NOW)
    assert len(limited.items) == 1


def test_review_with_nothing_due_and_no_new_is_empty(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=0), now=NOW)
    assert s.items == [] and s.done and s.current() is None


def test_new_cards_alternate_between_decks(store, deck):
    other = dataclasses.replace(deck, id="other", title="Other")
    s = Session.start(store, [deck, other], settings=Settings(new_per_day=2), now=NOW)
    # The new-card limit is each deck's own (#13): two from each.
    assert [(i.deck.id, i.card_key) for i in s.items] == [
        ("engine-kinds", "reload-signal-name"),
        ("other", "reload-signal-name"),
        ("engine-kinds", "test-flag"),
        ("other", "test-flag"),
    ]


# --- answering ----------------------------------------------------------------------


def test_answer_grades_schedules_and_commits_before_returning(store, deck, tmp_path):
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    item = s.current()
    assert item.card_key == "reload-signal-name"
    result = s.answer("sighpu", elapsed_s=12.0)
    assert result.grade.verdict == "almost"
    assert result.rating == Rating.HARD
    other = sqlite3.connect(tmp_path / "progress.sqlite3")
    row = other.execute(
        "SELECT card_key, rating, verdict, answer, mode, session_id FROM review WHERE id = ?",
        (result.review_id,),
    ).fetchone()
    other.close()
    assert row == ("reload-signal-name", 2, "almost", "sighpu", "review", s.session_id)
    state = store.card_state(deck.id, "reload-signal-name")
    assert state == review(None, Rating.HARD, NOW, SETTINGS)


def test_hint_and_speed_change_the_suggested_rating(store, deck):
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    assert s.answer("SIGHUP", 3.0).rating == Rating.GOOD  # quick, but a new card: never Easy
    s.advance()
    assert s.answer("-t", 3.0, hint_used=True).rating == Rating.HARD
    s.advance()
    assert s.answer("ngx_spawn_process", 25.0).rating == Rating.GOOD
    s.advance()
    assert s.answer("17", 3.0).rating == Rating.AGAIN
    assert [r.hint_used for r in store.reviews(deck.id)] == [False, True, False, False]


class FakeTimer:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


YEAR_S = 365 * 24 * 3600.0


def test_a_wall_clock_jump_while_a_card_is_shown_is_not_an_answer_time(store, deck):
    timer = FakeTimer()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW, timer=timer)
    timer.now += 5  # five seconds to answer, but the wall clock jumped a year ahead
    result = s.answer("SIGHUP", YEAR_S + 5)
    assert result.rating == Rating.GOOD  # right in seconds, as it really was (not Hard)
    s.advance()
    timer.now += 20  # twenty seconds, and the wall clock went back an hour meanwhile
    assert s.answer("-T", 20 - 3600.0).rating == Rating.AGAIN
    s.advance()
    timer.now += 30
    s.answer("ngx_spawn_process", float("nan"))  # no answer time at all
    assert [r.duration_ms for r in store.reviews(deck.id)] == [5000, 20000, 30000]
    assert s.summary().elapsed_s == 55.0


def test_a_front_ends_own_time_is_kept_when_it_is_plausible(store, deck):
    timer = FakeTimer()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW, timer=timer)
    timer.now += 30
    assert s.answer("SIGHUP", 25.0).rating == Rating.GOOD  # its own timer started later
    assert store.reviews(deck.id)[0].duration_ms == 25000


def test_a_card_left_on_screen_for_hours_logs_a_capped_time(store, deck):
    timer = FakeTimer()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW, timer=timer)
    timer.now += 3 * 3600
    assert s.answer("SIGHUP", 3 * 3600.0).rating == Rating.HARD  # slow, but right
    assert store.reviews(deck.id)[0].duration_ms == MAX_DURATION_S * 1000


def test_a_very_long_answer_is_stored_cut_with_a_marker(store, deck):
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    typed = "x" * 50_000
    result = s.answer(typed, 3.0)
    assert result.grade.given == typed  # the feedback shows what was typed
    (row,) = store.reviews(deck.id)
    assert len(row.answer) == MAX_ANSWER_CHARS
    assert row.answer.startswith("xxx") and row.answer.endswith(" … [cut: 50000 characters]")


def test_one_answer_per_card_and_self_grading_only_for_cards(store, deck):
    s = Session.start(store, [deck], mode="cram", seed=1, now=NOW)
    typed = 0
    while not s.current().self_graded:
        if s.current().question.kind in ("short", "cloze"):  # answered with any text
            s.answer("x", 1.0)
            typed += 1
            with pytest.raises(RuntimeError):
                s.answer("x", 1.0)
        s.advance()
    with pytest.raises(ValueError):
        s.answer("anything", 1.0)
    result = s.self_grade(Rating.AGAIN, 4.0)
    assert result.grade.verdict == "wrong" and result.rating == Rating.AGAIN
    assert result.grade.expected == s.current().expected_text()
    while not s.done:  # every other card: one answer each
        if not s.answered_current() and s.current().question.kind in ("short", "cloze"):
            s.answer("x", 1.0)
            typed += 1
            with pytest.raises(RuntimeError):
                s.answer("x", 1.0)
        s.advance()
    assert typed >= 1


def test_override_recomputes_from_the_state_before_the_answer(store, deck):
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    s.answer("SIGHUP", 20.0)
    s.advance()
    s.answer("SIGHUP", 20.0, at=NOW + timedelta(minutes=5))  # test-flag: wrong -> Again
    before = store.reviews(deck.id, "test-flag")[0].state_before
    assert before is None
    changed = s.rate(Rating.EASY)
    assert changed.rating == Rating.EASY
    assert changed.grade.verdict == "wrong"  # the override changes the rating, not the grade
    assert store.review(changed.review_id).rating == 4
    expected = review(None, Rating.EASY, NOW + timedelta(minutes=5), SETTINGS)
    assert store.card_state(deck.id, "test-flag") == expected
    # Overriding twice still starts from the state before the answer.
    s.rate(Rating.HARD)
    assert store.card_state(deck.id, "test-flag") == review(
        None, Rating.HARD, NOW + timedelta(minutes=5), SETTINGS
    )
    assert len(store.reviews(deck.id, "test-flag")) == 1


def test_override_of_a_self_graded_card_updates_its_verdict(store, deck):
    s = Session.start(store, [deck], mode="cram", seed=3, now=NOW)
    while not s.current().self_graded:
        s.advance()
    s.self_grade(Rating.AGAIN, 2.0)
    assert s.missed_items() == [s.current()]
    fixed = s.rate(Rating.GOOD)
    assert fixed.grade.verdict == "right"
    assert store.review(fixed.review_id).verdict == "right"
    assert s.missed_items() == []


def test_rate_without_an_answer_is_an_error(store, deck):
    s = Session.start(store, [deck], now=NOW)
    with pytest.raises(RuntimeError):
        s.rate(Rating.GOOD)


# --- other modes ------------------------------------------------------------------------


def test_quiz_asks_n_shuffled_questions_and_schedules_them(store, deck):
    s = Session.start(store, [deck], mode="quiz", limit=6, seed=7, now=NOW)
    assert len(s.items) == 6
    assert len({i.question.id for i in s.items}) == 6
    again = Session.start(store, [deck], mode="quiz", limit=6, seed=7, now=NOW)
    assert keys(again) == keys(s)  # the seed makes it repeatable
    other = Session.start(store, [deck], mode="quiz", limit=6, seed=8, now=NOW)
    assert keys(other) != keys(s)
    play(s)
    assert all(store.card_state(deck.id, k) is not None for k in keys(s))
    assert {r.mode for r in store.reviews(deck.id)} == {"quiz"}
    summary = s.summary()
    assert summary.answered == 6 and summary.score == 1.0 and summary.wrong == 0


def test_quiz_defaults_to_twenty_questions(store, deck):
    big = dataclasses.replace(
        deck,
        questions=tuple(
            Short(id=f"q{i}", prompt=f"question {i}", answer=f"answer {i}") for i in range(30)
        ),
    )
    assert len(Session.start(store, [big], mode="quiz", now=NOW).items) == 20


def test_cram_logs_answers_but_does_not_move_due_dates(store, deck):
    s = Session.start(store, [deck], mode="cram", seed=2, now=NOW)
    assert sorted(keys(s)) == sorted(deck.card_keys())
    play(s, correct=False)
    reviews = store.reviews(deck.id)
    assert len(reviews) == len(deck.card_keys())
    assert {r.mode for r in reviews} == {"cram"}
    assert store.card_states(deck.id) == {}


def test_missed_mode_retries_what_was_wrong_last_session(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=4), now=NOW)
    s.answer("SIGHUP", 20.0)
    s.advance()
    s.answer("-T", 20.0)  # wrong
    s.advance()
    s.answer("ngx_spawn_process", 20.0)
    s.advance()
    s.answer("3", 20.0)  # wrong
    assert [i.card_key for i in s.missed_items()] == ["test-flag", "thread-count"]
    missed = Session.start(store, [deck], mode="missed", now=NOW + timedelta(minutes=2))
    assert keys(missed) == ["test-flag", "thread-count"]
    due_before = store.card_state(deck.id, "test-flag").due
    missed.answer("-t", 5.0)
    missed.advance()
    missed.answer("4", 5.0)
    assert store.card_state(deck.id, "test-flag").due == due_before  # retry: no rescheduling
    # The next "missed" session looks at that retry: one is still wrong.
    assert keys(Session.start(store, [deck], mode="missed", now=NOW)) == ["thread-count"]


def test_retry_builds_a_practice_session_from_missed_items(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=3), now=NOW)
    play(s, correct=False)
    retry = Session.retry(s, s.missed_items())
    assert retry.mode == "missed" and retry.session_id != s.session_id
    assert keys(retry) == keys(s)[:3]  # the first card was coming back when play stopped
    play(retry)
    assert retry.summary().right == 3
    assert {r.mode for r in store.reviews(session_id=retry.session_id)} == {"missed"}


def _retry_layouts(store, deck, seed: int) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """(kind, first try's layout, the retry's) of every shuffled card, all missed once."""
    s = Session.start(store, [deck], mode="cram", seed=seed, now=NOW)
    play(s, correct=False)
    missed = s.missed_items()
    retry = Session.retry(s, missed)
    assert keys(retry) == [i.card_key for i in missed]
    return [
        (a.question.kind, a.order, b.order)
        for a, b in zip(missed, retry.items, strict=True)
        if a.order
    ]


@pytest.mark.parametrize("seed", range(6))
def test_retry_lays_every_card_out_anew_and_reproducibly(store, deck, seed):
    """A retry in the first try's column and option order is answered from memory of the
    screen: each card gets a new shuffle, drawn from the session's seeded generator."""
    layouts = _retry_layouts(store, deck, seed)
    assert {kind for kind, _, _ in layouts} == {"choice", "order", "match"}
    for kind, first, again in layouts:
        assert sorted(again) == sorted(first)  # the same options, items or pairs
        assert again != first, kind
        if kind in ("order", "match"):
            assert again != tuple(sorted(again))  # never already solved
    assert _retry_layouts(store, deck, seed) == layouts  # the same seed, the same retry


def test_summary_counts_and_score(store, deck):
    s = Session.start(store, [deck], mode="cram", seed=5, now=NOW)
    verdicts = []
    while not s.done:
        item = s.current()
        if item.self_graded:
            s.self_grade(Rating.GOOD, 10.0)
        elif item.question.id == "reload-signal-name":
            s.answer("sighpu", 10.0)
        elif item.question.id == "worker-flags":
            s.answer(frozenset({0}), 10.0)  # one of three: partial credit
        else:
            s.answer(right_answer(item), 10.0)
        verdicts.append(s.results[-1].grade.verdict)
        s.advance()
    summary = s.summary()
    assert (summary.right, summary.almost, summary.wrong) == (
        verdicts.count("right"),
        1,
        1,
    )
    assert summary.elapsed_s == pytest.approx(10.0 * len(verdicts))
    n = len(verdicts)
    assert summary.score == pytest.approx((n - 1 + 1 / 3) / n, abs=1e-3)
    assert [i.question.id for i in s.missed_items()] == ["worker-flags"]


# --- decks that change ----------------------------------------------------------------


def test_reworded_question_keeps_its_history_and_removed_ones_are_skipped(store, deck):
    s = Session.start(store, [deck], settings=Settings(new_per_day=3, fuzz=False), now=NOW)
    play(s, correct=False)
    reworded = dataclasses.replace(
        deck.question("reload-signal-name"), prompt="Which signal reloads nginx?"
    )
    edited = dataclasses.replace(
        deck,
        questions=tuple(
            reworded if q.id == "reload-signal-name" else q
            for q in deck.questions
            if q.id != "test-flag"
        ),
    )
    later = NOW + timedelta(days=1)
    s2 = Session.start(store, [edited], settings=Settings(new_per_day=0), now=later)
    assert keys(s2) == ["reload-signal-name", "strict-name"]
    assert s2.current().prompt_text() == "Which signal reloads nginx?"
    assert len(store.reviews(deck.id, "test-flag")) == 1  # its rows stay
    stats = store.deck_stats(edited, later)
    assert stats.cards == len(edited.card_keys())
    assert stats.due_today == 2


# --- study items ---------------------------------------------------------------------------


def test_study_item_presentation(store, deck):
    s = Session.start(store, [deck], mode="cram", seed=11, now=NOW)
    by_key = {i.card_key: i for i in s.items}
    c1 = by_key["idle-cloze#c1"]
    assert c1.cloze_number == 1 and c1.blanks() == 1
    assert c1.prompt_text() == (
        "The master blocks signals with [...], then waits in sigsuspend and loops."
    )
    assert by_key["idle-cloze#c2"].blanks() == 2
    reverse = by_key["what-is-master#reverse"]
    card = deck.question("what-is-master")
    assert isinstance(card, Flashcard)
    assert reverse.is_reverse and reverse.prompt_text() == card.answer
    assert reverse.expected_text() == card.prompt
    order = by_key["shutdown-steps"]
    assert isinstance(order.question, Order)
    assert sorted(order.order) == [0, 1, 2, 3] and order.order != (0, 1, 2, 3)
    assert [t for _, t in order.shown_items()] == [order.question.items[i] for i in order.order]
    match = by_key["signal-to-flag"]
    assert sorted(match.order) == [0, 1, 2]
    assert sorted(match.shown_rights()) == sorted(r for _, r in match.question.pairs)
    choice = by_key["reload-choice"]
    assert isinstance(choice.question, Choice) and sorted(choice.order) == [0, 1, 2, 3]


def test_choice_keeps_its_order_when_shuffle_is_off(store, deck):
    fixed = dataclasses.replace(deck.question("reload-choice"), shuffle=False)
    d = dataclasses.replace(deck, questions=(fixed,))
    for seed in range(5):
        s = Session.start(store, [d], mode="cram", seed=seed, now=NOW)
        assert s.items[0].order == (0, 1, 2, 3)


def _deck_of(*questions: object) -> Deck:
    return Deck(id="t", title="T", questions=tuple(questions))  # type: ignore[arg-type]


def test_a_session_never_takes_another_real_term_of_its_decks_for_a_typo(store):
    """`multithreadioeventloopgroup` is one edit from the answer, but it is another
    question's answer in the session's decks: wrong, not "almost"."""
    asked = Short(id="a", prompt="Which group?", answer="MultithreadEventLoopGroup")
    other = Short(id="b", prompt="And the 4.2 one?", answer="MultithreadIoEventLoopGroup")
    s = Session.start(store, [_deck_of(asked, other)], mode="cram", settings=SETTINGS, now=NOW)
    while s.current().question.id != "a":
        s.advance()
    result = s.answer("MultithreadIoEventLoopGroup", 3.0)
    assert result.grade.verdict == "wrong"


def test_an_unreadable_number_is_asked_again_and_nothing_is_recorded(store):
    q = Number(id="n", prompt="How many threads?", answer=16.0, unit="threads")
    s = Session.start(store, [_deck_of(q)], mode="cram", settings=SETTINGS, now=NOW)
    with pytest.raises(AskAgain) as exc:
        s.answer("sixteen-ish", 3.0)
    assert str(exc.value) and store.review_count(["t"]) == 0
    assert s.answer("16", 3.0).grade.verdict == "right"
    assert store.review_count(["t"]) == 1
