"""Ratings and FSRS scheduling as a learner sees them: due dates move sensibly."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from srcquiz.progress.card_state import LEARNING, RELEARNING, REVIEW, CardState
from srcquiz.study.grading import Grade
from srcquiz.study.scheduler import (
    QUICK_S,
    SLOW_S,
    Rating,
    Settings,
    load_settings,
    retrievability,
    review,
    save_settings,
    suggest_rating,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_FUZZ = Settings(fuzz=False)


def g(verdict, score=1.0):
    return Grade(verdict, score, "x", "x", "")


@pytest.mark.parametrize(
    ("grade", "elapsed", "hint", "rating"),
    [
        (g("wrong", 0.0), 3.0, False, Rating.AGAIN),
        (g("wrong", 0.75), 3.0, False, Rating.AGAIN),  # partial credit is still a miss
        (g("almost"), 3.0, False, Rating.HARD),
        (g("right"), 20.0, True, Rating.HARD),  # the hint was needed
        (g("right"), SLOW_S + 1, False, Rating.HARD),  # very slow
        (g("right"), 20.0, False, Rating.GOOD),
        (g("right"), QUICK_S, False, Rating.GOOD),  # quick, but Easy needs a card in review
        (g("right"), QUICK_S + 0.1, False, Rating.GOOD),
    ],
)
def test_rating_mapping(grade, elapsed, hint, rating):
    assert suggest_rating(grade, elapsed, hint) == rating


def test_new_card_goes_into_learning_and_comes_back_soon():
    state = review(None, Rating.GOOD, NOW, NO_FUZZ)
    assert state.state == LEARNING
    assert state.last_review == NOW
    assert NOW < state.due <= NOW + timedelta(hours=1)
    again = review(None, Rating.AGAIN, NOW, NO_FUZZ)
    assert again.due <= state.due


def test_easy_new_card_graduates_straight_to_review():
    state = review(None, Rating.EASY, NOW, NO_FUZZ)
    assert state.state == REVIEW
    assert state.due >= NOW + timedelta(days=1)


def test_several_good_reviews_space_the_card_out():
    state = None
    when = NOW
    intervals = []
    for _ in range(6):
        state = review(state, Rating.GOOD, when, NO_FUZZ)
        intervals.append(state.due - when)
        when = state.due  # study exactly when it is due
    assert state.state == REVIEW
    review_intervals = intervals[2:]
    assert all(b > a for a, b in zip(review_intervals, review_intervals[1:], strict=False))
    assert intervals[-1] > timedelta(days=20)
    assert state.stability is not None and state.stability > 20


def test_forgetting_a_review_card_sends_it_to_relearning():
    state = None
    when = NOW
    for _ in range(4):
        state = review(state, Rating.GOOD, when, NO_FUZZ)
        when = state.due
    assert state is not None and state.state == REVIEW
    lapsed = review(state, Rating.AGAIN, when, NO_FUZZ)
    assert lapsed.state == RELEARNING
    assert lapsed.due - when < timedelta(hours=1)
    assert lapsed.stability < state.stability


def test_hard_schedules_sooner_than_good_and_easy_later():
    base = None
    when = NOW
    for _ in range(3):
        base = review(base, Rating.GOOD, when, NO_FUZZ)
        when = base.due
    hard, good, easy = (review(base, r, when, NO_FUZZ).due for r in (2, 3, 4))
    assert hard < good < easy


def test_higher_desired_retention_means_shorter_intervals():
    def interval(retention):
        settings = Settings(desired_retention=retention, fuzz=False)
        state = review(None, Rating.EASY, NOW, settings)
        state = review(state, Rating.GOOD, state.due, settings)
        return state.due - state.last_review

    assert interval(0.95) < interval(0.9) < interval(0.8)


def test_fuzz_spreads_intervals_but_stays_close():
    state = review(None, Rating.EASY, NOW, NO_FUZZ)
    state = review(state, Rating.GOOD, state.due, NO_FUZZ)
    when = state.due
    plain = review(state, Rating.GOOD, when, NO_FUZZ).due - when
    fuzzed = {review(state, Rating.GOOD, when, Settings()).due - when for _ in range(20)}
    assert len(fuzzed) > 1
    assert all(abs(f - plain) <= plain * 0.3 for f in fuzzed)


def test_retrievability_falls_with_time():
    state = review(None, Rating.EASY, NOW, NO_FUZZ)
    soon = retrievability(state, NOW + timedelta(days=1))
    later = retrievability(state, NOW + timedelta(days=60))
    assert 0 < later < soon <= 1
    assert retrievability(CardState(due=NOW), NOW) == 0.0


def test_card_state_round_trips_through_a_dict():
    state = review(None, Rating.GOOD, NOW, NO_FUZZ)
    assert CardState.from_dict(state.to_dict()) == state


def test_naive_times_are_taken_as_local_time():
    naive = datetime(2026, 3, 2, 9, 0)
    state = review(None, Rating.GOOD, naive, NO_FUZZ)
    assert state.last_review == naive.astimezone().astimezone(UTC)


class FakeSettingsSource:
    def __init__(self, values):
        self.values = values

    def get_setting(self, key, default=None):
        return self.values.get(key, default)


def test_settings_defaults_and_overrides():
    assert load_settings(FakeSettingsSource({})) == Settings()
    custom = load_settings(
        FakeSettingsSource(
            {
                "study.desired_retention": "0.85",
                "study.new_per_day": "5",
                "study.max_reviews_per_day": "oops",  # unreadable: default kept
            }
        )
    )
    assert custom.desired_retention == 0.85
    assert custom.new_per_day == 5
    assert custom.max_reviews_per_day == Settings().max_reviews_per_day
    clamped = load_settings(
        FakeSettingsSource({"study.desired_retention": "1.5", "study.new_per_day": "-3"})
    )
    assert clamped.desired_retention == 0.99
    assert clamped.new_per_day == 0


def test_settings_are_saved_in_the_store(tmp_path, monkeypatch):
    from srcquiz.progress.store import Store

    monkeypatch.setenv("SRCQUIZ_HOME", str(tmp_path / "home"))
    with Store.open(tmp_path / "p.sqlite3") as store:
        saved = save_settings(store, Settings(desired_retention=0.8, new_per_day=7))
        assert saved.new_per_day == 7
    with Store.open(tmp_path / "p.sqlite3") as store:
        loaded = load_settings(store)
    assert (loaded.desired_retention, loaded.new_per_day, loaded.max_reviews_per_day) == (
        0.8,
        7,
        Settings().max_reviews_per_day,
    )


def test_engine_modules_do_not_import_fsrs_at_start_up():
    code = (
        "import sys, srcquiz.study.session, srcquiz.progress.store, "
        "srcquiz.study.scheduler, srcquiz.study.grading, "
        "srcquiz.cli.plain, srcquiz.progress.stats, srcquiz.progress.backup; "
        "print(sorted(m for m in ('fsrs', 'textual', 'rapidfuzz') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
