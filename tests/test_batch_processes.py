"""The batch's processes: workers and kernels die with the main process (kill -9, SIGHUP).

Each test starts ``run_batch`` in a child Python process on the stand-in notebook that sleeps,
waits until its kernels run, signals it and checks that no worker or kernel survives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qcplan.batch.outputs import run_status

psutil = pytest.importorskip("psutil")

REPO = Path(__file__).resolve().parents[1]
STANDINS = Path(__file__).resolve().parent / "fixtures" / "notebooks"
PILLAR = "overall_strength"
SCENARIOS = ["baseline", "optimistic"]


def _kernels_in(folder: Path) -> list[int]:
    """Kernel processes whose working folder is ``folder`` (the stand-ins' folder)."""
    pids = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            if ("ipykernel" in cmd and Path(p.cwd()) == folder
                    and p.status() != psutil.STATUS_ZOMBIE):
                pids.append(p.pid)
        except (psutil.Error, OSError):
            continue
    return pids


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            continue
    return out


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_run(out: Path, env: dict[str, str] | None = None,
              notebook: str = "sleeps.nb.json", extra: str = "") -> subprocess.Popen:
    """``run_batch`` in a child process, its kernels running when this returns."""
    code = (
        "import sys; from qcplan.batch.run import run_batch; "
        f"r = run_batch(pillars=[{PILLAR!r}], scenarios={SCENARIOS!r}, out={str(out)!r}, "
        f"n_sims=500, as_of='2026-06-30', notebook={str(STANDINS / notebook)!r}{extra}); "
        "sys.exit(r.exit_code)"
    )
    # Output to a file, not a pipe: orphaned workers would hold a pipe open.
    err = open(out.parent / "stderr.txt", "w", encoding="utf-8")  # noqa: SIM115
    # Ctrl-C as in a terminal, whatever this process inherited: a job a shell started in the
    # background ignores SIGINT, and so would the run (as Unix background jobs do).
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=err, text=True, env={**os.environ, **(env or {})},
                            preexec_fn=_default_sigint)
    err.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            mine = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        except psutil.Error:
            break
        if len(mine & set(_kernels_in(STANDINS))) >= 2:
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    for pid in [proc.pid, *_descendants(proc.pid)]:
        _kill(pid)
    proc.wait(30)
    raise AssertionError(f"the run's kernels did not start: {stderr_of(out)[-2000:]}")


def stderr_of(out: Path) -> str:
    return (out.parent / "stderr.txt").read_text(encoding="utf-8")


def _descendants(pid: int) -> list[int]:
    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.3)
    return _alive(pids)


@pytest.fixture
def started() -> Iterator[list[int]]:
    """Pids the test started; whatever of them is left is killed at the end."""
    pids: list[int] = []
    yield pids
    for pid in _alive(pids):
        _kill(pid)


@pytest.mark.slow
def test_kill_9_takes_workers_and_kernels_down(tmp_path: Path, started: list[int]) -> None:
    proc = start_run(tmp_path / "reports")
    descendants = _descendants(proc.pid)
    started += [proc.pid, *descendants]
    assert len(descendants) >= 4  # 2 workers, 2 kernels
    (run_dir,) = list((tmp_path / "reports").glob("2*Z-*"))
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "running" and m["process"]["pid"] == proc.pid
    assert run_status(run_dir) == "running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert wait_gone(descendants) == []
    assert run_status(run_dir) == "killed"  # the marker stays; its process is gone


@pytest.mark.slow
def test_sighup_is_treated_like_sigterm(tmp_path: Path, started: list[int]) -> None:
    out = tmp_path / "reports"
    proc = start_run(out)
    descendants = _descendants(proc.pid)
    started += [proc.pid, *descendants]
    proc.send_signal(signal.SIGHUP)
    proc.wait(timeout=60)
    stderr = stderr_of(out)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "SIGHUP" in stderr
    assert wait_gone(descendants) == []
    (run_dir,) = list(out.glob("2*Z-*"))
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "interrupted"
    assert {r["status"] for r in m["reports"]} == {"interrupted"}
    assert {r["error"]["evalue"] for r in m["reports"]} == {"SIGHUP"}


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_run_status_running_then_how_it_ended(tmp_path: Path) -> None:
    import socket

    def manifest(status: str, pid: int) -> Path:
        folder = tmp_path / f"{status}-{pid}-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps(
            {"status": status, "process": {"host": socket.gethostname(), "pid": pid,
                                           "pid_started": None}}), encoding="utf-8")
        return folder

    assert run_status(manifest("running", os.getpid())) == "running"
    assert run_status(manifest("running", _dead_pid())) == "killed"
    for ended in ("ok", "failed", "timeout", "interrupted"):
        assert run_status(manifest(ended, _dead_pid())) == ended
    assert run_status(tmp_path / "nothing") == "unknown"
    other = manifest("running", os.getpid())
    m = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    m["process"]["pid_started"] = 1.0  # the pid now belongs to another process
    (other / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    assert run_status(other) == "killed"


def _connection_files(folder: Path) -> list[str]:
    """Kernel connection files (JSON with a key and ports) in ``folder``."""
    found = []
    for path in folder.rglob("*.json"):
        try:
            if "shell_port" in json.loads(path.read_text(encoding="utf-8")):
                found.append(path.name)
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "timeout"])
def test_stopped_kernels_leave_no_connection_files(tmp_path: Path, started: list[int],
                                                   how: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    proc = start_run(tmp_path / "reports", env=env,
                     extra=", timeout=50" if how == "timeout" else "")
    started += [proc.pid, *_descendants(proc.pid)]
    assert len(_connection_files(tmp)) >= 2  # the running kernels' files are there
    if how != "timeout":
        proc.send_signal(getattr(signal, how))
    proc.wait(timeout=90)
    assert proc.returncode == (130 if how == "SIGINT" else 1)
    assert _connection_files(tmp) == []
