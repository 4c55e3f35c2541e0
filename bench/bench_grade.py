"""Grading with the known-terms index of a 100k-question deck loaded.

- grading one answer (a mix of right answers, typos, other questions' answers and
  numbers in other forms), median and p99, with the index built
- building the index after a warm load (the vocabulary comes with the deck from the
  deck cache and is merged; the near-neighbour tables of a key length are built on
  the first near miss that needs them, inside the grading times above)  vs  the
  warm load itself; and, for context, building every length's tables at once

Prints one JSON object per measure with --json (bench/run.py collects them).

    python bench/bench_grade.py [--json] [--questions 100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_deck import deck_yaml  # noqa: E402

from srcquiz.deck import vocabulary  # noqa: E402
from srcquiz.deck.kinds import (  # noqa: E402
    Cloze,
    Number,
    Order,
    Question,  # noqa: E402
    Short,
)
from srcquiz.deck.loader import load_deck_file  # noqa: E402
from srcquiz.study.grading import example_card_key, grade  # noqa: E402
from srcquiz.study.terms import KnownTerms  # noqa: E402


def answers_for(q: Question, others: list[Question], rng: random.Random) -> list[object]:
    """What learners type for this question: right, a typo, another question's answer."""
    if isinstance(q, Short):
        other = rng.choice(others)
        wrong = other.answer if isinstance(other, Short) else "SIGTERM"
        return [q.answer, q.accept[0] if q.accept else q.answer, q.answer[:1] + q.answer[2:],
                wrong]  # fmt: skip
    if isinstance(q, Cloze):
        answer = q.deletions()[0].answer
        word = answer.rstrip("0123456789")
        digits = answer[len(word) :]
        return [(answer,), (word[:-1] + digits,), (word[:2] + word[4:] + digits,), ("loop",)]
    if isinstance(q, Number):
        value = int(q.answer)
        return [str(value), f"{value} threads", f"{value / 1000:g}k", "many"]
    if isinstance(q, Order):
        n = len(q.items)
        return [tuple(range(n)), tuple(range(1, n)) + (0,)]
    return []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--questions", type=int, default=100_000)
    ap.add_argument("--answers", type=int, default=4000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="srcquiz-bench-"))
    os.environ["SRCQUIZ_HOME"] = str(work / "home")
    path = work / "deck.yaml"
    path.write_text(deck_yaml(args.questions, seed=2), encoding="utf-8")
    load_deck_file(path, cache=True)  # fill the cache

    loads = []
    for _ in range(3):
        start = time.perf_counter()
        deck, _ = load_deck_file(path, cache=True)
        assert deck is not None
        len(deck.questions)  # read lazily: every question decoded, as a full load did
        loads.append(time.perf_counter() - start)
    warm = statistics.median(loads)

    builds, tables = [], []
    for _ in range(3):
        # What a session pays after a warm load before its first grade: the vocabulary
        # came with the deck (read from its entry on first use), the index merges it;
        # the near-neighbour tables of a key length are built on the first near miss
        # that needs them (timed in grading).
        vocabulary._DECK_CACHE.clear()
        deck, _ = load_deck_file(path, cache=True)
        assert deck is not None
        gc.collect()
        start = time.perf_counter()
        len(KnownTerms([deck]))
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        KnownTerms([deck]).prepare()
        tables.append(time.perf_counter() - start)
    build = statistics.median(builds)
    index = KnownTerms([deck])  # built as a session builds it: tables on first need

    rng = random.Random(0)
    questions = list(deck.questions)
    cases = []
    while len(cases) < args.answers:
        q = rng.choice(questions)
        cases += [(q, a) for a in answers_for(q, questions, rng)]
    times = []
    for q, answer in cases:
        key = example_card_key(q)
        start = time.perf_counter()
        grade(q, key, answer, index)
        times.append(time.perf_counter() - start)
    times.sort()
    median = statistics.median(times)
    p99 = times[int(len(times) * 0.99)]

    n = f"{args.questions // 1000}k"
    rows = [
        {"measure": f"grade one answer, {n}-question index: median", "srcquiz_ms":
         round(median * 1000, 3), "budget": "< 1 ms"},
        {"measure": f"grade one answer, {n}-question index: p99", "srcquiz_ms":
         round(p99 * 1000, 3), "budget": "< 5 ms"},
        {"measure": f"known-terms index build, {n} questions", "srcquiz_ms": round(build * 1000, 1),
         "reference": "warm load (cache), every question", "reference_ms": round(warm * 1000, 1),
         "ratio": round(build / warm, 2), "budget": "<= 0.1x"},
        {"measure": f"  near-neighbour tables, every key length, {n}", "srcquiz_ms":
         round(statistics.median(tables) * 1000, 1), "budget": ""},
    ]  # fmt: skip
    if args.json:
        for r in rows:
            print(json.dumps(r))
    else:
        print(f"{len(cases)} answers, {len(index)} known terms")
        for r in rows:
            print(f"{r['measure']}: {r['srcquiz_ms']} ms  (budget {r['budget'] or '-'})")
        print(f"warm load: {warm * 1000:.1f} ms")


if __name__ == "__main__":
    main()
