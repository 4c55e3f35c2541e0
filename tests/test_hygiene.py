"""The domain core stays plain Python: no Textual, and heavy modules load only when used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CORE = [
    "srcquiz.deck.model",
    "srcquiz.deck.loader",
    "srcquiz.deck.schema",
    "srcquiz.cli.parser",
    "srcquiz.paths",
]
OPTIONAL_CORE = [
    "srcquiz.study.grading",
    "srcquiz.study.scheduler",
    "srcquiz.progress.store",
    "srcquiz.study.session",
    "srcquiz.anki.exporter",
    "srcquiz.anki.importer",
    "srcquiz.deck.anchors",
]


def _modules_after(imports: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {imports!r}:\n"
        "    importlib.import_module(m)\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_has_no_textual_import() -> None:
    loaded = _modules_after(CORE + OPTIONAL_CORE)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_heavy_modules_load_only_when_used() -> None:
    loaded = _modules_after(CORE + OPTIONAL_CORE)
    for heavy in ("genanki", "anki", "fsrs", "plotext", "jsonschema"):
        assert heavy not in loaded, heavy


def test_a_cached_deck_loads_without_pyyaml(tmp_path) -> None:
    code = (
        "import sys; from pathlib import Path; from srcquiz.deck.loader import load_decks\n"
        "decks, _ = load_decks([Path(sys.argv[1])], cache=True); assert decks\n"
        "print('yaml' in sys.modules)"
    )
    deck = str(Path(__file__).parent / "fixtures" / "deck_all_kinds.yaml")
    env = {**os.environ, "SRCQUIZ_HOME": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, deck], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # parsed once, then served from the cache


def test_the_start_up_path_stays_lean(tmp_path) -> None:
    """What a bare `srcquiz` runs before the app is drawn (the start-up budget of
    issue 5): no argparse, no scheduler or fsrs, no YAML once the decks are cached."""
    code = (
        "import sys\n"
        "from srcquiz.cli.parser import parse_args\n"
        "from srcquiz.cli.workspace import load_selected, open_store\n"
        "args = parse_args([])\n"
        "load_selected(args)\n"
        "open_store(args).close()\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    env = {**os.environ, "SRCQUIZ_HOME": str(tmp_path)}
    for _ in range(3):  # creates the database and fills the cache; later runs open both
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout
    loaded = set(out.split())
    for module in (
        "argparse",
        "srcquiz.study.scheduler",
        "fsrs",
        "yaml",
        "srcquiz.deck.parser",
        "srcquiz.study.grading",
        "srcquiz.study.session",
    ):
        assert module not in loaded, module
