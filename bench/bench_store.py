"""Progress store speed on a big history: the due queue and committing an answer.

    .venv/bin/python bench/bench_store.py [--cards 100000] [--reviews 1000000] [--json]

Builds (untimed) a database with `--cards` card states, half of them due, and
`--reviews` review rows over the past year, then times:
- the due queue: the first 200 due cards in due order (`Store.due_cards`), and
  a whole `Session.start` in review mode over a deck of that many cards;
- an answer's commit: `Store.record_review` (insert the review row and upsert
  the card state in one committed transaction), and a whole `Session.answer`
  (grade + FSRS + commit).
Budgets: due queue < 20 ms, commit < 5 ms (medians). The first session start in a
process also indexes the deck's questions by id (cached for later starts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from bulk import bulk_load  # noqa: E402

from srcquiz.deck.model import Deck, Short  # noqa: E402
from srcquiz.progress.card_state import REVIEW, CardState  # noqa: E402
from srcquiz.progress.rows import NewReview  # noqa: E402
from srcquiz.progress.store import Store  # noqa: E402
from srcquiz.study.scheduler import Settings  # noqa: E402
from srcquiz.study.session import Session  # noqa: E402

DECK_ID = "bench"


SESSION_SIZE = 50  # answers a session, as a heavy user's daily sittings
ANSWERS = ("sigsuspend", "epoll_wait", "SO_REUSEPORT", "16", "worker_connections")


def history(cards: int, reviews: int, now: datetime, rng: random.Random):
    """Review rows, sessions and final card states as the app leaves them: every answer
    in a session, the card's state before it (None the first time), scheduled times
    as datetimes (so times carry microseconds), whole-day FSRS intervals, hints."""
    year = timedelta(days=365)
    start = now - year - timedelta(days=1)  # the history ends yesterday: today is untouched
    step = year / reviews
    states: dict[str, CardState] = {}
    rows: list[NewReview] = []
    sessions: list[tuple[int, str, float, str, int]] = []
    at = start
    for i in range(reviews):
        at += step * rng.uniform(0.5, 1.5)
        if i % SESSION_SIZE == 0:
            sessions.append((len(sessions) + 1, "review", at.timestamp(), '["bench"]', i))
        key = f"q{rng.randrange(cards):06d}"
        before = states.get(key)
        rating = rng.choice((1, 3, 3, 3, 4))
        verdict = "wrong" if rating == 1 else rng.choice(("right", "right", "almost"))
        rows.append(
            NewReview(
                DECK_ID, key, at.timestamp(), rating, verdict, 0.0 if rating == 1 else 1.0,
                rng.choice(ANSWERS), rng.randrange(2000, 30000), "review", len(sessions),
                rng.random() < 0.05, None, before,
            )
        )
        states[key] = CardState(
            due=at + timedelta(days=rng.randrange(1, 120)),
            state=REVIEW,
            step=None,
            stability=rng.uniform(1, 300),
            difficulty=rng.uniform(1, 10),
            last_review=at,
        )
    for i in range(cards):  # cards never reviewed in the year still have a state
        key = f"q{i:06d}"
        if key not in states:
            states[key] = CardState(
                due=now + timedelta(days=rng.randrange(-30, 60)),
                state=REVIEW,
                step=None,
                stability=rng.uniform(1, 300),
                difficulty=rng.uniform(1, 10),
                last_review=start,
            )
    return rows, sessions, states


def build(path: Path, cards: int, reviews: int, now: datetime) -> Deck:
    rng = random.Random(7)
    deck = Deck(
        id=DECK_ID,
        title="bench",
        questions=tuple(
            Short(id=f"q{i:06d}", prompt=f"question {i}", answer=f"answer {i}")
            for i in range(cards)
        ),
    )
    rows, sessions, states = history(cards, reviews, now, rng)
    store = Store.open(path)
    bulk_load(store, ((DECK_ID, k, s) for k, s in states.items()), rows, sessions)
    store.connection.execute("PRAGMA optimize")
    store.close()
    return deck


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SRCQUIZ_HOME"] = tmp
        path = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        deck = build(path, args.cards, args.reviews, now)
        build_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6

        store = Store.open(path)
        settings = Settings(new_per_day=20, max_reviews_per_day=200)

        def due_queue() -> None:
            got = list(islice(store.due_cards([DECK_ID], now), 200))
            assert len(got) == 200

        due_ms = timed(due_queue, args.runs)

        t = time.perf_counter()
        first = Session.start(store, [deck], "review", settings=settings, now=now)
        first_start_ms = [(time.perf_counter() - t) * 1000]
        assert len(first.items) == 200

        def session_start() -> None:
            s = Session.start(store, [deck], "review", settings=settings, now=now)
            assert len(s.items) == 200

        start_ms = timed(session_start, max(5, args.runs // 5))

        session = Session.start(store, [deck], "review", settings=settings, now=now)

        def answer() -> None:
            item = session.current()
            session.answer(item.question.answer, 12.0)
            session.advance()

        answer_ms = timed(answer, min(len(session.items), args.runs * 2))
        keys = iter(range(10**9))

        def commit() -> None:
            i = next(keys)
            key = f"q{i % args.cards:06d}"
            store.record_review(
                deck_id=DECK_ID,
                card_key=key,
                reviewed_at=now,
                rating=3,
                verdict="right",
                score=1.0,
                answer="typed",
                duration_s=3.0,
                mode="review",
                session_id=None,
                state_before=None,
                state_after=CardState(due=now + timedelta(days=3), state=REVIEW, step=None),
            )

        commit_ms = timed(commit, args.runs * 4)

        store.close()

    results = [
        ("due queue: first 200 due of 100k cards", due_ms, "< 20 ms"),
        ("Session.start review, first in process", first_start_ms, "< 50 ms"),
        ("Session.start review, again", start_ms, "< 20 ms"),
        ("answer commit (Store.record_review)", commit_ms, "< 5 ms"),
        ("Session.answer (grade + FSRS + commit)", answer_ms, "< 5 ms"),
    ]
    if args.json:
        for measure, samples, budget in results:
            print(
                json.dumps(
                    {
                        "measure": measure,
                        "srcquiz_ms": round(statistics.median(samples), 3),
                        "budget": budget,
                    }
                )
            )
        return 0
    print(
        f"database: {args.cards:,} cards, {args.reviews:,} reviews, {size_mb:.0f} MB "
        f"(built in {build_s:.1f} s)"
    )
    for measure, samples, budget in results:
        samples = sorted(samples)
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(
            f"{measure:<42} median {statistics.median(samples):7.2f} ms   "
            f"p95 {p95:7.2f} ms   (budget {budget}, n={len(samples)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
