"""The layout keeps to the data's path: a lower layer imports nothing from an upper one, and no
module imports itself back through others.

base (errors, files, numbers, options, text, resources) < plan < model < render < batch < explore
< cli.
Every import statement counts, also those inside functions; the imports are read with ``ast``.
Cycles are the strongly connected components of the import graph of the package's modules;
imports under ``if TYPE_CHECKING:`` are not run, so they do not count for cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qcplan"
LAYERS = ("base", "plan", "model", "render", "batch", "explore", "cli")
BASE = {"errors", "files", "numbers", "options", "resources", "text"}  # top-level base utilities


def layer_of(module: str) -> str | None:
    """The layer of a module name ``qcplan.x.y`` (None outside the package)."""
    parts = module.split(".")
    if parts[0] != "qcplan":
        return None
    if len(parts) == 1:
        return "root"
    head = parts[1]
    if head in BASE:
        return "base"
    if head == "__main__":
        return "cli"
    return head if head in LAYERS else None


def imports(path: Path, package: Path = PACKAGE,
            run_time_only: bool = False) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import of ``path``, relative ones resolved; with
    ``run_time_only``, without those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(package.parent).with_suffix("")
    here = list(rel.parts[:-1])
    skipped: set[int] = set()
    if run_time_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module, [a.name for a in node.names]))
    return out


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        assert layer_of(module) is not None, (
            f"{module}: a new top-level module? add it to BASE if it is a base utility "
            "(imports nothing but base modules), or move it into its layer's subpackage")


def violations(package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        own = layer_of(module)
        if own == "root":
            continue  # qcplan/__init__.py re-exports the public names of every layer
        for line, target, names in imports(path, package):
            other = layer_of(target)
            if other is None:
                continue
            if other == "root":
                if names and set(names) <= {"__version__"}:
                    continue  # the version string only
                bad.append(f"{rel}.py:{line} imports the package root ({target}: {names})")
                continue
            if LAYERS.index(other) > LAYERS.index(own):
                bad.append(f"{rel}.py:{line} ({own}) imports {target} ({other})")
    return bad


def test_lower_layers_import_nothing_from_upper_ones() -> None:
    bad = violations()
    assert not bad, "\n".join(bad)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The rule is not vacuous: imports inside functions and relative ones are seen."""
    pkg = tmp_path / "qcplan"
    (pkg / "model").mkdir(parents=True)
    (pkg / "render").mkdir()
    (pkg / "render" / "report.py").write_text("X = 1\n")
    (pkg / "model" / "fine.py").write_text("from qcplan.errors import Problem\n")
    (pkg / "model" / "late.py").write_text("def f():\n    from qcplan.render import report\n")
    (pkg / "model" / "rel.py").write_text("from ..render.report import X\n")
    bad = violations(pkg)
    assert len(bad) == 2 and all("(model) imports qcplan.render" in b for b in bad), bad


def module_name(path: Path, package: Path = PACKAGE) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports at run time (``from a import b`` counts for
    ``a`` and, when ``a.b`` is a module, for ``a.b``)."""
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in paths}
    for module, path in paths.items():
        for _, target, names in imports(path, package, run_time_only=True):
            for name in [target] + [f"{target}.{n}" for n in names]:
                if name in paths and name not in (module, package.name):
                    graph[module].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cycle_check_catches_one(tmp_path: Path) -> None:
    """Not vacuous: a cycle through an import inside a function is found, one made only of
    type-checking imports is not."""
    pkg = tmp_path / "qcplan"
    (pkg / "model").mkdir(parents=True)
    (pkg / "model" / "__init__.py").write_text("")
    (pkg / "model" / "a.py").write_text("from qcplan.model.b import g\n")
    (pkg / "model" / "b.py").write_text("def g():\n    from qcplan.model import c\n")
    (pkg / "model" / "c.py").write_text("from qcplan.model.a import *\n")
    (pkg / "model" / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qcplan.model.e import E\n")
    (pkg / "model" / "e.py").write_text("from qcplan.model.d import D\n")
    assert cycles(import_graph(pkg)) == [["qcplan.model.a", "qcplan.model.b", "qcplan.model.c"]]
