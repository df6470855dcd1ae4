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
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_run import AS_OF, OLD_RUN, PILLAR, REPO, STANDINS, make_previous_run, run_folders

from qcplan.batch import outputs, publish, steps
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
    real = outputs.write_json

    def write_json(path: Path, data: Any) -> None:
        if Path(path).name == "manifest.json" and (data["status"] == "running") == (
                which == "running"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(steps, "write_json", write_json)  # the first manifest
    monkeypatch.setattr(publish, "write_json", write_json)  # the final one


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


# --------------------------------------------------------------------------- latest
def _fake_run(out: Path, run_id: str) -> Path:
    folder = out / run_id
    (folder / "cache").mkdir(parents=True)
    (folder / "index.html").write_text(run_id, encoding="utf-8")
    (folder / "cache" / "baseline.pkl").write_bytes(b"x" * 100)
    return folder


def _no_symlinks(monkeypatch: pytest.MonkeyPatch) -> None:
    def symlink(*args: Any, **kw: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", symlink)


R1, R2 = "20260101T000000Z-aaaaaa", "20260102T000000Z-bbbbbb"


def test_switch_latest_without_symlinks_copies(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_run(tmp_path, R1)
    _fake_run(tmp_path, R2)
    _no_symlinks(monkeypatch)
    assert outputs.switch_latest(tmp_path, R1) == "copy"
    latest = tmp_path / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert (latest / "index.html").read_text(encoding="utf-8") == R1
    assert not (latest / "cache").exists()
    assert (tmp_path / "LATEST").read_text(encoding="utf-8").strip() == R1
    assert outputs.switch_latest(tmp_path, R2) == "copy"
    assert (latest / "index.html").read_text(encoding="utf-8") == R2
    assert outputs.latest_run(tmp_path) == R2
    assert (tmp_path / "LATEST").read_text(encoding="utf-8").strip() == R2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["LATEST", R1, R2, "latest"])


def test_switch_latest_refuses_a_foreign_folder(tmp_path: Path) -> None:
    _fake_run(tmp_path, R1)
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OSError, match="not made by qcplan"):
        outputs.switch_latest(tmp_path, R1)
    assert (tmp_path / "latest" / "mine.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == [R1, "latest"]


def test_switch_latest_symlink_then_pointer(tmp_path: Path) -> None:
    _fake_run(tmp_path, R1)
    assert outputs.switch_latest(tmp_path, R1) == "symlink"
    assert os.readlink(tmp_path / "latest") == R1
    assert outputs.latest_run(tmp_path) == R1
    assert (tmp_path / "LATEST").read_text(encoding="utf-8").strip() == R1


@pytest.mark.slow
def test_latest_a_real_folder_exit_1_manifest_says_failed(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "latest").mkdir(parents=True)
    (out / "latest" / "index.html").write_text("by hand", encoding="utf-8")
    result, log = quick_run(out)
    assert result.exit_code == 1 and result.status == "failed" and not result.latest_updated
    m = manifest(result.run_dir)
    assert m["status"] == "failed"
    assert any("could not switch" in e and "latest" in e for e in m["errors"])
    assert (out / "latest" / "index.html").read_text(encoding="utf-8") == "by hand"
    assert "latest unchanged" in log.strip().splitlines()[-1]


@pytest.mark.slow
def test_run_without_symlinks_publishes_a_copy(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    _no_symlinks(monkeypatch)
    result, log = quick_run(out)
    assert result.exit_code == 0 and result.latest_updated, log
    latest = out / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert (latest / "index.html").is_file() and (latest / "manifest.json").is_file()
    assert (out / "LATEST").read_text(encoding="utf-8").strip() == result.run_id
    assert "no symbolic links" in log


# --------------------------------------------------------------------------- --out in the data
@pytest.mark.slow
def test_out_inside_the_data_folder(tmp_path: Path) -> None:
    """Runs written into ``data/reports`` are not input: the run succeeds, twice."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    out = data / "reports"
    for _ in range(2):
        result, log = quick_run(out, data_dir=data)
        assert result.exit_code == 0, log
        assert "changed during the run" not in log
    assert not any(k.startswith("data/reports") for k in manifest(result.run_dir)["hashes"])
    same, log = quick_run(data, data_dir=data)  # the data folder itself: refused up front
    assert same.exit_code == 2 and "--out" in log
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("2")) == []


# --------------------------------------------------------------------------- retention
def _aged_run(out: Path, day: int, status: str, pid: int | None = None) -> str:
    import socket

    run_id = f"202601{day:02d}T000000Z-{day:06x}"
    folder = _fake_run(out, run_id)
    (folder / "manifest.json").write_text(json.dumps(
        {"run_id": run_id, "status": status,
         "process": {"host": socket.gethostname(), "pid": pid or 0, "pid_started": None}}),
        encoding="utf-8")
    return run_id


def test_retention_keeps_newest_latest_and_running(tmp_path: Path) -> None:
    statuses = ["ok", "failed", "timeout", "interrupted"]
    ids = [_aged_run(tmp_path, d, statuses[d % 4]) for d in range(1, 26)]
    killed = _aged_run(tmp_path, 26, "running", pid=10**7)  # pid gone: killed
    running = _aged_run(tmp_path, 27, "running", pid=os.getpid())
    ids = sorted([*ids, killed, running])
    os.symlink(ids[2], tmp_path / "latest")
    (tmp_path / "notes").mkdir()  # not a run folder: never touched
    deleted, problems = outputs.prune_runs(tmp_path, keep=5, current=ids[-1])
    assert problems == []
    left = sorted(p.name for p in tmp_path.iterdir() if outputs.RUN_ID.match(p.name))
    assert left == sorted([ids[2], *ids[-5:]])
    assert sorted(deleted) == sorted(set(ids) - set(left))
    assert (tmp_path / "notes").is_dir() and os.readlink(tmp_path / "latest") == ids[2]


def test_retention_spares_a_running_run_and_keep_0_keeps_all(tmp_path: Path) -> None:
    running = _aged_run(tmp_path, 1, "running", pid=os.getpid())
    newer = [_aged_run(tmp_path, d, "failed") for d in range(2, 6)]
    assert outputs.prune_runs(tmp_path, keep=0) == ([], [])
    deleted, _ = outputs.prune_runs(tmp_path, keep=2)
    assert sorted(deleted) == newer[:2]
    assert (tmp_path / running / "cache" / "baseline.pkl").is_file()


@pytest.mark.slow
def test_run_applies_retention(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    make_previous_run(out)
    older = [_aged_run(out, d, "failed") for d in (3, 4)]
    result, log = quick_run(out, keep=2)
    assert result.exit_code == 0, log
    # the new run and the newest older one; OLD_RUN went once latest no longer showed it
    assert run_folders(out) == sorted([older[-1], result.run_id])
    assert outputs.latest_run(out) == result.run_id
    assert "retention" in log
    bad, log = quick_run(out, keep=-1)
    assert bad.exit_code == 2 and "--keep" in log
