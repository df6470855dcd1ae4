"""Build hook: the wheel carries the repository's example plan and report notebooks.

Everything else is configured in ``pyproject.toml``. When a wheel (or sdist-built wheel) is made,
the repository's ``data/`` (the example plan folder: plan.yaml, the tables, its scenarios and
sources), ``notebooks/*.ipynb`` and ``params/scenarios/*.yaml`` (the generic scenarios) are
copied into the build as ``qcplan/resources/example_plan``, ``qcplan/resources/notebooks`` and
``qcplan/resources/params``. The repository keeps one
copy of each; ``qcplan.resources`` finds the packaged copy when installed from a wheel and the
repository's folders in a source checkout (or an editable install, where nothing is copied).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# (source folder, destination under qcplan/resources, glob patterns)
RESOURCES = (
    ("data", "example_plan", ("plan.yaml", "*.csv", "README.md", "scenarios/*.yaml",
                              "sources/*.csv")),
    ("notebooks", "notebooks", ("*.ipynb",)),
    ("params", "params", ("scenarios/*.yaml",)),
)


class BuildPyWithResources(build_py):
    """``build_py`` plus the copies above (skipped for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "qcplan" / "resources"
        for src, dst, patterns in RESOURCES:
            for pattern in patterns:
                for path in sorted((ROOT / src).glob(pattern)):
                    out = target / dst / path.relative_to(ROOT / src)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, out)


setup(cmdclass={"build_py": BuildPyWithResources})
