"""Shared set-up for the TUI tests: fixture decks, a fixed clock, an app on a tmp store,
and the keys that answer a question right (computed from the shuffled layout)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from srcquiz.cli.workspace import SkippedDeck
from srcquiz.deck.kinds import Choice, Cloze, Match, Number, Order, Short, TrueFalse
from srcquiz.deck.loader import load_deck
from srcquiz.deck.model import Deck
from srcquiz.progress.store import Store
from srcquiz.study.scheduler import Settings
from srcquiz.tui.app import SrcquizApp, StartRequest

FIXTURES = Path(__file__).parent.parent / "fixtures"
NOW = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
SIZE = (100, 32)
# FSRS fuzz draws random numbers; off, every due date (and chart) is reproducible.
STEADY = Settings(fuzz=False)


class FakeClock:
    """The app's time source: fixed until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def kinds_deck() -> Deck:
    return load_deck(FIXTURES / "tui_kinds.yaml")


def second_deck() -> Deck:
    return load_deck(FIXTURES / "tui_second.yaml")


def only(deck: Deck, qid: str) -> Deck:
    """The deck cut down to one question, so a session asks exactly that."""
    question = deck.question(qid)
    assert question is not None, qid
    return replace(deck, questions=(question,))


def open_store(tmp_path: Path) -> Iterator[Store]:
    """For each test module's `store` fixture: a fresh database in the test's tmp dir."""
    opened = Store.open(tmp_path / "progress.sqlite3")
    yield opened
    opened.close()


def make_app(
    decks: list[Deck],
    store: Store,
    *,
    clock: FakeClock | None = None,
    start: StartRequest | None = None,
    skipped: Sequence[SkippedDeck] = (),
) -> SrcquizApp:
    return SrcquizApp(
        decks,
        store,
        seed=0,
        clock=clock or FakeClock(),
        start=start,
        settings=STEADY,
        cursor_blink=False,
        prewarm=False,
        skipped=skipped,
    )


def answer_history(store: Store, deck: Deck, clock: FakeClock) -> None:
    """Four days of reviews, right and wrong, answered through the engine at fixed times
    (so the stats charts, retention included, have something to draw)."""
    from srcquiz.study.session import Session

    for day in range(4):
        session = Session.start(store, [deck], "review", seed=day, settings=STEADY, now=clock())
        for n, item in enumerate(session.items[:4]):
            question = item.question
            if question.self_graded:
                session.self_grade(3, 10.0, at=clock())
            elif question.kind in ("short", "truefalse") and n % 2 == 0:
                session.answer(question.answer, 10.0, at=clock())  # right
            else:
                session.answer(None, 10.0, at=clock())  # wrong: nothing answered
            session.advance()
        clock.advance(24 * 3600)


def text_keys(text: str) -> list[str]:
    names = {" ": "space", "(": "left_parenthesis", ")": "right_parenthesis", ",": "comma"}
    return [names.get(ch, ch) for ch in text]


def _order_keys(order: tuple[int, ...]) -> list[str]:
    """Cursor moves and Shift+Up presses that sort the shown items into 0..n-1."""
    seq = list(order)
    cursor = 0
    keys: list[str] = []
    for target in range(len(seq)):
        at = seq.index(target)
        step = "down" if at > cursor else "up"
        keys += [step] * abs(at - cursor)
        keys += ["shift+up"] * (at - target)
        seq.insert(target, seq.pop(at))
        cursor = target
    return keys + ["enter"]


def answer_keys(item, right: bool = True) -> list[str]:  # type: ignore[no-untyped-def]
    """Keys that answer the session's current item right (or wrong)."""
    q = item.question
    if isinstance(q, Short):
        return text_keys(q.answer if right else "nonsense") + ["enter"]
    if isinstance(q, Number):
        value = int(q.answer) if float(q.answer).is_integer() else q.answer
        return text_keys(str(value if right else value + 7)) + ["enter"]
    if isinstance(q, TrueFalse):
        return ["t" if q.answer == right else "f"]
    if isinstance(q, Choice):
        shown = list(item.order) or list(range(len(q.options)))
        if not q.multi:
            pick = q.correct[0] if right else next(i for i in shown if i not in q.correct)
            return [str(shown.index(pick) + 1)]
        picks = q.correct if right else [next(i for i in shown if i not in q.correct)]
        return [str(shown.index(i) + 1) for i in picks] + ["enter"]
    if isinstance(q, Cloze):
        answers = q.answers_for(item.cloze_number)
        keys: list[str] = []
        for answer in answers:
            keys += text_keys(answer if right else "wrong") + ["enter"]
        return keys
    if isinstance(q, Order):
        return _order_keys(item.order) if right else ["enter"]
    if isinstance(q, Match):
        shown = list(item.order)
        keys = []
        for left in range(len(q.pairs)):
            partner = left if right else (left + 1) % len(q.pairs)
            keys += [str(left + 1), "abcdefghijklmnopqrstuvwxyz"[shown.index(partner)]]
        return keys + ["enter"]
    raise AssertionError(f"no keys for {q.kind}")
