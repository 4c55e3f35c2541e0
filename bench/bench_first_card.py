"""The whole process to the first card, srcquiz beside Anki, at the same scale.

    .venv/bin/python bench/bench_first_card.py [--cards 100000] [--reviews 1000000]
        [--runs 7] [--reuse DIR] [--json]

Builds (untimed) srcquiz's progress database and its 100k-question deck file
(`bench_store.build`: the history written as the app writes it) and an Anki
collection of the same numbers of cards and reviews, with a note for each card
(`bench_store.build_anki`). Then runs, as separate processes, interleaved:

- srcquiz: `srcquiz review --plain` over that deck and database, stdin closed, so
  it opens the store and the deck (cache warm), builds the review queue, prints
  the first card and ends at the first prompt;
- Anki: `Collection(path)`, `col.sched.getCard()` (the v3 queue), the card's
  question rendered (`card.question()`) and printed, `col.close()`.

Each side's median wall time and its peak RSS (`os.wait4`'s maxrss of that child
alone), and srcquiz's over Anki's. Budgets: <= 1.5x both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_store import DECK_ID, build, build_anki  # noqa: E402

from srcquiz.deck.cache import RACY_NS  # noqa: E402

ANKI_SCRIPT = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
card = col.sched.getCard()
print(card.question())
col.close()
"""


def deck_yaml(cards: int) -> str:
    """The bench deck (`bench_store.bench_deck`) as a deck file."""
    lines = [f"id: {DECK_ID}", "title: bench", "sources: [bench]", "questions:"]
    for i in range(cards):
        lines.append(
            f"  - {{id: q{i:06d}, kind: short, prompt: question {i}, answer: answer {i}, "
            f"explanation: because {i}}}"
        )
    return "\n".join(lines) + "\n"


def add_anki_notes(path: Path, cards: int, now: datetime) -> None:
    """A Basic note behind each card `build_anki` made (it makes cards and revlog
    only), so a card's question can be rendered; and the cards' due days counted
    from the collection's creation, as Anki counts them (`build_anki` writes days
    since 1970, which would put every card decades ahead: an empty queue)."""
    from anki.collection import Collection

    col = Collection(str(path))
    basic = col.models.by_name("Basic")
    assert basic is not None
    shift = int(now.timestamp()) // 86400 - col.sched.today
    col.db.execute(f"UPDATE cards SET due = due - {shift}")
    col.db.execute(
        f"""WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {cards} - 1)
        INSERT INTO notes SELECT 1700000000000 + i, printf('g%07d', i), {basic["id"]},
        1700000000, -1, '', printf('question %d' || char(31) || 'answer %d', i, i),
        printf('question %d', i), 0, 0, '' FROM s"""
    )
    col.close()


def setup(work: Path, cards: int, reviews: int) -> tuple[list[str], list[str], dict[str, str]]:
    """Build what is missing under `work`; the two commands and srcquiz's environment."""
    now = datetime.now(UTC)
    db, decks, col = work / "progress.sqlite3", work / "decks", work / "collection.anki2"
    if not db.exists():
        build(db, cards, reviews, now)
    if not decks.exists():
        decks.mkdir()
        (decks / "bench.yaml").write_text(deck_yaml(cards), encoding="utf-8")
        # A deck file changed within RACY_NS of its caching is hashed on every load (it
        # could have changed unseen); a user's deck was written long before.
        time.sleep(RACY_NS / 1e9 + 0.5)
    if not col.exists():
        build_anki(col, cards, reviews, now)
        add_anki_notes(col, cards, now)
    # As installed: bytecode compiled once and kept (a dev shell's PYTHONDONTWRITEBYTECODE
    # would have every run compile srcquiz from source, while Anki's is compiled).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SRCQUIZ_HOME"] = str(work / "home")
    env["PYTHONPATH"] = str(HERE.parent / "src")
    ours = [sys.executable, "-m", "srcquiz", "--decks", str(decks), "--db", str(db)]
    ours += ["review", "--plain"]
    theirs = [sys.executable, "-c", ANKI_SCRIPT, str(col)]
    return ours, theirs, env


# Runs one command and reports its wall time and peak RSS. A child's maxrss counts
# the memory of the process it was forked (or vforked) from, up to its exec: spawned
# from this script, which holds the build, both sides would read the same floor.
# This launcher is a bare interpreter (a few MB, below either side).
LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
to_stderr = [(os.POSIX_SPAWN_DUP2, 2, 1)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=to_stderr)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(json.dumps([wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (this command alone) and its output, of one run
    (its stdout goes to the launcher's stderr: the launcher's stdout is its report)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, *cmd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=out,
            env=env,
            check=False,
        )
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    try:
        wall, rss, code = json.loads(proc.stdout.splitlines()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"launcher failed: {proc.stdout[-500:]!r}") from None
    if code != 0:
        raise SystemExit(f"{cmd[:3]} failed ({code}): {text[-2000:]}")
    return wall, rss, text


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=100_000)
    ap.add_argument("--reviews", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--reuse", type=Path, metavar="DIR", help="build once into DIR, reuse")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.reuse or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        ours, theirs, env = setup(work, args.cards, args.reviews)
        first = run_once(ours, env)[2]  # fills the deck cache and makes the day's backup
        assert "question " in first, first[-500:]
        assert "question " in run_once(theirs, env)[2]
        samples: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
        for _ in range(args.runs):
            for side, cmd in (("ours", ours), ("theirs", theirs)):
                wall, rss, _ = run_once(cmd, env)
                samples[side].append((wall * 1000, rss))
    ms = {side: statistics.median(w for w, _ in s) for side, s in samples.items()}
    mb = {side: statistics.median(r for _, r in s) for side, s in samples.items()}
    scale = f"{args.cards // 1000}k cards / {args.reviews // 1000}k reviews"
    rows = [
        {
            "measure": f"whole process to the first card, {scale}",
            "srcquiz_ms": round(ms["ours"], 1),
            "reference": "Anki: Collection, sched.getCard, card.question, close",
            "reference_ms": round(ms["theirs"], 1),
            "ratio": round(ms["ours"] / ms["theirs"], 2),
            "budget": "<= 1.5x",
        },
        {
            "measure": f"whole process to the first card, peak memory, {scale}",
            "srcquiz": f"{mb['ours']:.0f} MB",
            "reference": f"Anki, the same steps: {mb['theirs']:.0f} MB",
            "ratio": round(mb["ours"] / mb["theirs"], 2),
            "budget": "<= 1.5x",
        },
    ]
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            ours_text = row.get("srcquiz") or f"{row['srcquiz_ms']:.1f} ms"
            theirs_text = row["reference"] if "srcquiz" in row else (
                f"{row['reference']} {row['reference_ms']:.1f} ms")
            print(f"{row['measure']}: {ours_text} vs {theirs_text}: {row['ratio']:.2f}x "
                  f"(budget {row['budget']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
