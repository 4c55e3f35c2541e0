"""Daily limits: each deck's own new-card and review limits, and a cap on all decks.

Every deck gets the global defaults (`Settings.new_per_day`, `max_reviews_per_day`)
unless the learner set its own; the cap bounds the sum over every deck. A deck's
review limit counts every scheduled answer of the day, new cards included (as Anki's
does), so the new-card limit can never push a day past it; a learning step's answer
(a missed card back within the day) uses no limit, as in Anki.

What has been used today is read from the review log (reviews made in srcquiz and
those synced from Anki alike), never kept in memory: two terminals, a sync and a
restart all see the same numbers. The arithmetic here is plain Python (`Budget`),
so the session's queue, `quiz` and the decks screen agree on what is left.

The decks screen reads this on start-up, so it defines no dataclass and does not
import the scheduler (a test keeps the keys and defaults in step with `Settings`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from srcquiz.deck.model import Deck
    from srcquiz.progress.queries import DayCounts
    from srcquiz.study.scheduler import Settings

# The global limits, each deck's defaults: `scheduler.SETTING_KEYS` and `Settings`.
NEW_KEY, REVIEWS_KEY = "study.new_per_day", "study.max_reviews_per_day"
DEFAULT_NEW, DEFAULT_REVIEWS = 20, 200

CAP_KEY = "study.daily_cap"
DEFAULT_CAP = 200
# Per-deck keys in the setting table: `deck:<deck id>:new_per_day`.
DECK_PREFIX = "deck:"
DECK_FIELDS = ("new_per_day", "reviews_per_day")
# Largest limit accepted (a day has 86,400 seconds; more is a typo).
LIMIT_MAX = 100_000


def deck_key(deck_id: str, name: str) -> str:
    return f"{DECK_PREFIX}{deck_id}:{name}"


class DeckLimits(NamedTuple):
    new_per_day: int
    reviews_per_day: int


class DeckOverride(NamedTuple):
    """A deck's own limits; None: the global default."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None


class Limits(NamedTuple):
    """The defaults every deck gets, each deck's own limits, and the cap on all decks."""

    default: DeckLimits = DeckLimits(DEFAULT_NEW, DEFAULT_REVIEWS)
    cap: int = DEFAULT_CAP
    decks: Mapping[str, DeckOverride] = MappingProxyType({})

    def for_deck(self, deck_id: str) -> DeckLimits:
        own = self.decks.get(deck_id, DeckOverride())
        return DeckLimits(
            self.default.new_per_day if own.new_per_day is None else own.new_per_day,
            self.default.reviews_per_day if own.reviews_per_day is None else own.reviews_per_day,
        )


class Used(NamedTuple):
    """What a deck used today: new cards introduced, scheduled answers (new included,
    learning steps not)."""

    new: int = 0
    reviews: int = 0


class Budget:
    """What today's limits leave, spent card by card as a queue is built.

    `used` holds today's counts per deck; `used_total` the answers of every deck
    (decks not loaded count toward the cap too); `limit` a session's own bound.
    """

    def __init__(
        self,
        limits: Limits,
        used: Mapping[str, Used],
        used_total: int,
        limit: int | None = None,
    ):
        self.limits = limits
        self._used = dict(used)
        self.overall = max(0, limits.cap - max(0, used_total))
        if limit is not None:
            self.overall = min(self.overall, max(0, limit))

    def used(self, deck_id: str) -> Used:
        return self._used.get(deck_id, Used())

    def reviews_left(self, deck_id: str) -> int:
        own = self.limits.for_deck(deck_id).reviews_per_day - self.used(deck_id).reviews
        return max(0, min(own, self.overall))

    def new_left(self, deck_id: str) -> int:
        own = self.limits.for_deck(deck_id).new_per_day - self.used(deck_id).new
        return max(0, min(own, self.reviews_left(deck_id)))

    def take_review(self, deck_id: str) -> bool:
        """Spend one review of `deck_id`, if its limit and the cap leave one."""
        return self.take(deck_id, 1) == 1

    def take_new(self, deck_id: str) -> bool:
        """Spend one new card of `deck_id` (it is a review of the day too)."""
        return self.take(deck_id, 1, new=True) == 1

    def take(self, deck_id: str, count: int, *, new: bool = False) -> int:
        """Spend up to `count` reviews (or new cards) of `deck_id`; how many were."""
        count = max(0, min(count, self.new_left(deck_id) if new else self.reviews_left(deck_id)))
        used = self.used(deck_id)
        self._used[deck_id] = Used(used.new + (count if new else 0), used.reviews + count)
        self.overall -= count
        return count

    def held_by(self, deck_id: str) -> str | None:
        """Which limit leaves `deck_id` no new card: "cap", "reviews", "new" or None."""
        if self.overall <= 0:
            return "cap"
        mine = self.limits.for_deck(deck_id)
        used = self.used(deck_id)
        if used.reviews >= mine.reviews_per_day:
            return "reviews"
        if used.new >= mine.new_per_day:
            return "new"
        return None

    def copy(self, limit: int | None = None) -> Budget:
        out = Budget(self.limits, self._used, 0)
        out.overall = self.overall if limit is None else min(self.overall, max(0, limit))
        return out


