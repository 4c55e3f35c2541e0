"""Deck loading against its references, measured in the same run.

- cold load + validate, 10k questions  vs  yaml.load(CSafeLoader) of the file
- warm load (deck cache), 10k           vs  json.loads of the same data
- `srcquiz lint`, 100k questions        vs  yaml.load(CSafeLoader)
- peak memory with 100k questions loaded (absolute)

Prints one JSON object per measure with --json (bench/run.py collects them).
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
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from gen_deck import deck_yaml  # noqa: E402

from srcquiz.deck import cache as deck_cache  # noqa: E402
from srcquiz.deck.loader import load_deck_file  # noqa: E402


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_cpu_s(fn, repeat: int) -> float:
    """CPU seconds (this process's and its children's), for a machine shared with other
    work: wall time there counts the waits for a core as well."""
    times = []
    for _ in range(repeat):
        start = os.times()
        fn()
        end = os.times()
        times.append(sum(end[:4]) - sum(start[:4]))
    return statistics.median(times)


def row(measure: str, ours: float, ref_name: str, ref: float | None, budget: str) -> dict:
    return {
        "measure": measure,
        "srcquiz_ms": round(ours * 1000, 1),
        "reference": ref_name,
        "reference_ms": None if ref is None else round(ref * 1000, 1),
        "ratio": None if ref is None else round(ours / ref, 2),
        "budget": budget,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=("load", "lint", "memory"),
                    help="measure only these rows (e.g. the lint row, to compare two trees)")
    ap.add_argument("--cpu", action="store_true",
                    help="lint row: CPU time of both sides rather than wall time")
    args = ap.parse_args()
    want = {args.only} if args.only else {"load", "lint", "memory"}
    work = Path(tempfile.mkdtemp(prefix="srcquiz-bench-"))
    os.environ["SRCQUIZ_HOME"] = str(work / "home")
    d10 = work / "deck10k.yaml"
    if "load" in want:
        d10.write_text(deck_yaml(10_000), encoding="utf-8")
    d100 = work / "deck100k.yaml"
    if want & {"lint", "memory"}:
        d100.write_text(deck_yaml(100_000, seed=1), encoding="utf-8")
    rows = []
    if "load" in want:
        rows += load_rows(d10, args.repeat)
    if "lint" in want:
        timer = median_cpu_s if args.cpu else median_s
        ref = timer(lambda: yaml.load(d100.read_text("utf-8"), Loader=yaml.CSafeLoader), 1)
        cmd = [sys.executable, "-m", "srcquiz", "lint", str(d100)]
        ours = timer(lambda: subprocess.run(cmd, check=True, capture_output=True), 1)
        rows.append(row("srcquiz lint, 100k questions" + (" (CPU time)" if args.cpu else ""),
                        ours, "yaml.load(CSafeLoader)", ref, "<= 1.0x"))
        # The same process without the authoring rules #13 and #17 added to lint (the
        # give-aways, leaks between questions, examples graded): the parse and checks
        # the 0.37x row measured before the restructure (#14), so the two compare.
        probe = ("import sys; from pathlib import Path; from srcquiz.deck.loader import "
                 "load_deck_file; load_deck_file(Path(sys.argv[1]), authoring=False)")
        cmd = [sys.executable, "-c", probe, str(d100)]
        ours = timer(lambda: subprocess.run(cmd, check=True, capture_output=True), 1)
        rows.append(row("  the same without the authoring rules (lint before #13)"
                        + (" (CPU time)" if args.cpu else ""),
                        ours, "yaml.load(CSafeLoader)", ref, "<= 0.45x"))
    if "memory" in want:
        rows += memory_rows(d100)
    for r in rows:
        print(json.dumps(r, ensure_ascii=False) if args.json else r)


def load_rows(d10: Path, repeat: int) -> list[dict]:
    rows = []
    ref = median_s(lambda: yaml.load(d10.read_text("utf-8"), Loader=yaml.CSafeLoader), repeat)
    # What the app does on a cache miss: load and validate (lint's authoring rules apart).
    ours = median_s(lambda: load_deck_file(d10, authoring=False), repeat)
    rows.append(row("cold load + validate, 10k questions", ours, "yaml.load(CSafeLoader)", ref,
                    "<= 1.0x"))

    load_deck_file(d10, cache=True)  # fill the cache
    entry = next(deck_cache.cache_root().glob("*.json"))
    whole = deck_cache.entry_doc(entry.read_bytes())
    data = json.dumps({k: v for k, v in whole.items() if k != "deck"})
    ref = median_s(lambda: json.loads(data), repeat)
    # Every question decoded (the entry is read lazily: `questions` decodes them all).
    ours = median_s(lambda: load_deck_file(d10, cache=True)[0].questions, repeat)  # type: ignore[union-attr]
    rows.append(row("warm load (cache), 10k questions", ours, "json.loads of the same data", ref,
                    "<= 3x"))
    # What start-up reads: the entry checked, its head (ids, card keys, counts) parsed.
    ours = median_s(lambda: load_deck_file(d10, cache=True)[0].card_keys(), repeat)  # type: ignore[union-attr]
    rows.append(row("warm load to the decks screen (no question decoded), 10k", ours,
                    "json.loads of the same data", ref, "<= 0.5x"))
    return rows


def memory_rows(d100: Path) -> list[dict]:
    rows = []
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent, and this
    # process just held a 100k-question yaml.load.
    probe = (
        "import sys; from pathlib import Path; from srcquiz.deck.loader import "
        "load_deck_file; d, _ = load_deck_file(Path(sys.argv[1]), cache=sys.argv[2] == 'warm'); "
        "assert d and d.questions; print([l.split()[1] for l in open('/proc/self/status') "
        "if l.startswith('VmHWM')][0])"
    )
    for mode in ("cold", "warm"):  # the first run fills the cache the warm one reads
        out = subprocess.run([sys.executable, "-c", probe, str(d100), mode], check=True,
                             capture_output=True, text=True).stdout
        if mode == "cold":
            subprocess.run([sys.executable, "-c", probe, str(d100), "warm"], check=True,
                           capture_output=True)
        rows.append({"measure": f"peak memory, 100k questions loaded ({mode})",
                     "srcquiz_ms": None, "srcquiz": f"{int(out) / 1024:.0f} MB",
                     "reference": "(absolute)", "reference_ms": None, "ratio": None,
                     "budget": "< 400 MB"})
    return rows


if __name__ == "__main__":
    main()
