"""The house rules a newcomer relies on: small modules, short functions, a README
whose layout tree names the modules that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "src" / "srcquiz"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_modules_stay_under_600_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := p.read_text().count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_functions_stay_under_60_lines() -> None:
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines})")
    assert long == []


def _layout_tree() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def test_the_readme_layout_names_every_module_and_only_real_ones() -> None:
    tree = _layout_tree()
    named: set[str] = set()
    package = ""
    for line in tree.splitlines():
        head = re.match(r"\s{2}(\w+)/\s", line)
        if head:
            package = head.group(1)
        elif re.match(r"\s{2}\w+\.py", line):
            package = ""
        elif not line.startswith(" " * 14):
            package = ""  # a top-level folder of the repository
        words = re.findall(r"\b(\w+)(?:\.py)?\b", line[14:] if package else line)
        for word in words:
            candidate = PACKAGE / package / f"{word}.py" if package else PACKAGE / f"{word}.py"
            if candidate.exists():
                named.add(str(candidate.relative_to(PACKAGE)))
        named.update(re.findall(r"\b(\w+\.py)\b", line) if not package else [])
    actual = {
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.name not in ("__init__.py", "__main__.py") and p.parent.name != "tui"
        and "tui" not in p.relative_to(PACKAGE).parts
    }
    assert actual - named == set(), "modules missing from the README's layout tree"
    listed_py = {n for n in named if n.endswith(".py") and "/" not in n}
    assert {n for n in listed_py if not (PACKAGE / n).exists()} == set()