class Offer(NamedTuple):
    """What a review of some decks would offer now, under today's limits."""

    due: int
    new: int


def offer(budget: Budget, decks: Iterable[tuple[str, int, int]]) -> Offer:
    """Reviews then new cards, as the review queue takes them, for `decks` given as
    (deck id, cards due now, new cards that could be introduced); `budget` is left as
    it was."""
    budget = budget.copy()
    rows = list(decks)
    due = sum(budget.take(deck_id, due_now) for deck_id, due_now, _ in rows)
    new = sum(budget.take(deck_id, unseen, new=True) for deck_id, _, unseen in rows)
    return Offer(due, new)


def startable(
    deck: Deck, unseen: int, known: Callable[[Sequence[str]], Collection[str]]
) -> int:
    """New cards a review can start in `deck` now: one per question with a card never
    studied (`unseen` of them in all). `known(keys)` (which of these keys have been
    studied) is asked only for a deck partly studied whose questions have several
    cards, and only about those questions' keys."""
    if unseen <= 0:
        return 0
    keyed, cards, multi = _shape(deck)
    if not multi:
        return unseen  # one card a question
    if unseen >= cards:
        return keyed  # nothing studied yet
    seen = known([key for keys in multi for key in keys])
    unseen_multi = sum(key not in seen for keys in multi for key in keys)
    return unseen - unseen_multi + sum(1 for keys in multi if any(k not in seen for k in keys))


_SHAPES: dict[int, tuple[Deck, int, int, tuple[tuple[str, ...], ...]]] = {}


def _shape(deck: Deck) -> tuple[int, int, tuple[tuple[str, ...], ...]]:
    """How many questions have a card, how many cards, and the keys of questions with
    several: made once per deck (the decks screen asks after every session, of decks
    of 100k questions)."""
    hit = _SHAPES.get(id(deck))
    if hit is None or hit[0] is not deck:
        if len(_SHAPES) >= 256:
            _SHAPES.clear()
        keys = deck.card_keys()  # made once per deck: no question is decoded here
        by_question: dict[str, list[str]] = {}
        if len(keys) != deck.keyed_count():
            for key in keys:
                by_question.setdefault(key.partition("#")[0], []).append(key)  # its question
        multi = tuple(tuple(keys) for keys in by_question.values() if len(keys) > 1)
        hit = (deck, deck.keyed_count(), len(keys), multi)
        _SHAPES[id(deck)] = hit  # holding the deck keeps its id() unique
    return hit[1], hit[2], hit[3]


# --- reading and writing the limits --------------------------------------------------


class _Source(Protocol):
    def get_setting(self, key: str, default: str | None = None) -> str | None: ...

    def settings_under(self, prefix: str) -> dict[str, str]: ...


class _Sink(Protocol):
    def set_setting(self, key: str, value: str) -> None: ...

    def delete_setting(self, key: str) -> None: ...


class _Store(_Source, Protocol):
    def today_by_deck(self, now: datetime | None = None) -> DayCounts: ...


