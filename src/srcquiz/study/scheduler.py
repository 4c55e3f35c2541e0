"""Spaced repetition with FSRS-6 (the `fsrs` package), behind a small façade.

`fsrs` is imported inside the functions that need it so the TUI and `lint`
start without it. Card state travels as our own frozen `CardState` so the
store and session never handle `fsrs` objects.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from srcquiz.deck.kinds import Choice, TrueFalse
from srcquiz.progress.card_state import REVIEW, CardState

if TYPE_CHECKING:
    from srcquiz.deck.kinds import Question
    from srcquiz.study.grading import Grade, Verdict

# Answer times (seconds) that turn Good into Easy or into Hard.
QUICK_S = 8.0
SLOW_S = 60.0

# Desired retention FSRS and the queue can work with (settings are clamped to it).
RETENTION_MIN, RETENTION_MAX = 0.7, 0.99


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Settings:
    """Study settings; stored as text in the store's settings table. The daily limits
    are each deck's defaults (new cards first seen today, scheduled reviews today);
    a deck's own limits and the cap on all decks are in `study.limits`."""

    desired_retention: float = 0.9
    new_per_day: int = 20
    max_reviews_per_day: int = 200
    fuzz: bool = True  # FSRS interval fuzz: spreads cards learnt together over several days


SETTING_KEYS = {
    "desired_retention": "study.desired_retention",
    "new_per_day": "study.new_per_day",
    "max_reviews_per_day": "study.max_reviews_per_day",
}


class _SettingsSource(Protocol):
    def get_setting(self, key: str, default: str | None = None) -> str | None: ...


class _SettingsSink(Protocol):
    def set_setting(self, key: str, value: str) -> None: ...


def load_settings(source: _SettingsSource) -> Settings:
    """Settings saved in the store, defaults for anything missing or unreadable."""
    base = Settings()
    values: dict[str, Any] = {}
    for field_name, key in SETTING_KEYS.items():
        raw = source.get_setting(key)
        if raw is None:
            continue
        try:
            value: float | int = float(raw) if field_name == "desired_retention" else int(raw, 10)
        except ValueError:
            continue
        values[field_name] = value
    settings = replace(base, **values)
    return validate_settings(settings)


def save_settings(sink: _SettingsSink, settings: Settings) -> Settings:
    """Store the study settings (clamped first); returns what was saved."""
    settings = validate_settings(settings)
    for field_name, key in SETTING_KEYS.items():
        sink.set_setting(key, str(getattr(settings, field_name)))
    return settings


def validate_settings(settings: Settings) -> Settings:
    """Clamp to what FSRS and the queue can work with."""
    return replace(
        settings,
        desired_retention=min(RETENTION_MAX, max(RETENTION_MIN, settings.desired_retention)),
        new_per_day=max(0, settings.new_per_day),
        max_reviews_per_day=max(0, settings.max_reviews_per_day),
    )


def suggest_rating(
    grade: Grade,
    elapsed_s: float,
    hint_used: bool = False,
    *,
    question: Question | None = None,
    state: CardState | None = None,
) -> Rating:
    """Wrong: Again; typo, hint or very slow: Hard; right: Good.

    Easy is the learner's own choice: a quick right answer suggests it only for a card
    already in review (`state`), and never for a question that can be guessed (true or
    false, one choice among a few); a new or learning card, or an unknown one, gets Good.
    """
    if grade.verdict == "wrong":
        return Rating.AGAIN
    if grade.verdict == "almost" or hint_used or elapsed_s > SLOW_S:
        return Rating.HARD
    guessable = isinstance(question, TrueFalse) or (
        isinstance(question, Choice) and not question.multi
    )
    in_review = state is not None and state.state == REVIEW
    if elapsed_s <= QUICK_S and in_review and question is not None and not guessable:
        return Rating.EASY
    return Rating.GOOD


def verdict_for_rating(rating: Rating) -> Verdict:
    """A self-graded card's verdict: Again means it was not known."""
    return "wrong" if rating == Rating.AGAIN else "right"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC)


@functools.lru_cache(maxsize=8)
def _scheduler(desired_retention: float, fuzz: bool) -> Any:
    import fsrs

    return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)


def review(
    state: CardState | None,
    rating: Rating,
    now: datetime,
    settings: Settings | None = None,
    duration_s: float | None = None,
) -> CardState:
    """The card's state after being rated `rating` at `now` (None: a new card)."""
    import fsrs

    settings = settings or Settings()
    now = _utc(now)
    card = fsrs.Card(card_id=1, due=now) if state is None else _fsrs_card(state)
    scheduler = _scheduler(round(settings.desired_retention, 4), settings.fuzz)
    duration_ms = None if duration_s is None else max(0, int(duration_s * 1000))
    card, _log = scheduler.review_card(
        card, fsrs.Rating(int(rating)), review_datetime=now, review_duration=duration_ms
    )
    return CardState(
        due=_utc(card.due),
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=None if card.last_review is None else _utc(card.last_review),
    )


def _fsrs_card(state: CardState) -> Any:  # an fsrs.Card; fsrs is imported lazily
    import fsrs

    return fsrs.Card(
        card_id=1,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_utc(state.due),
        last_review=None if state.last_review is None else _utc(state.last_review),
    )


def retrievability(state: CardState, now: datetime, settings: Settings | None = None) -> float:
    """Predicted chance of recalling the card at `now` (0 for a card never reviewed)."""

    settings = settings or Settings()
    if state.last_review is None or state.stability is None:
        return 0.0
    card = _fsrs_card(state)
    return float(
        _scheduler(round(settings.desired_retention, 4), settings.fuzz).get_card_retrievability(
            card, _utc(now)
        )
    )
