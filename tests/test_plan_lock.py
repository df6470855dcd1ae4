"""One writer at a time on a plan folder (qcplan/plan/writer.py): a second writer waits, names the
holder and gives up with exit 1 having written nothing; a killed holder does not block the next
one; two ingests and a run started at once lose no figure, and the run's manifest hashes the
state it read."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from qcplan.plan.collect import SHEET, collect
from qcplan.plan.load import load_plan
from qcplan.plan.writer import (
    HOLDER_NAME,
    LOCK_NAME,
    SOFT_LOCK_NAME,
    PlanBusyError,
    plan_lock,
    write_file,
)

REPO = Path(__file__).resolve().parents[1]
STANDINS = REPO / "tests" / "fixtures" / "notebooks"
DAY = "2026-03-01"
PY = sys.executable


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCPLAN_")}
    env.update(more)
    return env


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(REPO / "data", d, ignore=shutil.ignore_patterns("scripts", "sources"))
    return d


def _returns(data: Path, out: Path) -> dict[str, Path]:
    """Two units' returned workbooks for 2025, every open row filled with a value in range."""
    plan = load_plan(data)
    collect(plan, out, units=["区统计局", "区教育局"], year=2024,
            today=_dt.date(2026, 3, 1))
    files = {}
    for unit in ("区统计局", "区教育局"):
        path = out / f"{unit}.xlsx"
        wb = openpyxl.load_workbook(path)
        ws = wb[SHEET]
        n = 0
        for r in range(3, ws.max_row + 1):
            if ws.cell(row=r, column=1).value and not ws.cell(row=r, column=6).protection.locked:
                held = ws.cell(row=r, column=15).value
                flag = not ws.cell(row=r, column=12).value  # a milestone: 0 or 1
                value = 1.0 if flag else float(held) if held is not None else 50.0 + r % 7
                ws.cell(row=r, column=6, value=value)
                ws.cell(row=r, column=7, value="official")
                ws.cell(row=r, column=8, value=f"{unit} test return")
                n += 1
        assert n > 0, unit
        wb.save(path)
        files[unit] = path
    return files


def _holder(folder: Path, action: str = "ingest", seconds: float = 60,
            env: dict[str, str] | None = None) -> subprocess.Popen:
    """A process that takes the folder's lock, says so, and sleeps."""
    code = ("import sys, time\nfrom qcplan.plan.writer import plan_lock\n"
            f"with plan_lock({str(folder)!r}, {action!r}):\n"
            "    print('locked', flush=True)\n"
            f"    time.sleep({seconds})\n")
    p = subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, text=True,
                         env=env or _env())
    assert p.stdout is not None and p.stdout.readline().strip() == "locked"
    return p


def _qcplan(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "qcplan", *args], capture_output=True, text=True,
                          env=env or _env(), timeout=300)


def test_write_file_refuses_without_the_lock(tmp_path: Path):
    with pytest.raises(RuntimeError, match="without holding its lock"):
        write_file(tmp_path, "plan.yaml", "x")
    with plan_lock(tmp_path, "test"):
        with plan_lock(tmp_path, "test again"):  # reentrant
            write_file(tmp_path, "plan.yaml", "x")
        assert json.loads((tmp_path / HOLDER_NAME).read_text())["action"] == "test"
    assert (tmp_path / "plan.yaml").read_text() == "x"
    assert not (tmp_path / HOLDER_NAME).exists()  # released: no holder named


def test_second_writer_waits_names_the_holder_and_gives_up(data: Path, tmp_path: Path):
    files = _returns(data, tmp_path / "out")
    before = (data / "observations.csv").read_bytes()
    holder = _holder(data)
    try:
        t0 = time.monotonic()
        r = _qcplan("ingest", "--plan", str(data), "--received", DAY, "--wait", "1.5",
                    str(files["区统计局"]))
        waited = time.monotonic() - t0
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1, r.stderr
    assert f"another ingest is running (pid {holder.pid} on " in r.stderr
    assert "waiting" in r.stderr and "gave up after waiting 1.5 s" in r.stderr
    assert "nothing was written" in r.stderr and "Traceback" not in r.stderr
    assert waited >= 1.5
    assert (data / "observations.csv").read_bytes() == before


def test_wait_from_the_environment_and_a_bad_one(data: Path, tmp_path: Path):
    files = _returns(data, tmp_path / "out")
    holder = _holder(data, action="save scenario")
    try:
        r = _qcplan("ingest", "--plan", str(data), str(files["区统计局"]),
                    env=_env(QCPLAN_LOCK_WAIT="0.5"))
        bad = _qcplan("ingest", "--plan", str(data), str(files["区统计局"]),
                      env=_env(QCPLAN_LOCK_WAIT="soon"))
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1 and "another save scenario is running" in r.stderr
    assert bad.returncode == 2 and "QCPLAN_LOCK_WAIT" in bad.stderr and "soon" in bad.stderr