def _count(raw: str | None) -> int | None:
    try:
        return None if raw is None else max(0, min(LIMIT_MAX, int(raw, 10)))
    except ValueError:
        return None


def load_limits(source: _Source, settings: Settings | None = None) -> Limits:
    """The stored limits (the global ones from `settings` when given); anything
    unreadable falls back to its default."""
    if settings is not None:
        default = DeckLimits(settings.new_per_day, settings.max_reviews_per_day)
    else:
        new, reviews = (_count(source.get_setting(k)) for k in (NEW_KEY, REVIEWS_KEY))
        default = DeckLimits(
            DEFAULT_NEW if new is None else new, DEFAULT_REVIEWS if reviews is None else reviews
        )
    cap = _count(source.get_setting(CAP_KEY))
    decks: dict[str, dict[str, int | None]] = {}
    for key, raw in source.settings_under(DECK_PREFIX).items():
        deck_id, _, name = key[len(DECK_PREFIX) :].rpartition(":")
        value = _count(raw)
        if deck_id and name in DECK_FIELDS and value is not None:
            decks.setdefault(deck_id, {})[name] = value
    return Limits(
        default,
        DEFAULT_CAP if cap is None else cap,
        {d: DeckOverride(**values) for d, values in decks.items()},
    )


def save_cap(sink: _Sink, cap: int) -> None:
    sink.set_setting(CAP_KEY, str(max(0, min(LIMIT_MAX, cap))))


def save_deck_limits(sink: _Sink, deck_id: str, own: DeckOverride) -> None:
    """Store a deck's own limits; a None field goes back to the global default."""
    for name, value in zip(DECK_FIELDS, own, strict=True):
        if value is None:
            sink.delete_setting(deck_key(deck_id, name))
        else:
            sink.set_setting(deck_key(deck_id, name), str(max(0, min(LIMIT_MAX, value))))


def todays_budget(
    store: _Store, now: datetime, settings: Settings | None = None, limit: int | None = None
) -> Budget:
    """Today's budget from the store: the limits and what the review log says is used."""
    limits = load_limits(store, settings)
    per_deck, total = store.today_by_deck(now)
    used = {deck_id: Used(new, reviews) for deck_id, (new, reviews) in per_deck.items()}
    return Budget(limits, used, total, limit)


def parse_limit(text: str, what: str, *, blank: bool = False) -> int | None:
    """A typed limit: a whole number 0..LIMIT_MAX (blank: None, when allowed).
    Raises ValueError with one sentence for the learner."""
    text = text.strip()
    if not text:
        if blank:
            return None
        raise ValueError(f"{what} needs a number (0 or more).")
    if not text.isdigit():
        raise ValueError(f"{what} must be a whole number, 0 or more (not {text[:20]!r}).")
    value = int(text)
    if value > LIMIT_MAX:
        raise ValueError(f"{what} must be at most {LIMIT_MAX:,}.")
    return value


def describe_hold(held: str | None, limits: DeckLimits, cap: int) -> str:
    """Why a deck offers fewer cards today, in a few words ("" when nothing holds it)."""
    if held == "cap":
        return f"all decks together reached today's cap of {cap} answers"
    if held == "reviews":
        if not limits.reviews_per_day:
            return "this deck's review limit is 0"
        return f"this deck's {limits.reviews_per_day} reviews a day are used up"
    if held == "new":
        if not limits.new_per_day:
            return "this deck's new-card limit is 0"
        return f"this deck's {limits.new_per_day} new cards a day are used up"
    return ""


def short_quiz_notice(got: int, asked: int, decks: Sequence[Deck]) -> str | None:
    """Why a quiz has `got` questions when `asked` for more (None: it has them, or its
    decks had no more to ask)."""
    if got >= asked:
        return None
    wanted = min(asked, sum(d.keyed_count() for d in decks))
    if got >= wanted:
        return None
    return (
        f"This quiz has {got} question{'s' if got != 1 else ''}, not {wanted}: the others "
        "would be new cards, and today's new-card limits are used up (change them in the "
        "settings)."
    )
