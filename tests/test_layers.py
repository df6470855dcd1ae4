"""The layout keeps to the data's path: a lower layer imports nothing from an upper one.

base (errors, files, options, text, resources) < plan < model < render < batch < explore < cli.
Every import statement counts, also those inside functions; the imports are read with ``ast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qcplan"
LAYERS = ("base", "plan", "model", "render", "batch", "explore", "cli")
BASE = {"errors", "files", "options", "resources", "text"}  # top-level base utilities


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


def imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import of ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(package.parent).with_suffix("")
    here = list(rel.parts[:-1])
    out = []
    for node in ast.walk(tree):
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
