"""`srcquiz sync` and the changes a learner makes by hand in Anki: "set due date" and
"forget" move both sides, are listed in the summary, and no sync undoes them."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sync_support import (
    DECK_ID,
    anki_due_day,
    card_id,
    load,
    open_col,
    study,
)

from srcquiz.anki.exporter import note_guid
from srcquiz.anki.sync import sync_file
from srcquiz.progress.store import Store
from srcquiz.study.scheduler import Rating, load_settings, review

NOW = datetime.now().astimezone()
DAYS_AGO = NOW - timedelta(days=3)


@pytest.fixture
def synced(setup):
    """Two cards studied in srcquiz (both due by now) and synced to the "phone"."""
    deck_path, col_path, store = setup
    study(store, "short-1", 3, DAYS_AGO)
    study(store, "tf-1", 1, DAYS_AGO + timedelta(minutes=1))
    deck = load(deck_path)
    sync_file(col_path, store, [deck])
    return deck, col_path, store


def _phone(col_path: Path, change) -> tuple[int, int]:
    col = open_col(col_path)
    try:
        short = card_id(col, note_guid(DECK_ID, "short-1"))
        tf = card_id(col, note_guid(DECK_ID, "tf-1"))
        change(col, short, tf)
    finally:
        col.close()
    return short, tf


def _snapshot(col_path: Path, store: Store) -> tuple:
    col = open_col(col_path)
    try:
        anki = (col.db.all("SELECT * FROM cards ORDER BY id"), col.db.all("SELECT * FROM revlog"))
    finally:
        col.close()
    conn = store.connection
    ours = (conn.execute("SELECT * FROM card").fetchall(), store.review_mark())
    return anki, ours


def test_a_due_date_set_in_anki_moves_srcquiz_too_and_stays(synced) -> None:
    deck, col_path, store = synced
    due_now = {key for _, key, _ in store.due_cards([DECK_ID], NOW + timedelta(hours=1))}
    short, _ = _phone(col_path, lambda col, short, tf: col.sched.set_due_date([short], "5"))

    summary = sync_file(col_path, store, [deck])
    assert (summary.due_set, summary.forgotten, summary.sent, summary.received) == (1, 0, 0, 0)
    assert "by hand in Anki: 1 due date(s) set, 0 forgotten" in summary.line()
    state = store.card_state(DECK_ID, "short-1")
    col = open_col(col_path)
    try:
        assert state.due.astimezone().date() == anki_due_day(col, short)  # Anki kept its date
    finally:
        col.close()
    assert 4 <= (state.due - NOW).total_seconds() / 86_400 <= 6
    due_later = {key for _, key, _ in store.due_cards([DECK_ID], NOW + timedelta(hours=1))}
    assert "short-1" in due_now and "short-1" not in due_later

    before = _snapshot(col_path, store)
    again = sync_file(col_path, store, [deck])
    assert (again.due_set, again.rescheduled, again.sent, again.received) == (0, 0, 0, 0)
    assert _snapshot(col_path, store) == before


def test_a_card_forgotten_in_anki_is_new_in_srcquiz_and_starts_over(synced) -> None:
    deck, col_path, store = synced
    _, tf = _phone(col_path, lambda col, short, tf: col.sched.schedule_cards_as_new([tf]))

    summary = sync_file(col_path, store, [deck])
    assert (summary.due_set, summary.forgotten, summary.rescheduled) == (0, 1, 0)
    assert store.card_state(DECK_ID, "tf-1") is None  # new: offered as a new card again
    assert len([r for r in store.reviews(DECK_ID) if r.card_key == "tf-1"]) == 1  # history kept
    col = open_col(col_path)
    try:
        assert col.get_card(tf).type == 0
    finally:
        col.close()
    before = _snapshot(col_path, store)
    assert sync_file(col_path, store, [deck]).forgotten == 0
    assert _snapshot(col_path, store) == before

    # Studied again in srcquiz: a new card's first answer, sent and scheduled from scratch.
    study(store, "tf-1", 3, datetime.now().astimezone() + timedelta(seconds=1))
    summary = sync_file(col_path, store, [deck])
    assert (summary.sent, summary.forgotten) == (1, 0)
    col = open_col(col_path)
    try:
        card = col.get_card(tf)
        assert card.type != 0
        due = store.card_state(DECK_ID, "tf-1").due.astimezone().date()
        assert abs((anki_due_day(col, tf) - due).days) <= 1
    finally:
        col.close()


def test_an_answer_in_srcquiz_after_a_forget_in_anki_counts_from_the_forget(synced) -> None:
    """srcquiz answered the card from its old state, not knowing it was forgotten: the
    merge replays the history with the forget in its place, so the answer is a new
    card's first on both sides."""
    deck, col_path, store = synced
    _, tf = _phone(col_path, lambda col, short, tf: col.sched.schedule_cards_as_new([tf]))
    at = datetime.now().astimezone() + timedelta(seconds=1)  # after the forget
    study(store, "tf-1", 3, at)
    summary = sync_file(col_path, store, [deck])
    assert summary.sent == 1
    state = store.card_state(DECK_ID, "tf-1")
    at_ms = datetime.fromtimestamp(round(at.timestamp() * 1000) / 1000, UTC)
    first = review(None, Rating.GOOD, at_ms, replace(load_settings(store), fuzz=False), 4)
    assert (state.state, state.step) == (first.state, first.step)  # a new card's first answer
    assert math.isclose(state.stability, first.stability)
    assert math.isclose(state.difficulty, first.difficulty)
    col = open_col(col_path)
    try:
        assert abs((anki_due_day(col, tf) - state.due.astimezone().date()).days) <= 1
    finally:
        col.close()
    before = _snapshot(col_path, store)
    assert sync_file(col_path, store, [deck]).line().startswith("notes: 0 added")
    assert _snapshot(col_path, store) == before


