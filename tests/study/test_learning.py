"""Learning steps in a session: missed and still-learning cards come back before the
session ends, each return a real review, the summary counting each card once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from srcquiz.deck.kinds import Choice, Cloze, Number, Order, Short, TrueFalse
from srcquiz.deck.model import Deck
from srcquiz.progress.card_state import LEARNING, REVIEW, CardState
from srcquiz.study.items import StudyItem
from srcquiz.study.learning import LEARN_AHEAD, LearningQueue
from srcquiz.study.scheduler import Rating, Settings
from srcquiz.study.session import Session

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = Settings(fuzz=False)


def three_true() -> Deck:
    questions = tuple(
        TrueFalse(id=f"tf{n}", prompt=f"Statement {n} holds.", answer=True) for n in (1, 2, 3)
    )
    return Deck(id="tf", title="Three", questions=questions)


def asked_ids(session: Session) -> list[str]:
    return [i.question.id for i in session.items[: session.position + 1]]


def run(session: Session, wrong_first: set[str], step: timedelta = timedelta(0)) -> None:
    """Answer until the session ends: a card in `wrong_first` wrong the first time it is
    asked, everything else right; the clock moves `step` per answer."""
    seen: set[str] = set()
    at = NOW
    for _ in range(50):  # a bound, so a loop that never ends fails instead of hanging
        item = session.current()
        if item is None:
            return
        qid = item.question.id
        right = qid in seen or qid not in wrong_first
        seen.add(qid)
        session.answer(item.question.answer if right else not item.question.answer, 12.0, at=at)
        at += step
        session.advance(at=at)
    raise AssertionError("the session never ended")


def test_a_missed_card_comes_back_after_the_others_until_it_is_learnt(store):
    deck = three_true()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    run(s, wrong_first={"tf1"})
    order = [i.question.id for i in s.items]
    assert order[:3] == ["tf1", "tf2", "tf3"]
    assert order[3] == "tf1"  # the missed card first: its step (1 min) is due soonest
    assert order.count("tf1") == 3  # Again, then Good through both learning steps
    # Each return is a real review, scheduled from the state the last one left.
    rows = store.reviews(deck.id, "tf1")
    assert [r.rating for r in rows] == [Rating.AGAIN, Rating.GOOD, Rating.GOOD]
    assert rows[0].state_before is None and all(r.state_before for r in rows[1:])
    assert all(r.mode == "review" for r in rows)
    # Every card graduated, and none is due as far as three days out.
    for key in ("tf1", "tf2", "tf3"):
        state = store.card_state(deck.id, key)
        assert state is not None and state.state == REVIEW
        assert state.due - NOW < timedelta(days=3), key


def test_a_step_that_falls_due_comes_before_the_cards_still_waiting(store):
    deck = three_true()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    s.answer(False, 5.0, at=NOW)  # tf1 wrong: its 1-minute step
    s.advance(at=NOW + timedelta(seconds=10))
    s.answer(True, 5.0, at=NOW + timedelta(seconds=20))
    s.advance(at=NOW + timedelta(minutes=2))  # tf1's step is due: before tf3
    assert asked_ids(s) == ["tf1", "tf2", "tf1"]
    assert [i.question.id for i in s.items[s.position + 1 :]] == ["tf3"]


def test_learn_ahead_stops_at_twenty_minutes():
    queue: LearningQueue[str] = LearningQueue()
    soon = CardState(due=NOW + LEARN_AHEAD - timedelta(seconds=1), state=LEARNING)
    late = CardState(due=NOW + LEARN_AHEAD + timedelta(seconds=1), state=LEARNING)
    queue.update("late", late)
    assert queue.pick(NOW, others_left=False) is None  # past the window: next session
    queue.update("soon", soon)
    assert queue.pick(NOW, others_left=True) is None  # not due yet, others first
    assert queue.pick(NOW, others_left=False) == "soon"
    assert len(queue) == 1
    queue.update("late", CardState(due=NOW + timedelta(days=2), state=REVIEW))
    assert len(queue) == 0  # graduated: it leaves the queue


def test_the_summary_counts_each_card_once_and_says_how_many_came_back(store):
    deck = three_true()
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    run(s, wrong_first={"tf2"})
    assert len(s.results) > 3
    summary = s.summary()
    assert summary.answered == 3
    assert [r.item.question.id for r in summary.rows] == ["tf1", "tf2", "tf3"]
    assert [r.verdict for r in summary.rows] == ["right", "wrong", "right"]  # first answers
    assert (summary.right, summary.wrong) == (2, 1)
    assert summary.score == pytest.approx(2 / 3)
    assert summary.came_back == 3  # new cards come back for their second step too
    assert [r.asked for r in summary.rows] == [2, 3, 2]
    assert summary.elapsed_s == pytest.approx(12.0 * len(s.results))
    assert s.missed_items() == []  # tf2 was learnt in the end


def test_an_override_decides_whether_the_card_comes_back(store):
    deck = three_true()
    s = Session.start(store, [deck], limit=1, settings=SETTINGS, now=NOW)
    s.answer(True, 12.0)
    s.rate(Rating.EASY)  # straight to review: nothing to learn in this session
    assert s.advance() is None and s.done
    assert s.summary().came_back == 0


@pytest.mark.parametrize("mode", ["quiz", "cram", "missed"])
def test_quiz_and_practice_bring_nothing_back(store, mode):
    """A quiz is an exam of N questions (what it leaves in a learning step the next
    review asks); cram and missed move no due dates at all."""
    deck = three_true()
    first = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    run(first, wrong_first={"tf1", "tf2", "tf3"})
    start_mode = "quiz" if mode == "quiz" else "cram"
    s = Session.start(store, [deck], mode=start_mode, settings=SETTINGS, now=NOW)
    if mode == "missed":
        s = Session.retry(s, s.items)
    for _ in range(3):
        s.answer(False, 5.0)
        s.advance()
    assert s.done and len(s.items) == 3


def test_a_hinted_answer_stays_hard_at_best_whatever_the_key(store):
    q = Short(id="a", prompt="Which call?", answer="sigsuspend", hint="it waits for a signal")
    s = Session.start(store, [Deck(id="d", title="D", questions=(q,))], settings=SETTINGS, now=NOW)
    result = s.answer("sigsuspend", 12.0, hint_used=True)
    assert result.rating == Rating.HARD
    assert s.rate(Rating.EASY).rating == Rating.HARD
    assert s.rate(Rating.AGAIN).rating == Rating.AGAIN  # lowering is always allowed
    assert store.reviews("d")[0].rating == Rating.AGAIN


# --- letter hints ------------------------------------------------------------------


def _item(question: object, key: str | None = None) -> StudyItem:
    deck = Deck(id="d", title="D", questions=(question,))  # type: ignore[arg-type]
    return StudyItem(deck, question, key or question.id)  # type: ignore[arg-type,attr-defined]


def test_a_letter_hint_shows_the_first_letters_and_the_length():
    item = _item(Short(id="a", prompt="Which call?", answer="nginxcfg"))
    assert item.letter_hint(1) == "n_______ (8 letters)"
    assert item.letter_hint(2) == "ng______ (8 letters)"
    assert item.letter_hint(8) == "nginxcfg (8 letters)"
    assert item.letter_hint(9) is None  # all revealed
    assert item.letter_hint(0) is None


def test_a_letter_hint_keeps_spaces_and_counts_characters():
    item = _item(Short(id="a", prompt="Which directive?", answer="master_process off"))
    assert item.letter_hint(3) == "mas___________ ___ (17 characters)"
    number = _item(Number(id="n", prompt="How many?", answer=860.0))
    assert number.letter_hint(1) == "8__ (3 characters)"


def test_a_cloze_letter_hint_covers_each_blank_of_its_card():
    cloze = Cloze(id="c", prompt="The master calls {{c1::sigsuspend}} after {{c1::sigprocmask}}.")
    hint = _item(cloze, "c#c1").letter_hint(4)
    assert hint == "sigs______ (10 letters) | sigp_______ (11 letters)"


@pytest.mark.parametrize(
    "question",
    [
        TrueFalse(id="t", prompt="P holds.", answer=True),
        Choice(id="c", prompt="Which?", options=("a", "b"), correct=(0,)),
        Order(id="o", prompt="Order them.", items=("a", "b", "c")),
    ],
    ids=["truefalse", "choice", "order"],
)
def test_picking_kinds_have_no_letters_to_reveal(question):
    assert _item(question).letter_hint(1) is None


def test_help_shows_the_written_hint_first_then_letters():
    hinted = _item(Short(id="a", prompt="Which call?", answer="sigsuspend", hint="it waits"))
    assert hinted.hint_lines(1) == ("it waits",)
    assert hinted.hint_lines(2) == ("it waits", "s_________ (10 letters)")
    assert hinted.hint_lines(12) is None
    bare = _item(TrueFalse(id="t", prompt="P holds.", answer=True))
    assert bare.hint_lines(1) is None  # nothing to reveal: the front end says so


def learning(store, deck: Deck, key: str, due: datetime) -> None:
    """`key` missed five minutes ago in an earlier session: in a learning step due at `due`."""
    store.record_review(
        deck_id=deck.id, card_key=key, reviewed_at=NOW - timedelta(minutes=5), rating=1,
        verdict="wrong", score=0.0, answer="False", duration_s=3, mode="review",
        session_id=None, state_before=None,
        state_after=CardState(due=due, state=LEARNING, step=0),
    )  # fmt: skip


def test_a_step_left_by_an_earlier_session_comes_back_in_this_one(store):
    """A card missed in an earlier session waits in its learning step; a review started
    before the step is due asks it once the others are done and it is within the
    learn-ahead window, as Anki does, instead of leaving it for another session."""
    deck = three_true()
    learning(store, deck, "tf1", NOW + timedelta(minutes=5))
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    assert [i.question.id for i in s.items] == ["tf2", "tf3"]  # tf1 is not due yet
    run(s, wrong_first=set())
    # tf1 first after the others (its step is the soonest), then the new cards' steps.
    assert [i.question.id for i in s.items][:3] == ["tf2", "tf3", "tf1"]
    assert store.card_state(deck.id, "tf1").state == REVIEW


def test_a_step_that_falls_due_mid_session_comes_before_the_rest(store):
    deck = three_true()
    learning(store, deck, "tf1", NOW + timedelta(minutes=3))
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    s.answer(True, 5.0, at=NOW)
    s.advance(at=NOW + timedelta(minutes=4))  # tf1's step fell due: before tf3
    assert asked_ids(s) == ["tf2", "tf1"]


def test_a_step_beyond_the_learn_ahead_window_waits_for_a_later_session(store):
    deck = three_true()
    learning(store, deck, "tf1", NOW + timedelta(hours=1))
    s = Session.start(store, [deck], settings=SETTINGS, now=NOW)
    run(s, wrong_first=set())
    assert "tf1" not in [i.question.id for i in s.items]
