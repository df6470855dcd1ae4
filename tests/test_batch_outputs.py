"""The run folder's outputs under trouble: a full disk, a ``latest`` that cannot be switched, a
file system without symbolic links, ``--out`` inside the data folder, retention.

The runs here use the trivial stand-in notebook (one pillar, one scenario, few draws): what is
tested is the batch around the notebooks.
"""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_run import AS_OF, OLD_RUN, PILLAR, STANDINS, make_previous_run, run_folders

from qcplan.batch import run as qrun

TRIVIAL = STANDINS / "trivial.nb.json"


def quick_run(out: Path, **kw: Any) -> tuple[qrun.RunResult, str]:
    """A run of the trivial notebook: (result, log)."""
    log = io.StringIO()
    args: dict[str, Any] = {"pillars": [PILLAR], "scenarios": ["baseline"], "out": out,
                            "n_sims": 200, "as_of": AS_OF, "notebook": TRIVIAL, "jobs": 1,
                            "timeout": 300, "log": log}
    result = qrun.run_batch(**{**args, **kw})
    return result, log.getvalue()


def manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def _disk_full_at(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    """The manifest write ``which`` (running: the first, final: the last) hits a full disk."""
    real = qrun.write_json

    def write_json(path: Path, data: Any) -> None:
        if Path(path).name == "manifest.json" and (data["status"] == "running") == (
                which == "running"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(qrun, "write_json", write_json)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["running", "final"])
def test_disk_full_at_manifest_exit_1_latest_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    _disk_full_at(monkeypatch, which)
    result, log = quick_run(out)
    assert result.exit_code == 1 and result.status == "failed"
    assert "No space left on device" in log and "Traceback" not in log
    last = log.strip().splitlines()[-1]
    assert "ERROR" in last and "latest unchanged" in last
    assert os.readlink(latest) == OLD_RUN
    if which == "running":  # nothing run, no folder left behind
        assert run_folders(out) == [OLD_RUN]
    else:  # the reports are there; the marker still says running (read as killed once this
        # process is gone, see test_run_status_running_then_how_it_ended)
        m = manifest(result.run_dir)
        assert m["status"] == "running" and m["process"]["pid"] == os.getpid()
        assert (result.run_dir / f"{PILLAR}__baseline__zh.html").is_file()
