"""Progress store speed on a big history: the due queue and committing an answer.

    .venv/bin/python bench/bench_store.py [--cards 100000] [--reviews 1000000] [--json]
        [--only-backup] [--only GROUPS] [--db FILE]

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
import shutil
import sqlite3
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

from srcquiz.deck.kinds import Short  # noqa: E402
from srcquiz.deck.model import Deck  # noqa: E402
from srcquiz.progress.card_state import REVIEW, CardState  # noqa: E402
from srcquiz.progress.rows import NewReview  # noqa: E402
from srcquiz.progress.store import Store  # noqa: E402
from srcquiz.study.scheduler import Settings  # noqa: E402
from srcquiz.study.session import Session  # noqa: E402

DECK_ID = "bench"
# Groups of rows `--only` can pick.
GROUPS = ("store", "decks", "stats", "pilot", "size", "backup")


SESSION_SIZE = 50  # answers a session, as a heavy user's daily sittings
ANSWERS = ("sigsuspend", "epoll_wait", "SO_REUSEPORT", "16", "worker_connections")


def history(cards: int, reviews: int, now: datetime, rng: random.Random, fill: bool = True):
    """Review rows, sessions and final card states as the app leaves them: every answer
    in a session, the card's state before it (None the first time), scheduled times
    as datetimes (so times carry microseconds), whole-day FSRS intervals, hints."""
    year = timedelta(days=365) if fill else timedelta(days=1)
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
                DECK_ID,
                key,
                at.timestamp(),
                rating,
                verdict,
                0.0 if rating == 1 else 1.0,
                rng.choice(ANSWERS),
                rng.randrange(2000, 30000),
                "review",
                len(sessions),
                rng.random() < 0.05,
                None,
                before,
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
    for i in range(cards if fill else 0):  # cards never reviewed still have a state
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


def make_deck(cards: int) -> Deck:
    return Deck(
        id=DECK_ID,
        title="bench",
        questions=tuple(
            Short(id=f"q{i:06d}", prompt=f"question {i}", answer=f"answer {i}")
            for i in range(cards)
        ),
    )


def build(path: Path, cards: int, reviews: int, now: datetime, keep: Path | None = None) -> Deck:
    """The database at `path`: built, or copied from `keep` when that file exists (a
    build of 1M reviews takes minutes; `--db` keeps one between runs)."""
    deck = make_deck(cards)
    if keep is not None and keep.exists():
        shutil.copyfile(keep, path)
        return deck
    rng = random.Random(7)
    rows, sessions, states = history(cards, reviews, now, rng)
    store = Store.open(path)
    bulk_load(store, ((DECK_ID, k, s) for k, s in states.items()), rows, sessions)
    store.connection.execute("PRAGMA optimize")
    store.close()
    if keep is not None:
        shutil.copyfile(path, keep)
    return deck


def build_anki(path: Path, cards: int, reviews: int, now: datetime) -> None:
    """An Anki collection with `cards` cards (FSRS memory state in `data`, as Anki keeps
    it) and `reviews` revlog rows over the past year, made by Anki's own engine.

    The rows go in by direct SQL through `col.db`, one `INSERT ... SELECT` from a
    recursive CTE per table: `col.db.executemany` crosses into the Rust backend once a
    row (about 5 ms each here), so a million rows that way would take over an hour.
    """
    from anki.collection import Collection

    col = Collection(str(path))
    at = int(now.timestamp())
    # A review card's `due` counts days from the collection's creation (`sched.today`),
    # not from 1970: about half the cards are due, as in srcquiz's history.
    today = col.sched.today
    col.db.execute(
        f"""WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {cards} - 1)
        INSERT INTO cards SELECT 1700000000000 + i, 1700000000000 + i, 1, 0, {at}, -1, 2, 2,
        {today} + abs(random()) % 180 - 90, 1 + abs(random()) % 300, 2500, 10, 1, 0, 0,
        0, 0, printf('{{"s":%.4f,"d":%.4f,"dr":0.9,"lrt":%d}}', 1 + abs(random()) % 30000
        / 100.0, 1 + abs(random()) % 900 / 100.0, {at} - abs(random()) % 5184000) FROM s"""
    )
    start_ms = (at - 366 * 86400) * 1000
    step_ms = 365 * 86400 * 1000 // max(1, reviews)
    col.db.execute(
        f"""WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {reviews} - 1)
        INSERT INTO revlog SELECT {start_ms} + i * {step_ms} + abs(random()) % {step_ms},
        1700000000000 + abs(random()) % {cards}, -1, 1 + abs(random()) % 4,
        1 + abs(random()) % 300, 1 + abs(random()) % 200, 2500, 1000 + abs(random()) % 59000,
        1 FROM s"""
    )
    col.close()


def _unicase(a: str, b: str) -> int:
    """Anki's `unicase` collation, so plain sqlite3 can VACUUM a collection."""
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def vacuumed_bytes(path: Path, tables: tuple[str, ...] | None = None) -> int:
    """The file's size after VACUUM, or (with `tables`) the pages those tables and
    their indexes take in it (SQLite's `dbstat`)."""
    conn = sqlite3.connect(path)
    try:
        conn.create_collation("unicase", _unicase)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
        if tables is None:
            return path.stat().st_size
        marks = ",".join("?" * len(tables))
        row = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master "
            f"WHERE tbl_name IN ({marks}))",
            tables,
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


