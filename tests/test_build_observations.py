"""data/scripts/build_observations.py: deterministic, honest about illustrative rows, and the
committed data/observations.csv is exactly what it writes."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "data" / "scripts" / "build_observations.py"


def load_script():
    spec = importlib.util.spec_from_file_location("build_observations", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed_rows() -> list[dict[str, str]]:
    with open(REPO / "data" / "observations.csv", encoding="utf-8", newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def test_build_reproduces_the_committed_file():
    rows = load_script().build()
    assert rows == committed_rows()


def test_build_is_deterministic():
    mod = load_script()
    assert mod.build() == mod.build()


def test_illustrative_rows_say_so_and_never_shadow_published_ones():
    rows = committed_rows()
    published = {(r["indicator_id"], r["geography"], r["year"], r["period"])
                 for r in rows if r["status"] != "illustrative"}
    for r in rows:
        if r["status"] == "illustrative":
            assert r["source"].startswith("illustrative:")
            assert "illustrative" in r["note"] and "非官方" in r["note"]
            assert (r["indicator_id"], r["geography"], r["year"], r["period"]) not in published


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
    before = (data / "observations.csv").read_bytes()
    proc = subprocess.run([sys.executable, str(data / "scripts" / "build_observations.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "illustrative.csv" in proc.stderr and "model" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (data / "observations.csv").read_bytes() == before
