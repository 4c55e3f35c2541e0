"""Export speed: `srcquiz export` against genanki writing the same notes directly.

    .venv/bin/python bench/bench_export.py [N] [--distinct-code]   (default 10,000)

The baseline gets every note's fields, tags and GUID computed beforehand (not
timed) and only times genanki building the notes and writing the package, so
the ratio is what srcquiz adds on top of genanki. Target: ratio <= 1.2.

The generated deck repeats one code snippet (every 5th question), which
srcquiz highlights once; `--distinct-code` makes every snippet different, so
Pygments runs 2,000 times (about 0.4 ms each here).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gen_deck import deck_yaml  # noqa: E402

from srcquiz.deck.loader import load_deck  # noqa: E402


def best_of(runs: int, *fns) -> list[float]:
    """Best time of each function, runs interleaved so load changes hit both alike."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            gc.collect()
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--distinct-code", action="store_true", help="no two code snippets alike")
    ap.add_argument("--json", action="store_true", help="rows for bench/run.py (both variants)")
    args = ap.parse_args()
    if not args.json:
        measure(args.n, args.runs, args.distinct_code, verbose=True)
        return 0
    for distinct in (False, True):
        t_base, t_ours = measure(args.n, args.runs, distinct, verbose=False)
        label = "2,000 distinct snippets" if distinct else "one repeated snippet"
        print(json.dumps({
            "measure": f"export {args.n // 1000}k notes ({label})",
            "srcquiz_ms": round(t_ours * 1000, 1),
            "reference": "genanki writing the same notes",
            "reference_ms": round(t_base * 1000, 1),
            "ratio": round(t_ours / t_base, 2),
            "budget": "<= 1.2x",
        }))
    return 0


def measure(n: int, runs: int, distinct_code: bool, verbose: bool) -> tuple[float, float]:
    import genanki

    from srcquiz.anki import exporter as anki_export
    from srcquiz.anki.highlight import _highlight
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
            _highlight.cache_clear()
            anki_export.export_decks([deck], ours_path)

        ours()  # warm up imports and lexers
        baseline()
        t_base, t_ours = best_of(runs, baseline, ours)
        if verbose:
            codes = sum(1 for q in deck.questions if q.code)
            distinct = len({(q.code, q.lang) for q in deck.questions if q.code})
            print(f"{n} questions ({codes} with code, {distinct} distinct snippet(s))")
            print(f"genanki directly: {t_base:.3f} s  ({base_path.stat().st_size / 1e6:.1f} MB)")
            print(f"srcquiz export:   {t_ours:.3f} s  ({ours_path.stat().st_size / 1e6:.1f} MB)")
            print(f"ratio:            {t_ours / t_base:.2f}")
        tempfile.tempdir = saved_tempdir
    return t_base, t_ours


if __name__ == "__main__":
    raise SystemExit(main())
