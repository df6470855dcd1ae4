"""qcplan as an ordinary package: the built wheel, installed into a fresh virtual environment,
finds its example plan, generic scenarios and report notebook as package data, and renders a
report from an empty folder (the bug was "data directory not found: .../site-packages/data").

The fresh environment gets the wheel only; its dependencies are borrowed from the test's own
environment through a ``.pth`` line (a ``.pth`` found that way is not executed, so the test
environment's editable qcplan is not seen), and nbconvert's templates through ``JUPYTER_PATH``.
Nothing is downloaded except what ``pip wheel`` needs to build (setuptools, wheel), which skips
the test with a reason when it cannot be had.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_renders_a_report_from_an_empty_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                  str(REPO)], cwd=tmp_path)
    if built.returncode != 0:
        pytest.skip(f"the wheel could not be built here (pip wheel: {built.stderr[-300:]})")
    wheel = next(wheels.glob("qcplan-*.whl"))

    venv = tmp_path / "fresh"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                cwd=tmp_path).returncode == 0
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], cwd=tmp_path).stdout.strip())
    inst = _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                 "--target", str(site), str(wheel)], cwd=tmp_path)
    assert inst.returncode == 0, inst.stderr
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("QCPLAN_PLAN", "QCPLAN_DATA", "QCPLAN_PARAMS", "PYTHONPATH")}
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    record = _run([str(python), "-c", "from qcplan.model.outside_view import "
                   "TRACK_RECORD_DIR as d, load_judged; print(d); print(len(load_judged()))"],
                  cwd=tmp_path)
    assert record.returncode == 0, record.stderr
    record_dir, judged = record.stdout.split()
    assert Path(record_dir).is_relative_to(site) and int(judged) > 0
    assert (Path(record_dir) / "sources" / "plan_outcomes.csv").is_file()

    where = _run([str(python), "-c", "import qcplan, qcplan.resources as r; "
                  "print(qcplan.__file__); print(r.example_plan_dir()); "
                  "print(r.report_notebook())"], cwd=empty, env=env)
    assert where.returncode == 0, where.stderr
    module, plan_dir, notebook = where.stdout.split()
    for path in (module, plan_dir, notebook):
        assert Path(path).is_relative_to(site), path  # the installed copy, not the checkout
    assert Path(notebook).is_file() and (Path(plan_dir) / "plan.yaml").is_file()

    check = _run([str(python), "-m", "qcplan", "validate"], cwd=empty, env=env)
    assert check.returncode == 0, check.stderr
    assert "(from the shipped example)" in check.stderr and "4 scenarios" in check.stdout

    made = _run([str(python), "-m", "qcplan", "new", "p", "--title", "空规划", "--geography",
                 "某区"], cwd=empty, env=env)
    assert made.returncode == 0, made.stderr
    assert _run([str(python), "-m", "qcplan", "validate", "--plan", "p"], cwd=empty,
                env=env).returncode == 0

    run = _run([str(python), "-m", "qcplan", "run", "--pillars", "culture_tourism",
                "--scenarios", "baseline", "--lang", "en", "--n-sims", "200", "--jobs", "1",
                "--out", "reports", "--quiet"], cwd=empty, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    report = empty / "reports" / "latest" / "culture_tourism__baseline__en.html"
    assert report.is_file() and "How well did the projections call it" in report.read_text(
        encoding="utf-8")