def size_rows(path: Path, cards: int, reviews: int, now: datetime) -> list[dict]:
    """History on disk: the whole progress file beside Anki's revlog + cards (tables
    and indexes) for the same numbers of cards and reviews, both after VACUUM."""
    copy = path.with_name("size-copy.sqlite3")
    src = sqlite3.connect(path)
    src.execute(f"VACUUM INTO '{copy}'")
    src.close()
    ours = vacuumed_bytes(copy)
    copy.unlink()
    col = path.with_name("collection.anki2")
    build_anki(col, cards, reviews, now)
    theirs = vacuumed_bytes(col, ("revlog", "cards"))
    col.unlink()
    return [
        {
            "measure": f"history on disk, {cards // 1000}k cards / {reviews // 1000}k reviews",
            "srcquiz": f"{ours / 1e6:.1f} MB",
            "reference": f"Anki revlog + cards {theirs / 1e6:.1f} MB",
            "ratio": round(ours / theirs, 3),
            "budget": "<= 1.3x",
        }
    ]


def plain_copy_ms(path: Path) -> float:
    """The reference: the daily copy before snapshots, `PRAGMA quick_check` then
    SQLite's backup API into a new file."""
    dest = path.with_name("plain-copy.sqlite3")
    t = time.perf_counter()
    src = sqlite3.connect(path)
    try:
        assert src.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        target = sqlite3.connect(dest)
        src.backup(target)
        target.close()
    finally:
        src.close()
    ms = (time.perf_counter() - t) * 1000
    dest.unlink()
    return ms


