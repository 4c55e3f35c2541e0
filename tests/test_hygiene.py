"""The domain core stays plain Python: no Textual, and heavy modules load only when used."""

from __future__ import annotations

import subprocess
import sys

CORE = ["srcquiz.deck", "srcquiz.loader", "srcquiz.schema", "srcquiz.cli", "srcquiz.paths"]
OPTIONAL_CORE = ["srcquiz.grading", "srcquiz.scheduler", "srcquiz.store", "srcquiz.session",
                 "srcquiz.anki_export", "srcquiz.anki_import", "srcquiz.anchors"]


def _modules_after(imports: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {imports!r}:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except ModuleNotFoundError as e:\n"
        "        if not e.name.startswith('srcquiz'): raise\n"
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
