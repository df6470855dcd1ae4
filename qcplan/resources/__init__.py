"""Files qcplan ships: the generic scenarios, the report notebooks and the example plan.

In a source checkout they are the repository's ``params/`` (``params/scenarios/*.yaml``, the
generic scenarios), ``notebooks/`` and ``data/`` (the example plan); a built wheel carries copies
of them as package data under ``qcplan/resources/params``, ``qcplan/resources/notebooks`` and
``qcplan/resources/example_plan`` (see ``setup.py``). Either way there is one source: the
repository's folders.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
REPO_ROOT = RESOURCES.parents[1]


def _shipped(packaged: str, in_checkout: str) -> Path:
    here = RESOURCES / packaged
    return here if here.is_dir() else REPO_ROOT / in_checkout


def example_plan_dir() -> Path:
    """The example plan folder shipped with qcplan."""
    return _shipped("example_plan", "data")


def notebooks_dir() -> Path:
    """The folder of the report and workbench notebooks."""
    return _shipped("notebooks", "notebooks")


def report_notebook() -> Path:
    """The per-pillar report notebook run by ``qcplan run``."""
    return notebooks_dir() / "pillar_report.ipynb"


def generic_scenarios_dir() -> Path:
    """The folder whose ``scenarios/`` holds the generic scenarios (``params/``)."""
    return _shipped("params", "params")