def backup_rows(path: Path, cards: int, reviews: int, now: datetime) -> list[dict]:
    """A week of daily snapshots: each day opens the database as the full-screen app
    does (the day's first open checks it; the snapshot is made in the background once
    the first frame is out, timed here on its own), then logs a day's share of a
    year's reviews with their card states (`bulk_load`, the store's own writers).
    Each day also times the plain copy this replaced, before or after (by turns)."""
    from srcquiz.progress.backup import backups_dir, open_with_backup

    rng = random.Random(11)
    per_day = max(1, reviews // 365)
    opens, snaps, refs = [], [], []
    for day in range(7):
        when = now + timedelta(days=day + 1)
        if day % 2:
            refs.append(plain_copy_ms(path))
        t = time.perf_counter()
        store = open_with_backup(path, now=when, background=True)
        opens.append((time.perf_counter() - t) * 1000)
        pending = store.pending_backup
        assert pending is not None, "no snapshot was due"
        t = time.perf_counter()
        pending.start()
        assert pending.join() is None, pending.warning
        snaps.append((time.perf_counter() - t) * 1000)
        if not day % 2:
            refs.append(plain_copy_ms(path))
        rows, _, states = history(cards, per_day, when + timedelta(days=1), rng, fill=False)
        rows = [r._replace(session_id=None) for r in rows]
        bulk_load(store, ((DECK_ID, k, s) for k, s in states.items()), rows)
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
    week = sum(p.stat().st_size for p in backups_dir().iterdir() if p.is_file())
    one = path.stat().st_size
    ref = statistics.median(refs)
    reference = "quick_check + backup-API copy (the plain daily copy)"
    # The first day's snapshot stores every page; the six after it, what changed.
    both = [o + s for o, s in zip(opens[1:], snaps[1:], strict=True)]
    rows_out: list[dict] = [
        {
            "measure": "a week of daily backups (7 snapshots + page store)",
            "srcquiz": f"{week / 1e6:.1f} MB",
            "reference": f"one database {one / 1e6:.1f} MB",
            "ratio": round(week / one, 3),
            "budget": "<= 2x",
        }
    ]
    for measure, samples, budget in (
        (
            "first open of a day (quick_check; snapshot after the first frame), median of 7",
            opens,
            "<= 1x",
        ),
        ("  the snapshot itself, in the background, days 2-7", snaps[1:], ""),
        ("  check + snapshot in one go (commands other than the app and --plain)", both, ""),
    ):
        mine = statistics.median(samples)
        rows_out.append(
            {
                "measure": measure,
                "srcquiz_ms": round(mine, 1),
                "reference": reference,
                "reference_ms": round(ref, 1),
                "ratio": round(mine / ref, 3),
                "budget": budget,
            }
        )
    return rows_out

# --- the decks and stats screens' numbers (#19) -----------------------------------


ANSWERED = 5  # cards a session answers before the decks screen comes back
SMALL = (1000, 10000)  # the stats screen's reference store: cards, reviews


def _answer_some(store: Store, deck: Deck, now: datetime, settings: Settings) -> None:
    """A short review session in `deck` (untimed): what changes before the decks
    screen re-reads its numbers."""
    session = Session.start(store, [deck], "review", limit=ANSWERED, settings=settings, now=now)
    for _ in range(min(ANSWERED, len(session.items))):
        item = session.current()
        session.answer(item.question.answer, 12.0)
        session.advance()


def decks_screen_rows(
    store: Store, deck: Deck, now: datetime, args: argparse.Namespace, tmp: Path
) -> list[dict]:
    """Back to the decks screen after a session: what it asks to refresh its numbers
    (`DeckNumbers.read` after `touched`, then each row's offer under the limits),
    against Anki's `deck_due_tree` + `studied_today` on a collection of the same
    size; interleaved runs, the median of the per-pair ratios."""
    from anki.collection import Collection

    from srcquiz.study.deck_numbers import DeckNumbers
    from srcquiz.study.limits import offer

    settings = Settings(new_per_day=20, max_reviews_per_day=10**5)
    col_path = tmp / "decks.anki2"
    build_anki(col_path, args.cards, args.reviews, now)
    col = Collection(str(col_path))
    fresh = Store.open(store.path)  # nothing kept: the decks screen's first read
    t = time.perf_counter()
    DeckNumbers(fresh).read([deck], now, settings)
    first_ms = (time.perf_counter() - t) * 1000
    fresh.close()
    numbers = DeckNumbers(store)
    numbers.read([deck], now, settings)

    def ours() -> None:
        numbers.touched([deck.id])
        got = numbers.read([deck], now, settings)
        offer(got.budget, [(deck.id, got.due_now[deck.id], got.startable[deck.id])])

    def theirs() -> None:
        col.sched.deck_due_tree()
        col.studied_today()

    theirs()  # Anki's first call sets up its scheduler
    mine, ref = [], []
    for _ in range(max(5, args.runs // 2)):
        _answer_some(store, deck, now, settings)
        mine += timed(ours, 1)
        ref += timed(theirs, 1)
    col.close()
    ratios = [a / b for a, b in zip(mine, ref, strict=True)]
    return [
        {
            "measure": "back to the decks screen after a session (numbers re-read)",
            "srcquiz": f"{statistics.median(mine):.1f} ms",
            "reference": f"Anki deck_due_tree + studied_today {statistics.median(ref):.1f} ms",
            "ratio": round(statistics.median(ratios), 3),
            "budget": "<= 2x",
        },
        {
            "measure": "decks screen numbers, first read in a process (reads the deck's keys)",
            "srcquiz_ms": round(first_ms, 1),
            "budget": "",
        },
    ]


def stats_screen_ms(store: Store, deck: Deck, now: datetime, runs: int) -> list[float]:
    """What the stats screen asks (tui/screens/stats.py) when no deck's numbers are
    kept (a new day, another process wrote): the table's numbers, then the three
    charts."""
    from srcquiz.study.deck_numbers import DeckNumbers

    ids = [deck.id]

    def screen() -> None:
        DeckNumbers(store).deck_stats([deck], now)
        store.reviews_per_day(ids, 30, now)
        store.retention_per_day(ids, 30, now)
        store.due_forecast(ids, 14, now)

    return timed(screen, runs)


def stats_pilot_rows(store: Store, deck: Deck, now: datetime, runs: int, tmp: Path) -> list[dict]:
    """The stats screen itself, headless (Textual's Pilot): from ctrl+s on the decks
    screen to the stats screen's first frame written (table and charts whole: what the
    learner sees; Textual repaints it a few times after), over the big store and over a
    small one with a history of every day (the same bars and lines to draw, little to
    count). Pilot's own waits after the key are not the screen's: not timed."""
    import asyncio

    from srcquiz.tui.app import SrcquizApp
    from srcquiz.tui.screens.stats import StatsScreen

    async def measure(on: Store, shown: Deck) -> list[float]:
        app = SrcquizApp([shown], on, clock=lambda: now, prewarm=False, cursor_blink=False)
        out = []
        pressed: list[float] = []
        display = app._display

        def first_frame(screen: object, update: object) -> None:
            display(screen, update)  # type: ignore[arg-type]
            if update is not None and isinstance(screen, StatsScreen) and pressed:
                out.append((time.perf_counter() - pressed.pop()) * 1000)

        app._display = first_frame  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for _ in range(runs):
                pressed.append(time.perf_counter())
                await pilot.press("ctrl+s")
                await pilot.pause()
                assert isinstance(app.screen, StatsScreen) and not pressed
                await pilot.press("escape")
                await pilot.pause()
        return out

    small_deck = build(tmp / "small.sqlite3", SMALL[0], SMALL[1], now)
    small = Store.open(tmp / "small.sqlite3")
    base: list[float] = []
    big: list[float] = []
    ratios = []
    for _ in range(3):  # rounds, alternating: the machine's load drifts
        base_ms = asyncio.run(measure(small, small_deck))
        big_ms = asyncio.run(measure(store, deck))
        base += base_ms
        big += big_ms
        ratios.append(statistics.median(big_ms) / statistics.median(base_ms))
    small.close()
    return [
        {
            "measure": "stats screen open (headless, ctrl+s to its first frame written)",
            "srcquiz": f"{statistics.median(big):.1f} ms",
            "srcquiz_ms": round(statistics.median(big), 3),
            "budget": "< 100 ms",
        },
        {
            "measure": "stats screen open: what the scale adds",
            "srcquiz": f"{statistics.median(big):.1f} ms",
            "reference": f"the same screen, {SMALL[0] // 1000}k cards / {SMALL[1] // 1000}k "
            f"reviews {statistics.median(base):.1f} ms",
            "ratio": round(statistics.median(ratios), 3),
            # Textual and plotext draw the same screen either way.
            "budget": "<= 1.2x",
        },
    ]


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def store_rows(store: Store, deck: Deck, now: datetime, args: argparse.Namespace) -> list:
    """The due queue, session start, answers and their commit, missed mode, and the
    statistics' questions to the review log."""
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

    seeds = iter(range(10**9))

    def quiz_start() -> None:
        s = Session.start(store, [deck], "quiz", seed=next(seeds), settings=settings, now=now)
        assert len(s.items) == 20 and s.current() is not None

    quiz_ms = timed(quiz_start, max(5, args.runs // 5))

    def cram_start() -> None:
        s = Session.start(store, [deck], "cram", seed=next(seeds), settings=settings, now=now)
        assert len(s.items) == args.cards and s.current() is not None

    cram_ms = timed(cram_start, max(5, args.runs // 5))

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

    missed_ms = timed(lambda: store.last_session_missed([DECK_ID]), args.runs)

    def log_stats() -> None:
        """The stats screen's questions to the review log alone (deck_stats' card
        counts read the card table and the deck's keys: the decks-screen cache's)."""
        store.review_count([DECK_ID])
        store._retention([DECK_ID], now - timedelta(days=30), None)
        store._streak([DECK_ID], now)
        store.reviews_per_day([DECK_ID], 30, now)
        store.retention_per_day([DECK_ID], 30, now)
        store.today(now)

    log_stats_ms = timed(log_stats, args.runs)
    return [
        ("due queue: first 200 due of 100k cards", due_ms, "< 20 ms"),
        ("Session.start review, first in process", first_start_ms, "< 50 ms"),
        ("Session.start review, again", start_ms, "< 20 ms"),
        ("Session.start quiz (20 of every question)", quiz_ms, "< 20 ms"),
        ("Session.start cram (every card), first card shown", cram_ms, "< 20 ms"),
        ("answer commit (Store.record_review)", commit_ms, "< 5 ms"),
        ("Session.answer (grade + FSRS + commit)", answer_ms, "< 5 ms"),
        ("missed mode: the last session's misses", missed_ms, "< 5 ms"),
        ("stats queries on the review log (count, 30d, streak, per day)", log_stats_ms, "< 100 ms"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--db", type=Path, help="keep the built database in this file and reuse it next time"
    )
    ap.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated groups of rows to run (of {','.join(GROUPS)})",
    )
    ap.add_argument("--only-backup", action="store_true", help="build, then the backup rows only")
    args = ap.parse_args()
    only = {"backup"} if args.only_backup else set(args.only.split(","))

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SRCQUIZ_HOME"] = tmp
        path = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        deck = build(path, args.cards, args.reviews, now, args.db)
        build_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6

        store = Store.open(path)
        results = store_rows(store, deck, now, args) if "store" in only else []
        extra: list[dict] = []
        if "stats" in only:
            stats_ms = stats_screen_ms(store, deck, now, max(5, args.runs // 5))
            results.append(
                ("stats screen: table and charts, no numbers kept", stats_ms, "< 100 ms")
            )
        if "pilot" in only:
            extra += stats_pilot_rows(store, deck, now, max(5, args.runs // 5), Path(tmp))
        if "decks" in only:
            extra += decks_screen_rows(store, deck, now, args, Path(tmp))
        store.close()
        if "size" in only:
            extra += size_rows(path, args.cards, args.reviews, now)
        if "backup" in only:
            extra += backup_rows(path, args.cards, args.reviews, now)

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
        for row in extra:
            print(json.dumps(row))
        return 0
    print(
        f"database: {args.cards:,} cards, {args.reviews:,} reviews, {size_mb:.0f} MB "
        f"(built in {build_s:.1f} s)"
    )
    for measure, samples, budget in results:
        samples = sorted(samples)
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(
            f"{measure:<42} median {statistics.median(samples):7.2f} ms   "
            f"p95 {p95:7.2f} ms   (budget {budget}, n={len(samples)})"
        )
    for row in extra:
        if "srcquiz_ms" in row:
            ratio = f"{row['ratio']:.2f}x {row['reference']}" if "ratio" in row else ""
            print(f"{row['measure']:<42} median {row['srcquiz_ms']:7.1f} ms {ratio}")
        elif "ratio" in row:
            print(
                f"{row['measure']:<42} {row['srcquiz']} vs {row['reference']}: "
                f"{row['ratio']:.2f}x (budget {row['budget']})"
            )
        else:
            print(f"{row['measure']:<42} median {row['srcquiz_ms']:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
