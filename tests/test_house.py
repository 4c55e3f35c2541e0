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


def _named_in_tree(tree: str) -> set[str]:
    """Modules the tree names: `name.py` at the top level, bare names in a package's
    column (a package's lines are indented 14 columns under its `name/`)."""
    named: set[str] = set()
    package = ""
    for line in tree.splitlines():
        head = re.match(r"  (\w+)/ ", line)
        if head:
            package, text = head.group(1), line[14:]
        elif line.startswith(" " * 14) and package:
            text = line[14:]
        else:
            package = ""
            named.update(re.findall(r"\b(\w+\.py)\b", line))
            continue
        for word in re.findall(r"\b\w+\b", text):
            if (PACKAGE / package / f"{word}.py").exists():
                named.add(f"{package}/{word}.py")
    return named


def test_the_readme_layout_names_every_module_and_only_real_ones() -> None:
    named = _named_in_tree(_layout_tree())
    actual = {
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if p.name not in ("__init__.py", "__main__.py") and "tui" not in p.parts
    }
    assert sorted(actual - named) == [], "modules missing from the README's layout tree"
    listed = {n for n in named if not n.startswith("tui/")}
    assert sorted(listed - actual) == [], "the README names modules that do not exist"
