"""Export speed and memory: `srcquiz export` against genanki writing the same notes.

    .venv/bin/python bench/bench_export.py [N] [--distinct-code]   (default 10,000)
    .venv/bin/python bench/bench_export.py --json    (every row, for bench/run.py)

The baseline gets every note's fields, tags and GUID computed beforehand (not
timed) and only times genanki building the notes and writing the package, so
the ratio is what srcquiz adds on top of genanki. Target: ratio <= 1.2, the
median of the ratios of interleaved runs (as the issue's rows are taken).

The generated deck repeats one code snippet (every 5th question), which
srcquiz highlights once; `--distinct-code` makes every snippet different, so
Pygments would run 2,000 times (about 0.4 ms each here) on a cold highlight cache.
Every row runs with its own `SRCQUIZ_HOME`, warmed by a first export: what a
user who exports again pays.

Two rows run whole processes, each in its own subprocess, interleaved:
- peak memory (the child's `ru_maxrss` from `os.wait4`) of `srcquiz export` of the
  100k-question deck against a process that reads the same notes, prepared
  beforehand as JSON lines (one note a line, so reading them holds no more than
  the notes), and writes them with genanki;
- the time of `srcquiz export -o x.apkg` of all bundled decks against the same
  kind of genanki process for the bundled decks' notes (medians of ratios).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gen_deck import deck_yaml  # noqa: E402

from srcquiz.deck.loader import load_deck  # noqa: E402


def interleaved(runs: int, base, ours) -> tuple[float, float, float]:
    """Median times of `base` and `ours` and the median of their ratios, run by
    run: the two alternate, so a change of load between runs hits both alike, and
    the median of per-run ratios (as the bundled row takes it) is not swung by one
    quiet or busy moment as a ratio of two separate minima is."""
    pairs = []
    for _ in range(runs):
        times = []
        for fn in (base, ours):
            gc.collect()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        pairs.append(times)
    return (
        statistics.median(b for b, _ in pairs),
        statistics.median(o for _, o in pairs),
        statistics.median(o / b for b, o in pairs),
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--distinct-code", action="store_true", help="no two code snippets alike")
    ap.add_argument("--json", action="store_true", help="rows for bench/run.py (every row)")
    ap.add_argument("--genanki-child", nargs=2, metavar=("NOTES", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.genanki_child:
        genanki_child(Path(args.genanki_child[0]), Path(args.genanki_child[1]))
        return 0
    if not args.json:
        with own_home():
            measure(args.n, args.runs, args.distinct_code, verbose=True)
        return 0
    for distinct in (False, True):
        with own_home():
            t_base, t_ours, ratio = measure(args.n, args.runs, distinct, verbose=False)
        label = "2,000 distinct snippets" if distinct else "one repeated snippet"
        print(json.dumps({
            "measure": f"export {args.n // 1000}k notes ({label}), highlight cache warm",
            "srcquiz_ms": round(t_ours * 1000, 1),
            "reference": "genanki writing the same notes",
            "reference_ms": round(t_base * 1000, 1),
            "ratio": round(ratio, 2),
            "budget": "<= 1.2x",
        }))
    print(json.dumps(peak_memory_row(100_000)))
    print(json.dumps(bundled_row(runs=15)))
    return 0


class own_home:
    """A temporary `SRCQUIZ_HOME` (deck and highlight caches) for one measure."""

    def __enter__(self) -> Path:
        self._tmp = tempfile.TemporaryDirectory()
        self._saved = os.environ.get("SRCQUIZ_HOME")
        os.environ["SRCQUIZ_HOME"] = self._tmp.name
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        if self._saved is None:
            os.environ.pop("SRCQUIZ_HOME", None)
        else:
            os.environ["SRCQUIZ_HOME"] = self._saved
        self._tmp.cleanup()


# -- whole processes ----------------------------------------------------------


def write_prepared(decks, path: Path) -> None:
    """The notes `srcquiz export` writes, as JSON lines for `genanki_child`: a deck
    line (`{"deck": ...}`), then one `[kind, fields, tags, guid]` line per note."""
    from srcquiz.anki import exporter as anki_export

    anki_decks = anki_export.build_anki_decks(decks, "srcquiz", anki_export.MediaCollector())
    with path.open("w", encoding="utf-8") as f:
        for d in anki_decks:
            f.write(json.dumps({"deck": [d.id, d.name, d.description]}) + "\n")
            for n in d.notes:
                f.write(json.dumps([n.kind, n.fields, n.tags, n.guid]) + "\n")


def genanki_child(notes: Path, out: Path) -> None:
    """The reference process: read prepared notes, write them with genanki alone."""
    import genanki

    from srcquiz.anki.note_types import genanki_models

    models = genanki_models()
    decks = []
    with notes.open(encoding="utf-8") as f:
        for due, line in enumerate(f):
            row = json.loads(line)
            if isinstance(row, dict):
                decks.append(genanki.Deck(*row["deck"][:2], description=row["deck"][2]))
                continue
            kind, fields, tags, guid = row
            decks[-1].add_note(
                genanki.Note(model=models[kind], fields=fields, tags=tags, guid=guid, due=due)
            )
    genanki.Package(decks).write_to_file(str(out))


def run_child(cmd: list[str], tmp: Path) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one child process."""
    # genanki leaves its database in TMPDIR. Byte code is cached (in the run's own
    # folder) as an installed package's is, for both processes alike.
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed with exit {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # KiB on Linux


def _commands(tmp: Path, deck_args: list[str]) -> tuple[list[str], list[str]]:
    ours = [sys.executable, "-m", "srcquiz", "export", *deck_args, "-o", str(tmp / "ours.apkg")]
    base = [sys.executable, __file__, "--genanki-child", str(tmp / "notes.jsonl"),
            str(tmp / "genanki.apkg")]  # fmt: skip
    return ours, base


def peak_memory_row(n: int, runs: int = 2) -> dict:
    from srcquiz.deck.loader import load_deck

    with own_home() as home:
        tmp = home / "work"
        tmp.mkdir()
        deck_path = tmp / f"deck{n}.yaml"
        deck_path.write_text(deck_yaml(n), encoding="utf-8")
        write_prepared([load_deck(deck_path)], tmp / "notes.jsonl")
        gc.collect()
        ours, base = _commands(tmp, ["--decks", str(deck_path)])
        run_child(ours, tmp)  # warm the deck and highlight caches
        mem_ours = min(run_child(ours, tmp)[1] for _ in range(runs))
        mem_base = min(run_child(base, tmp)[1] for _ in range(runs))
    return {
        "measure": f"export {n // 1000}k notes, peak memory (whole process)",
        "srcquiz": f"{mem_ours:,.0f} MB",
        "reference": f"genanki writing the same notes: {mem_base:,.0f} MB",
        "ratio": round(mem_ours / mem_base, 2),
        "budget": "<= 1.2x",
    }


def bundled_row(runs: int) -> dict:
    from srcquiz.deck.loader import load_decks
    from srcquiz.paths import default_deck_dirs

    with own_home() as home:
        tmp = home / "work"
        tmp.mkdir()
        decks, _ = load_decks(default_deck_dirs(), cache=True)
        write_prepared(decks, tmp / "notes.jsonl")
        ours, base = _commands(tmp, [])
        run_child(ours, tmp)  # warm the deck and highlight caches
        run_child(base, tmp)
        pairs = []
        for _ in range(runs):
            pairs.append((run_child(ours, tmp)[0], run_child(base, tmp)[0]))
    return {
        "measure": f"export of the {len(decks)} bundled decks (whole process, caches warm)",
        "srcquiz_ms": round(statistics.median(o for o, _ in pairs) * 1000, 1),
        "reference": "genanki writing the same notes (whole process)",
        "reference_ms": round(statistics.median(b for _, b in pairs) * 1000, 1),
        "ratio": round(statistics.median(o / b for o, b in pairs), 2),
        "budget": "<= 1.2x",
    }


def measure(
    n: int, runs: int, distinct_code: bool, verbose: bool
) -> tuple[float, float, float]:
    import genanki

    from srcquiz.anki import exporter as anki_export
    from srcquiz.anki.highlight import forget
    from srcquiz.anki.note_types import genanki_models

    saved_tempdir = tempfile.tempdir
    with tempfile.TemporaryDirectory() as tmp:
        tempfile.tempdir = tmp  # genanki leaves its temporary database behind
        deck_path = Path(tmp) / "bench.yaml"
        text = deck_yaml(n)
        if distinct_code:
            counter = iter(range(n))
            text = re.sub(
                r"sigsuspend\(&set\);", lambda m: f"sigsuspend(&set{next(counter)});", text
            )
        deck_path.write_text(text, encoding="utf-8")
        deck = load_deck(deck_path)
        ours_path = Path(tmp) / "ours.apkg"
        base_path = Path(tmp) / "genanki.apkg"

        # The same notes, prepared up front for the baseline.
        models = genanki_models()
        media = anki_export.MediaCollector()
        prepared = []
        for q in deck.questions:
            guid = anki_export.note_guid(deck.id, q.id)
            prepared.append(
                (
                    models[q.kind],
                    anki_export.note_fields(deck.id, q, guid, media),
                    anki_export.note_tags(deck, q),
                    guid,
                )
            )
        name = anki_export.anki_deck_name("srcquiz", deck.title)

        def baseline() -> None:
            d = genanki.Deck(1 << 40, name, description=anki_export.deck_description(deck))
            for i, (model, fields, tags, guid) in enumerate(prepared):
                d.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid, due=i))
            genanki.Package(d).write_to_file(str(base_path))

        def ours() -> None:
            forget()  # as a new process: snippets come from the disk cache
            anki_export.export_decks([deck], ours_path)

        ours()  # warm up imports and lexers
        baseline()
        t_base, t_ours, ratio = interleaved(runs, baseline, ours)
        if verbose:
            codes = sum(1 for q in deck.questions if q.code)
            distinct = len({(q.code, q.lang) for q in deck.questions if q.code})
            print(f"{n} questions ({codes} with code, {distinct} distinct snippet(s))")
            print(f"genanki directly: {t_base:.3f} s  ({base_path.stat().st_size / 1e6:.1f} MB)")
            print(f"srcquiz export:   {t_ours:.3f} s  ({ours_path.stat().st_size / 1e6:.1f} MB)")
            print(f"ratio:            {ratio:.2f} (median of {runs} interleaved runs' ratios)")
        tempfile.tempdir = saved_tempdir
    return t_base, t_ours, ratio


if __name__ == "__main__":
    raise SystemExit(main())