def test_a_due_date_set_on_a_card_srcquiz_never_showed_gives_it_a_schedule(synced) -> None:
    deck, col_path, store = synced
    col = open_col(col_path)
    try:
        number = card_id(col, note_guid(DECK_ID, "number-1"))
        col.sched.set_due_date([number], "3")
    finally:
        col.close()
    summary = sync_file(col_path, store, [deck])
    assert summary.due_set == 1
    state = store.card_state(DECK_ID, "number-1")
    assert state is not None and 2 <= (state.due - NOW).total_seconds() / 86_400 <= 4
    before = _snapshot(col_path, store)
    assert sync_file(col_path, store, [deck]).due_set == 0
    assert _snapshot(col_path, store) == before


def test_a_due_date_set_after_an_answer_srcquiz_had_not_sent_still_holds(synced) -> None:
    """srcquiz's answer is older than the change made by hand: it is sent and joins the
    history, and the card stays due when the learner said, on both sides."""
    deck, col_path, store = synced
    study(store, "short-1", 1, datetime.now().astimezone() - timedelta(minutes=1))
    short, _ = _phone(col_path, lambda col, short, tf: col.sched.set_due_date([short], "5"))
    summary = sync_file(col_path, store, [deck])
    assert (summary.sent, summary.due_set, summary.rescheduled) == (1, 1, 0)
    due = store.card_state(DECK_ID, "short-1").due
    assert 4 <= (due - NOW).total_seconds() / 86_400 <= 6
    col = open_col(col_path)
    try:
        assert anki_due_day(col, short) == due.astimezone().date()
        assert col.db.list("SELECT ease FROM revlog WHERE cid = ? ORDER BY id", short) == [3, 1, 0]
    finally:
        col.close()
    before = _snapshot(col_path, store)
    assert sync_file(col_path, store, [deck]).due_set == 0
    assert _snapshot(col_path, store) == before
