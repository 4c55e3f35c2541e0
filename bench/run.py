"""`make bench`: run every bench/bench_*.py and print one table.

Each script prints one JSON object per measure with `--json`:
`{"measure", "srcquiz_ms" (or "srcquiz" as text), "reference", "reference_ms", "ratio",
"budget"}`. A ratio is srcquiz's median over the reference's median, measured in
the same run; absolute budgets have no reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def _fmt_ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f} ms"


def _holds(row: dict) -> str:
    budget = row.get("budget", "")
    if not budget:
        return ""  # a row for context, with no budget of its own
    try:
        if budget.startswith("<="):
            limit = budget[2:].strip()
            if limit.endswith("x"):
                return "yes" if row["ratio"] <= float(limit[:-1]) else "NO"
        if budget.startswith("<"):
            limit = budget[1:].strip()
            number, unit = limit.split()
            ours = row.get("srcquiz_ms")
            if unit == "ms" and ours is not None:
                return "yes" if ours < float(number) else "NO"
            if unit == "MB":
                return "yes" if float(row["srcquiz"].split()[0]) < float(number) else "NO"
    except (KeyError, TypeError, ValueError):
        pass
    return "?"


def main() -> int:
    rows: list[dict] = []
    failures = []
    started = time.perf_counter()
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, str(script), "--json"], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            failures.append(f"{script.name}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
            continue
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                rows.append(json.loads(line))
    header = ("measure", "srcquiz", "reference", "reference median", "ratio", "budget", "holds")
    table = [header]
    for r in rows:
        ours = r.get("srcquiz") or _fmt_ms(r.get("srcquiz_ms"))
        ratio = "" if r.get("ratio") is None else f"{r['ratio']:.2f}x"
        table.append((r["measure"], ours, r.get("reference", ""), _fmt_ms(r.get("reference_ms")),
                      ratio, r.get("budget", ""), _holds(r)))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in table]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines))
    print(f"\n(total {time.perf_counter() - started:.0f} s on {sys.platform}, "
          f"python {sys.version.split()[0]})")
    for f in failures:
        print(f"\nFAILED {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
