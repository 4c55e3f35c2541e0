"""The package's layers: each imports only the ones below it, and nothing cycles.

Read from the source with `ast` (every import, including those inside functions
and under TYPE_CHECKING), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src"
PACKAGE = SRC / "srcquiz"

# Bottom to top. A module may import its own layer and the layers below.
LAYERS = ["base", "deck", "progress", "study", "anki", "cli", "tui"]
# The one import that runs up: the command line starts the full-screen app.
ALLOWED_UP = {("srcquiz.cli.commands", "srcquiz.tui.launch")}
# Libraries that belong to a front end only.
FRONT_END_ONLY = {"argparse": {"cli", "tui"}, "textual": {"tui"}, "textual_plotext": {"tui"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """The sub-package a module is in; top-level modules are the base."""
    if module == "srcquiz.__main__":
        return "cli"  # `python -m srcquiz` is the command line
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "base"


def imports(module: str) -> set[str]:
    """Every module `module` imports: srcquiz modules by full name, others by top name."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(_srcquiz_or_top(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".")
                if MODULES[module].name != "__init__.py":
                    pkg = pkg[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else _srcquiz_or_top(base))
    found.discard(module)
    return found


def _srcquiz_or_top(name: str) -> str:
    return name if name.startswith("srcquiz") else name.split(".")[0]


GRAPH = {m: {i for i in imports(m) if i in MODULES} for m in MODULES}


def test_every_module_sits_in_a_known_layer() -> None:
    assert {layer(m) for m in MODULES} <= set(LAYERS)


def test_layers_only_import_downward() -> None:
    upward = [
        f"{m} ({layer(m)}) imports {i} ({layer(i)})"
        for m, deps in GRAPH.items()
        for i in sorted(deps)
        if LAYERS.index(layer(i)) > LAYERS.index(layer(m)) and (m, i) not in ALLOWED_UP
    ]
    assert upward == []


@pytest.mark.parametrize("library", sorted(FRONT_END_ONLY))
def test_front_end_libraries_stay_in_the_front_ends(library: str) -> None:
    users = sorted(m for m in MODULES if library in imports(m))
    assert [m for m in users if layer(m) not in FRONT_END_ONLY[library]] == []


def test_no_import_cycle_outside_tui() -> None:
    core = {m: {d for d in deps if layer(d) != "tui"} for m, deps in GRAPH.items()}
    core = {m: deps for m, deps in core.items() if layer(m) != "tui"}
    cycles = [scc for scc in _strongly_connected(core) if len(scc) > 1]
    assert cycles == []


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    """The rules above can fail: a made-up graph with both faults is caught."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert [sorted(s) for s in _strongly_connected(graph) if len(s) > 1] == [["a", "b", "c"]]
    assert layer("srcquiz.deck.model") == "deck" and layer("srcquiz.errors") == "base"
    assert "srcquiz.deck.model" in GRAPH["srcquiz.deck.loader"]
    assert "srcquiz.tui.launch" in GRAPH["srcquiz.cli.commands"]  # lazy imports are seen


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (the graph is small, but recursion is not needed)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    scc = set()
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        scc.add(top)
                        if top == node:
                            break
                    result.append(scc)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return result
