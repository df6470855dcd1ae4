"""Re-execute the committed notebooks and keep only the outputs the notebook tests check.

nbval (``pytest --nbval-lax``) compares the outputs of cells marked ``# NBVAL_CHECK_OUTPUT`` with
the outputs stored in the committed notebook. After a change to the data or the models, run

    .venv/bin/python tools/refresh_notebook_outputs.py [notebooks/explore.ipynb ...]

to store the new expected outputs (all other outputs are cleared, so the files stay small), then
review the diff: a changed number is a changed result.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill as pm

REPO = Path(__file__).resolve().parents[1]
MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        pm.execute_notebook(str(path), str(out), kernel_name="python3", cwd=str(path.parent),
                            progress_bar=False)
        executed = nbformat.read(out, as_version=4)
    original = nbformat.read(path, as_version=4)
    for cell, done in zip(original.cells, executed.cells, strict=True):
        if cell.cell_type != "code":
            continue
        keep = cell.source.lstrip().startswith(MARK)
        cell.outputs = done.outputs if keep else []
        # nbval treats a cell with outputs but no execution count as never run
        cell.execution_count = done.execution_count if keep else None
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    original.metadata.pop("papermill", None)
    nbformat.write(original, path)
    print(f"refreshed {path.relative_to(REPO)}")


def main(argv: list[str]) -> None:
    paths = [Path(a).resolve() for a in argv] or sorted((REPO / "notebooks").glob("*.ipynb"))
    for p in paths:
        refresh(p)


if __name__ == "__main__":
    main(sys.argv[1:])