@pytest.mark.parametrize("mode", ["", "soft"])
def test_a_killed_holder_does_not_block_the_next_writer(data: Path, tmp_path: Path, mode: str):
    (data / LOCK_NAME).touch()  # a kernel lock's file, left as every release leaves it
    files = _returns(data, tmp_path / "out")
    env = _env(QCPLAN_LOCK=mode) if mode else _env()
    holder = _holder(data, env=env)
    debris = data / ".observations.csv.abcd1234.tmp"  # an interrupted replace
    debris.write_text("half a file")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (data / (SOFT_LOCK_NAME if mode else LOCK_NAME)).exists()
    assert (data / HOLDER_NAME).exists()
    t0 = time.monotonic()
    r = _qcplan("ingest", "--plan", str(data), "--received", DAY, "--wait", "20",
                str(files["区统计局"]), env=env)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 < 15  # not the whole wait
    assert f"pid {holder.pid} on" in r.stderr and "ended without releasing" in r.stderr
    assert "removed 1 temporary file" in r.stderr and not debris.exists()
    assert "区统计局" in (data / "observations.csv").read_text(encoding="utf-8")
    assert not (data / HOLDER_NAME).exists()


def test_new_into_a_folder_being_written_waits_then_refuses(tmp_path: Path):
    folder = tmp_path / "plan"
    folder.mkdir()
    holder = _holder(folder, action="new")
    try:
        r = _qcplan("new", str(folder), "--title", "测试", "--geography", "谯城区", "--wait",
                    "0.5")
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1 and "another new is running" in r.stderr
    assert not (folder / "plan.yaml").exists()


def test_save_scenario_takes_the_lock(tmp_path: Path):
    from qcplan.model.scenarios import load_scenarios, save_scenario

    base = load_scenarios(None)["baseline"]
    import dataclasses

    scen = dataclasses.replace(base, name="mine")
    holder = _holder(tmp_path)
    try:
        with pytest.raises(PlanBusyError, match="another ingest is running"):
            save_scenario(scen, tmp_path, wait=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "scenarios" / "mine.yaml").exists()
    assert save_scenario(scen, tmp_path).is_file()


def _valid_states(initial: bytes, final: bytes, rows: dict[str, int]) -> set[str]:
    """The hashes of every whole state observations.csv went through: the first, after either
    ingest alone (a prefix of the final file: ingest rewrites every row the same way and
    appends), and the last."""
    lines = final.splitlines(keepends=True)
    n0 = len(lines) - sum(rows.values())
    states = {initial, final} | {b"".join(lines[:n0 + k]) for k in rows.values()}
    return {hashlib.sha256(s).hexdigest() for s in states}


@pytest.mark.slow
def test_two_ingests_and_a_run_at_once_lose_nothing(tmp_path: Path):
    reps = int(os.environ.get("QCPLAN_STRESS_REPS", "20"))
    template = tmp_path / "template"
    shutil.copytree(REPO / "data", template, ignore=shutil.ignore_patterns("scripts", "sources"))
    files = _returns(template, tmp_path / "returns")
    initial = (template / "observations.csv").read_bytes()
    # the rows each unit adds, from a quiet ingest of each alone
    rows = {}
    for unit, path in files.items():
        alone = tmp_path / f"alone-{unit}"
        shutil.copytree(template, alone)
        r = _qcplan("ingest", "--plan", str(alone), "--received", DAY, str(path))
        assert r.returncode == 0, r.stderr
        rows[unit] = (alone / "observations.csv").read_text(encoding="utf-8").count(f",{unit},")
        assert rows[unit] > 0
    run_code = (
        "import sys\nfrom qcplan.batch.run import run_batch\n"
        "r = run_batch(pillars=['overall_strength'], scenarios=['baseline'], data_dir=sys.argv[1],"
        " out=sys.argv[2], n_sims=200, jobs=1, as_of='2026-03-01', quiet=True,"
        f" notebook={str(STANDINS / 'isolated.nb.json')!r})\n"
        "print(r.run_dir)\nsys.exit(r.exit_code)\n")
    for i in range(reps):
        data = tmp_path / f"rep{i}" / "data"
        shutil.copytree(template, data)
        out = tmp_path / f"rep{i}" / "reports"
        procs = [subprocess.Popen([PY, "-m", "qcplan", "ingest", "--plan", str(data),
                                   "--received", DAY, str(path)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=_env())
                 for path in files.values()]
        procs.insert(i % 3, subprocess.Popen([PY, "-c", run_code, str(data), str(out)],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             text=True, env=_env()))
        results = [(p, *p.communicate(timeout=600)) for p in procs]
        for p, _stdout, stderr in results:
            assert p.returncode == 0, f"rep {i}: {p.args}\n{stderr[-3000:]}"
        final = (data / "observations.csv").read_bytes()
        text = final.decode("utf-8")
        for unit, n in rows.items():
            assert text.count(f",{unit},") == n, f"rep {i}: {unit}'s figures lost"
        manifest = json.loads(next(out.glob("*/manifest.json")).read_text(encoding="utf-8"))
        read = manifest["hashes"]["data/observations.csv"]
        assert read in _valid_states(initial, final, rows), f"rep {i}: a torn read"
        shutil.rmtree(out)  # keep the disk small
