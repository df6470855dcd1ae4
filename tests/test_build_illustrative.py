"""data/scripts/build_illustrative.py: deterministic, honest about illustrative rows, and the
committed data/illustrative.csv is exactly what it writes; data/observations.csv holds only real
figures, and a real figure replaces the illustrative one of its year when the plan is loaded."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "data" / "scripts" / "build_illustrative.py"


def load_script():
    spec = importlib.util.spec_from_file_location("build_illustrative", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed_rows(name: str = "illustrative.csv") -> list[dict[str, str]]:
    with open(REPO / "data" / name, encoding="utf-8", newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def test_build_reproduces_the_committed_file():
    rows = load_script().build()
    assert rows == committed_rows()


def test_build_is_deterministic():
    mod = load_script()
    assert mod.build() == mod.build()


def test_illustrative_rows_say_so_and_observations_are_real():
    for r in committed_rows():
        assert r["status"] == "illustrative"
        assert r["source"].startswith("illustrative:")
        assert "illustrative" in r["note"] and "非官方" in r["note"]
        assert r["period"] == ""
    real = committed_rows("observations.csv")
    assert len(real) == 98 + len(committed_rows("incoming/real_figures_2026.csv"))
    assert {r["status"] for r in real} <= {"official", "preliminary", "derived"}


def test_a_real_figure_hides_the_illustrative_one_of_its_year():
    """The figures in use: every real figure, and an illustrative one only for a year without a
    real one (gdp 辖区 2023 is the official 850.1, its other years illustrative)."""
    from qcplan.plan.load import load_plan

    plan = load_plan(REPO / "data")
    obs = plan.observations
    assert len(obs) == len(committed_rows("observations.csv")) + 566
    gdp = obs[(obs["indicator_id"] == "gdp") & (obs["geography"] == "谯城区(辖区)")]
    by_year = dict(zip(gdp["year"], gdp["status"]))
    assert by_year[2023] == "official" and by_year[2022] == by_year[2024] == "illustrative"
    assert float(gdp.loc[gdp["year"] == 2023, "value"].iloc[0]) == 850.1
    key = ["indicator_id", "geography", "year", "period", "measure"]
    assert not obs.duplicated(key).any()


def test_bad_source_file_is_named_and_exits_non_zero(tmp_path: Path):
    """A copy of data/ with a broken assumptions row: the script names the file and column,
    exits 2, and leaves the existing observations.csv as it was."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    ill = data / "sources" / "illustrative.csv"
    lines = ill.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[1]]))
    cells[header.index("model")] = "magic"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[1] = out.getvalue()
    ill.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = (data / "illustrative.csv").read_bytes()
    proc = subprocess.run([sys.executable, str(data / "scripts" / "build_illustrative.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "illustrative.csv" in proc.stderr and "model" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (data / "illustrative.csv").read_bytes() == before


def test_readme_data_note_is_what_the_data_counts():
    """data/README.md's count of real and illustrative figures is the one data_note.py computes
    from the data (rerun `python data/scripts/data_note.py --write` after changing the data)."""
    spec = importlib.util.spec_from_file_location("data_note",
                                                  REPO / "data" / "scripts" / "data_note.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.note()
    assert f"{module.BEGIN}\n{text}\n{module.END}" in (REPO / "data" / "README.md").read_text(
        encoding="utf-8")
    real = [r for r in committed_rows("observations.csv") if r["status"] != "illustrative"]
    assert f"**{len(real)} real**" in text
